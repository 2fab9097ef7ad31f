"""Normalization of Japanese personal data: one module for search, import and matching.

Pure functions, no Django. Original values are always kept for display; these functions build
keys and canonical forms (see shared/domain/japanese_text.md).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# --- characters ------------------------------------------------------------------------------

# Every dash-like character that operators and source systems use between digits.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff70\u2500\u2501\u002d\u30fb"
_DASH_RE = re.compile(f"[{re.escape(_DASHES)}]")
_SPACE_RE = re.compile(r"[\s\u3000]+")
_VARIATION_SELECTOR_RE = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Spacing dakuten/handakuten (か゛) become combining marks, so that NFKC composes them (が).
_SPACING_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})
# Combining (han)dakuten left over when no composed kana exists (ッ゛, ン゜): noise for matching.
_LONE_KANA_MARK_RE = re.compile("[\u3099\u309a]")

# Kanji variants (異体字) folded to the common form for keys only, never for display.
KANJI_VARIANTS: dict[str, str] = {
    "髙": "高",
    "﨑": "崎",
    "嵜": "崎",
    "齋": "斎",
    "齊": "斎",
    "斉": "斎",
    "邊": "辺",
    "邉": "辺",
    "澤": "沢",
    "廣": "広",
    "濱": "浜",
    "櫻": "桜",
    "國": "国",
    "冨": "富",
    "嶋": "島",
    "嶌": "島",
    "惠": "恵",
    "眞": "真",
    "藏": "蔵",
    "條": "条",
    "槇": "槙",
    "桒": "桑",
    "龍": "竜",
    "萬": "万",
    "瀨": "瀬",
    "德": "徳",
    "黑": "黒",
    "𠮷": "吉",
    "栁": "柳",
    "\ufa12": "晴",  # 晴 compatibility form (NFKC folds it too; the table works without NFKC)
    "淸": "清",
    "曻": "昇",
    "圡": "土",
    "籠": "篭",
    "實": "実",
    "壽": "寿",
    "靜": "静",
    "榮": "栄",
    "顯": "顕",
    "彌": "弥",
    "瀧": "滝",
    "會": "会",
    "舘": "館",
    "蘓": "蘇",
    "峯": "峰",
    "\uf9b5": "嶺",  # 嶺 compatibility form
    "\uf9dc": "隆",  # 隆 compatibility form
    "冩": "写",
    "亞": "亜",
    "惡": "悪",
    "來": "来",
    "與": "与",
}
_KANJI_TABLE = str.maketrans(KANJI_VARIANTS)
# translate() looks every character up in a dict; a scan for the few that change is much cheaper.
_KANJI_VARIANT_RE = re.compile(f"[{''.join(KANJI_VARIANTS)}]")

_HIRA_START, _HIRA_END = 0x3041, 0x3096
_HIRAGANA_TABLE = {code: code + 0x60 for code in range(_HIRA_START, _HIRA_END + 1)}
_HIRAGANA_RE = re.compile(f"[{chr(_HIRA_START)}-{chr(_HIRA_END)}]")
_SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_FUZZY_KANA = str.maketrans({"ヂ": "ジ", "ヅ": "ズ", "ヲ": "オ"})
# ヴァイオリン ~ バイオリン: ヴ with a small vowel is the ba-row syllable.
_VU_SYLLABLES = {"ヴァ": "バ", "ヴィ": "ビ", "ヴェ": "ベ", "ヴォ": "ボ"}
_VU_RE = re.compile("ヴ[ァィェォ]")
_VOWEL_OF: dict[str, str] = {}
for _vowel, _row in {
    "ア": "アカガサザタダナハバパマヤャラワァ",
    "イ": "イキギシジチヂニヒビピミリィ",
    "ウ": "ウクグスズツヅヌフブプムユュルゥヴ",
    "エ": "エケゲセゼテデネヘベペメレェ",
    "オ": "オコゴソゾトドノホボポモヨョロヲォ",
}.items():
    for _ch in _row:
        _VOWEL_OF[_ch] = _vowel


def strip_controls(text: str) -> str:
    return _CONTROL_RE.sub("", text)


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL_RE.search(text))


def nfkc(text: str) -> str:
    """NFKC plus removal of variation selectors, which NFKC keeps; か゛ is read as が."""
    if "\u309b" in text or "\u309c" in text:  # two scans in C are cheaper than translate()
        text = text.translate(_SPACING_MARKS)
    return _VARIATION_SELECTOR_RE.sub("", unicodedata.normalize("NFKC", text))


def _compose(text: str) -> str:
    """Re-compose after spaces were dropped or kana converted (ワ + ゛ → ヷ, A + ´ → Á).

    Without this a key is not a fixed point: normalizing it again would compose what the first
    pass left apart.
    """
    return unicodedata.normalize("NFC", text)


def collapse_spaces(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def hiragana_to_katakana(text: str) -> str:
    return text.translate(_HIRAGANA_TABLE) if _HIRAGANA_RE.search(text) else text


def is_kana_reading(text: str) -> bool:
    """True when the text is a reading: katakana (any width), hiragana, spaces and ー only."""
    folded = hiragana_to_katakana(nfkc(text))
    return bool(folded.strip()) and all(("\u30a1" <= c <= "\u30fa") or c in "ー・ " for c in collapse_spaces(folded))


def to_katakana_reading(text: str) -> str:
    """Canonical stored reading: full-width katakana with single half-width spaces."""
    return _compose(collapse_spaces(hiragana_to_katakana(nfkc(text))))


def fold_kanji_variants(text: str) -> str:
    return text.translate(_KANJI_TABLE) if _KANJI_VARIANT_RE.search(text) else text


def name_key(text: str) -> str:
    """Key for a kanji (or any) name: NFKC, variant folding, no spaces, katakana for kana."""
    return _compose(_SPACE_RE.sub("", fold_kanji_variants(hiragana_to_katakana(nfkc(text)))))


def name_search_key(text: str) -> str:
    """Key for substring search over names: name_key, lower-cased (ABC商事 ~ abc商事)."""
    return name_key(text).lower()


def kana_key(text: str) -> str:
    """Key for a reading: katakana, no spaces. Keeps ー and small kana (exact comparison)."""
    return _compose(_SPACE_RE.sub("", hiragana_to_katakana(nfkc(text))))


def _fold_long_vowels(kana: str) -> str:
    out: list[str] = []
    for ch in kana:
        if ch == "ー" and out:
            prev_vowel = _VOWEL_OF.get(out[-1], "")
            # オー and エー are written オウ/エイ as often as オオ/エエ: fold them to one form.
            ch = {"オ": "ウ", "エ": "イ"}.get(prev_vowel, prev_vowel) or ch
        out.append(ch)
    return "".join(out)


def fuzzy_kana_key(text: str) -> str:
    """Reading key for fuzzy matching only: small kana, ヂ/ヅ/ヴ and long vowels folded.

    サトー, サトウ and さとう give the same key; so do オオノ and オーノ.
    """
    kana = _LONE_KANA_MARK_RE.sub("", kana_key(text))
    kana = _VU_RE.sub(lambda m: _VU_SYLLABLES[m.group()], kana).replace("ヴ", "ブ")
    # Small kana first, so that a long vowel after one (ッー) is folded like after its full form.
    kana = kana.translate(_FUZZY_KANA).translate(_SMALL_KANA)
    folded = _fold_long_vowels(kana) if "ー" in kana else kana
    # オオ → オウ so that オオノ ~ オーノ ~ オウノ.
    return re.sub(r"(?<=[オコゴソゾトドノホボポモヨロ])オ", "ウ", folded)


# --- identifiers -----------------------------------------------------------------------------

MOBILE_PREFIXES = ("070", "080", "090")


def digits_only(text: str) -> str:
    return "".join(c for c in nfkc(text) if "0" <= c <= "9")


def phone_digits(text: str) -> str:
    """Canonical phone digits: +81 → 0, all separators removed."""
    value = nfkc(text).strip()
    digits = digits_only(value)
    if value.startswith("+81") or (digits.startswith("81") and len(digits) in (11, 12)):
        # +81 replaces the trunk 0; "+81 (0)3 …" writes it anyway.
        digits = "0" + digits[2:].removeprefix("0")
    return digits


# Only these services have 11-digit numbers; every other number (landlines, 0120, 0570) has 10.
ELEVEN_DIGIT_PREFIXES = ("020", "050", "060", "070", "080", "090", "0800")


def is_valid_phone(digits: str) -> bool:
    """Japanese phone numbers: 0 then a non-zero digit (00 is the international prefix);
    11 digits for mobile, IP (050), M2M (020) and 0800 numbers, 10 digits for all others."""
    if not (digits.isascii() and digits.isdigit() and digits.startswith("0")) or digits.startswith("00"):
        return False
    return len(digits) == (11 if digits.startswith(ELEVEN_DIGIT_PREFIXES) else 10)


def is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits.startswith(MOBILE_PREFIXES)


def format_phone(digits: str) -> str:
    """Readable form for display when the source gave none (area codes vary; this is a guide)."""
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith(("03", "06")):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10 and digits.startswith("0120"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits


def postal_code_digits(text: str) -> str:
    return digits_only(nfkc(text).replace("〒", ""))


def format_postal_code(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else digits


def identifier_key(text: str) -> str:
    """Policy, claim and certificate numbers: case- and width-insensitive, no hyphens/spaces."""
    return _compose(_SPACE_RE.sub("", _DASH_RE.sub("", nfkc(text))).upper())


def email_key(text: str) -> str:
    return nfkc(text).strip().lower()


def corporate_number_check_digit(body12: str) -> int:
    """Check digit of a 13-digit corporate number (法人番号) for its last 12 digits."""
    total = 0
    for position, char in enumerate(reversed(body12), start=1):
        total += int(char) * (1 if position % 2 else 2)
    return 9 - (total % 9)


def is_valid_corporate_number(text: str) -> bool:
    digits = digits_only(text)
    if len(digits) != 13 or len(nfkc(text).strip()) != 13:
        return False
    return int(digits[0]) == corporate_number_check_digit(digits[1:])


# --- dates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: dt.date
    end: dt.date | None


ERAS = (
    Era("令和", "R", dt.date(2019, 5, 1), None),
    Era("平成", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("昭和", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("大正", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 24)),
    Era("明治", "M", dt.date(1868, 1, 25), dt.date(1912, 7, 29)),
)
_ERA_BY_KEY = {e.name: e for e in ERAS} | {e.letter: e for e in ERAS} | {e.name[0]: e for e in ERAS}


class DateParseError(ValueError):
    """A date the user typed cannot be understood; the message is Japanese and specific."""


@dataclass(frozen=True)
class ParsedDate:
    value: dt.date
    warning: str = ""


_ERA_RE = re.compile(
    r"^(?P<era>明治|大正|昭和|平成|令和|[MTSHR明大昭平令])\s*(?P<y>元|\d{1,2})\s*[年./\-]\s*"
    r"(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$"
)
_WESTERN_RE = re.compile(r"^(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")


def parse_date(text: str) -> ParsedDate:
    """Parse Western (1970-03-01, 1970/3/1, 19700301) and 和暦 (S45.3.1, 昭和45年3月1日) dates."""
    value = _DASH_RE.sub("-", nfkc(text).strip()).upper()
    if not value:
        raise DateParseError("日付が入力されていません。")
    if match := _ERA_RE.match(value):
        era = _ERA_BY_KEY[match["era"]]
        year_in_era = 1 if match["y"] == "元" else int(match["y"])
        if year_in_era < 1:
            raise DateParseError(f"「{text}」の年が正しくありません。")
        date = _make_date(era.start.year + year_in_era - 1, int(match["m"]), int(match["d"]), text)
        if date < era.start:
            raise DateParseError(f"「{text}」は{era.name}の開始({era.start:%Y年%m月%d日})より前です。")
        if era.end is not None and date > era.end:
            # 平成32年 etc. is legacy notation still printed on forms: accept it with a warning.
            return ParsedDate(date, f"「{text}」は{era.name}の終了後の日付です({date:%Y年%m月%d日}として扱います)。")
        return ParsedDate(date)
    if match := _WESTERN_RE.match(value) or _COMPACT_RE.match(value):
        return ParsedDate(_make_date(int(match["y"]), int(match["m"]), int(match["d"]), text))
    raise DateParseError(f"「{text}」は日付として読み取れません。例: 1970-03-01、S45.3.1、昭和45年3月1日")


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateParseError(f"「{text}」は存在しない日付です。") from None


def parse_birth_date(text: str, *, today: dt.date) -> ParsedDate:
    parsed = parse_date(text)
    if parsed.value > today:
        raise DateParseError("生年月日に未来の日付は指定できません。")
    if parsed.value.year < 1900:
        raise DateParseError("生年月日が古すぎます(1900年以降を入力してください)。")
    return parsed


def era_of(date: dt.date) -> Era:
    for era in ERAS:
        if date >= era.start:
            return era
    raise ValueError(f"{date} is before the Meiji era")


def to_wareki(date: dt.date) -> str:
    """令和8年11月22日 — with 元年 for the first year."""
    era = era_of(date)
    year = date.year - era.start.year + 1
    return f"{era.name}{'元' if year == 1 else year}年{date.month}月{date.day}日"


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


# --- addresses -------------------------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_NUMBER_RE = re.compile("[〇一二三四五六七八九十百]+(?=[丁番号条地])")


def _kanji_number(text: str) -> str:
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + _KANJI_DIGITS[ch]
    return str(total + current)


# Lookbehind, not a group put back: a literal replacement stays in C (a template is expanded in
# Python for every match, the larger part of address_key's time at a million addresses).
_BLOCK_SEPARATOR_RE = re.compile(r"(?<=\d)(?:丁目|番地|番|号|の)(?=\d)")
_BLOCK_SUFFIX_RE = re.compile(r"(?<=\d)(?:番地|号|番)")


def address_key(text: str) -> str:
    """Canonical address for matching: 1丁目2番3号, 一丁目二番三号 and 1-2-3 give the same key.

    Every folding that can create a block-number pattern (spaces, variants such as 條 → 条, 之 → の)
    runs before the block numbers are rewritten, so that the key is a fixed point.
    """
    value = fold_kanji_variants(_SPACE_RE.sub("", nfkc(text)))
    value = value.replace("ヶ", "ケ").replace("が", "ケ").replace("ガ", "ケ").replace("之", "の")
    value = _KANJI_NUMBER_RE.sub(lambda m: _kanji_number(m.group()), value)
    value = _DASH_RE.sub("-", value)
    while True:  # "1番の2" → "1の2" → "1-2": repeat until nothing changes (each pass shortens it)
        rewritten = _BLOCK_SUFFIX_RE.sub("", _BLOCK_SEPARATOR_RE.sub("-", value))
        if rewritten == value:
            return _compose(value)
        value = rewritten


# --- legacy date codes --------------------------------------------------------------------------

# Mainframes write a birth date as an era code and yymmdd: S550102 (letter) or 3550102 (the
# era's number: 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和).
ERA_BY_NUMBER = {"1": "M", "2": "T", "3": "S", "4": "H", "5": "R"}
_ERA_CODE_RE = re.compile(r"^(?P<era>[MTSHR1-5])(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})$")


def parse_era_code(text: str) -> dt.date | None:
    """The date of an era code (S550102, 3550102, H010108); None when the text is not one or
    names no real date in that era (the compact code is legacy input, never typed in a form)."""
    match = _ERA_CODE_RE.match(nfkc(text).strip().upper())
    if not match:
        return None
    era = _ERA_BY_KEY[ERA_BY_NUMBER.get(match["era"], match["era"])]
    try:
        date = dt.date(era.start.year + int(match["y"]) - 1, int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    if int(match["y"]) < 1 or date < era.start or (era.end is not None and date > era.end):
        return None
    return date


# --- corporate names ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalForm:
    code: str  # kabushiki, yugen, godo, ...
    kanji: str
    readings: tuple[str, ...]  # fuzzy kana keys of the spelled-out form
    marks: tuple[str, ...]  # abbreviations after NFKC: (株), 株), ...
    zengin: str  # 全銀 (bank transfer) abbreviation after NFKC: カ


LEGAL_FORMS = (
    LegalForm("kabushiki", "株式会社", ("カブシキガイシヤ", "カブシキカイシヤ"), ("(株)", "(株", "株)"), "カ"),
    LegalForm("yugen", "有限会社", ("ユウゲンガイシヤ", "ユウゲンカイシヤ"), ("(有)", "(有", "有)"), "ユ"),
    LegalForm("godo", "合同会社", ("ゴウドウガイシヤ", "ゴウドウカイシヤ"), ("(同)", "(同", "同)"), "ド"),
    LegalForm("goshi", "合資会社", ("ゴウシガイシヤ",), ("(資)",), "シ"),
    LegalForm("gomei", "合名会社", ("ゴウメイガイシヤ",), ("(名)",), "メ"),
    LegalForm("ippan_shadan", "一般社団法人", ("イツパンシヤダンホウジン",), ("(一社)",), "シヤ"),
    LegalForm("iryo", "医療法人", ("イリヨウホウジン",), ("(医)",), "イ"),
)
# 有限会社 that became 株式会社 (会社法 2006: 特例有限会社 may convert) is the same company.
EQUIVALENT_LEGAL_FORMS = frozenset({frozenset({"kabushiki", "yugen"})})
# The Latin form ends the name, or comes just before a branch written as the last word
# (Sky Tech Co., Ltd. 大阪支店, Sky Tech Co., Ltd.大阪支店).
_LATIN_FORM_RE = re.compile(
    r"[\s,.]*\b(co\.?,?\s*ltd\.?|company\s+limited|inc\.?|corp\.?|corporation|k\.?\s?k\.?|llc|ltd\.?|limited)"
    r"(?:\s*\S*?(?:支店|支社|営業所|出張所|事業所|工場))?\s*$",
    re.IGNORECASE,
)
_LATIN_FORM_CODES = {"llc": "godo"}
_BRANCH_RE = re.compile(r"[\s]*\S*?(支店|支社|営業所|出張所|事業所|工場)$")
_ZENGIN_RE = re.compile(r"^\(?(?P<front>[カユドシメイ]|シヤ)\)|\((?P<back>[カユドシメイ]|シヤ)\)?$")


# A fast necessary condition for a legal form (most records are persons, and the splits below cost
# tens of microseconds each): after NFKC every kanji form holds 会社 or 法人 (or a variant folding to
# them), every abbreviation and 全銀 mark a parenthesis, every Latin form Latin letters; every
# spelled-out reading's fuzzy key holds シヤ (会社) or ジン (法人), which in the text before folding is
# シ/ジ/ヂ and ヤ/ャ/ン with at most spaces or combining marks between (the key drops those).
_FORM_CHARACTERS = "会法()"
_FORM_VARIANTS = "".join(k for k, v in KANJI_VARIANTS.items() if set(v) & set(_FORM_CHARACTERS))
_NAME_FORM_HINT_RE = re.compile(f"[{re.escape(_FORM_CHARACTERS + _FORM_VARIANTS)}A-Za-z\u00c0-\u2e7f]")
_READING_FORM_HINT_RE = re.compile("[()]|[シジヂ][\\s\u3099\u309a]*[ヤャン]")


# The same two tests for Arrow's RE2 kernels (identity/matching/features.py), on text that had
# nfkc() but not hiragana_to_katakana(): a match wherever the patterns above match. Python's \s is
# spelled out (RE2's is ASCII only), hiragana stand beside their katakana.
NAME_FORM_HINT_RE2 = _NAME_FORM_HINT_RE.pattern
VARIATION_SELECTORS_RE2 = _VARIATION_SELECTOR_RE.pattern  # what nfkc() removes
READING_FORM_HINT_RE2 = (
    "[()]|[シジヂしじぢ][\\s\\x{0b}\\x{1c}-\\x{1f}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\u3099\u309a]*[ヤャンやゃん]"
)


def may_have_legal_form(name: str, reading: str = "") -> bool:
    """False only when neither split_legal_form(name) nor split_legal_form_kana(reading) can find a
    legal form (a quick rejection of persons; True does not mean that there is one)."""
    return bool(
        (name and _NAME_FORM_HINT_RE.search(nfkc(name)))
        or (reading and _READING_FORM_HINT_RE.search(hiragana_to_katakana(nfkc(reading))))
    )


def split_legal_form(name: str) -> tuple[str, str]:
    """(trade name key, legal form code) of a corporate name in kanji or Latin letters; form ''
    when none is written. 株式会社山田工業, 山田工業(株), ㈱山田工業 and 山田工業株式会社 give
    ('山田工業', 'kabushiki'); a branch suffix (大阪支店) is dropped; Latin is lower-cased with
    spaces and punctuation removed (Sakura Tech Co., Ltd. → 'sakuratech'), also before a branch
    (Sakura Tech Co., Ltd. 大阪支店 → 'sakuratech')."""
    text = collapse_spaces(fold_kanji_variants(nfkc(name)))
    text = text.replace("(", "(").replace(")", ")")
    form = ""
    for legal in LEGAL_FORMS:
        for mark in (legal.kanji, *legal.marks):
            if mark in text:
                text, form = text.replace(mark, " ", 1), legal.code
                break
        if form:
            break
    if not form and (latin := _LATIN_FORM_RE.search(text)):
        form = _LATIN_FORM_CODES.get(latin.group(1).lower().rstrip("."), "kabushiki")
        text = text[: latin.start()]
    text = collapse_spaces(text)
    if form and " " in text:
        # 山田工業株式会社 大阪支店: what follows the legal form is the branch.
        head, _sep, tail = text.partition(" ")
        text = head if _BRANCH_RE.search(tail) else text
    text = _BRANCH_RE.sub("", text) if " " in text else text
    return _compose(re.sub(r"[\s.,・&'-]", "", text).lower()), form


def split_legal_form_kana(reading: str) -> tuple[str, str]:
    """(fuzzy reading key of the trade name, legal form code) of a corporate reading: spelled out
    (カブシキガイシャ, ｶﾌﾞｼｷｶﾞｲｼｬ) in front or behind, or 全銀 style (ｶ)ﾔﾏﾀﾞ, ﾔﾏﾀﾞ(ｶ)."""
    text = collapse_spaces(hiragana_to_katakana(nfkc(reading)))
    form = ""
    if match := _ZENGIN_RE.search(text):
        letter = match["front"] or match["back"]
        form = next((f.code for f in LEGAL_FORMS if f.zengin == letter), "")
        text = text[: match.start()] + text[match.end() :]
    key = fuzzy_kana_key(text)
    if not form:
        for legal in LEGAL_FORMS:
            for spelled in legal.readings:
                if key.startswith(spelled) or key.endswith(spelled):
                    key = key.removeprefix(spelled) if key.startswith(spelled) else key.removesuffix(spelled)
                    form = legal.code
                    break
            if form:
                break
    return key, form


def is_corporate_name(name: str, reading: str = "") -> bool:
    """True when the name or its reading carries a legal form (any spelling or position)."""
    if not may_have_legal_form(name, reading):
        return False
    return bool((name and split_legal_form(name)[1]) or (reading and split_legal_form_kana(reading)[1]))


def legal_forms_compatible(a: str, b: str) -> bool:
    """Same legal form, one of them unknown, or 有限 → 株式 (a converted 特例有限会社)."""
    return not a or not b or a == b or frozenset({a, b}) in EQUIVALENT_LEGAL_FORMS
