"""Validation and derived features of one imported row (pure: no Django).

A row arrives as {record field: original string}. `validate_row` says what is wrong with it, in
Japanese and per column, and derives the canonical values and matching features; the original
strings are kept as they came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from tsunagu.core import normalize

# The matcher's record fields (tsunagu.identity.matching.RECORD_FIELDS; a test keeps them equal).
RECORD_FIELDS = (
    "record_id",
    "source_system",
    "name_kanji",
    "family_name",
    "given_name",
    "name_kana",
    "family_kana",
    "given_kana",
    "birth_date",
    "gender",
    "postal_code",
    "address",
    "phone",
    "mobile",
    "email",
)
# Optional fields the matcher reads when present (tsunagu.identity.matching.OPTIONAL_FIELDS):
# a company's 法人番号.
OPTIONAL_RECORD_FIELDS = ("corporate_number",)
# Fields a file may map (source_system comes from the import, not from the file).
MAPPABLE_FIELDS = (*(f for f in RECORD_FIELDS if f != "source_system"), *OPTIONAL_RECORD_FIELDS)

FIELD_LABELS = {
    "record_id": "ソースID",
    "source_system": "ソースシステム",
    "name_kanji": "氏名",
    "family_name": "姓",
    "given_name": "名",
    "name_kana": "フリガナ",
    "family_kana": "姓フリガナ",
    "given_kana": "名フリガナ",
    "birth_date": "生年月日",
    "gender": "性別",
    "postal_code": "郵便番号",
    "address": "住所",
    "phone": "電話番号",
    "mobile": "携帯電話番号",
    "email": "メールアドレス",
    "corporate_number": "法人番号",
}

GENDERS = {
    "男": "male",
    "男性": "male",
    "M": "male",
    "MALE": "male",
    "1": "male",
    "女": "female",
    "女性": "female",
    "F": "female",
    "FEMALE": "female",
    "2": "female",
    "その他": "other",
    "OTHER": "other",
    "9": "other",
}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ERA_CODE_LIKE_RE = re.compile(r"^[MTSHR1-5]\d{6}$")
_SPACE_RE = re.compile(r"[\s\u3000]+")
MAX_LENGTH = 200


# --- source-system conventions ------------------------------------------------------------------
# What a source declares about its own data in its mapping profile (MappingProfile.conventions).
# A declared convention widens what the import accepts for that source only; without it the
# values stay errors (with a hint at the convention). The matcher reads every such value as it is
# (an era code, a 3-digit postal code's area, a phone without its 0) and a field the source lacks
# as missing: no evidence either way.
KANA_ONLY = "kana_only"
ERA_CODE_DATES = "era_code_dates"
OLD_POSTAL_CODES = "old_postal_codes"
PHONE_WITHOUT_ZERO = "phone_without_zero"
NO_EMAIL = "no_email"


@dataclass(frozen=True)
class Convention:
    label: str
    help: str


CONVENTIONS: dict[str, Convention] = {
    KANA_ONLY: Convention(
        "氏名はカナのみ(漢字氏名なし)",
        "汎用機などで、氏名を半角カナ・全角カナでしか持たないソースです。漢字の氏名が空でも、フリガナがあれば"
        "取り込みます。照合では漢字氏名を「未登録」として扱い、別人の根拠にはしません。",
    ),
    ERA_CODE_DATES: Convention(
        "生年月日は元号コード(S550102・3550102)",
        "生年月日を元号の記号(M・T・S・H・R)または番号(1明治・2大正・3昭和・4平成・5令和)と年月日6桁で"
        "持つソースです。日付に直して取り込みます。通常の日付(1980-01-02、S55.1.2 など)もそのまま読めます。",
    ),
    OLD_POSTAL_CODES: Convention(
        "旧郵便番号(3桁・5桁)",
        "1998年より前の3桁・5桁の郵便番号(123、123-45)を持つソースです。エラーにせずそのまま取り込み、"
        "照合では先頭3桁(配達地域)だけを使います。7桁の郵便番号もそのまま読めます。",
    ),
    PHONE_WITHOUT_ZERO: Convention(
        "電話番号の先頭の0なし",
        "電話番号の先頭の0が落ちているソースです(90-1234-5678、3-1234-5678)。9桁・10桁の番号は先頭に0を"
        "補って取り込みます。",
    ),
    NO_EMAIL: Convention(
        "メールアドレスなし",
        "メールアドレスを持たないソースです。メールアドレスの列は対応付けられません。照合ではメールアドレスを"
        "「未登録」として扱い、別人の根拠にはしません。",
    ),
}


def unknown_conventions(conventions: Collection[str]) -> list[str]:
    return sorted(set(conventions) - set(CONVENTIONS))


def _hint(convention: str) -> str:
    return f"このソースの値がこの形式のときは、列マッピングで「{CONVENTIONS[convention].label}」を指定してください。"


@dataclass
class RowError:
    column: str  # the source column (or the field label when the field is not mapped)
    message: str


@dataclass
class CheckedRow:
    values: dict[str, str]  # original strings per record field (empty fields left out)
    canonical: dict[str, str] = field(default_factory=dict)  # validated canonical values
    features: dict[str, str] = field(default_factory=dict)  # derived keys for matching
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def source_id(self) -> str:
        return self.canonical.get("record_id") or self.values.get("record_id", "").strip()


def split_name(full: str) -> tuple[str, str]:
    """Family and given name from a full name: on the first space when there is one."""
    parts = _SPACE_RE.split(normalize.nfkc(full).strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", "")


def content_hash(values: dict[str, str]) -> str:
    payload = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def validate_row(
    raw: dict[str, str],
    *,
    today: dt.date,
    columns: dict[str, str] | None = None,
    conventions: Collection[str] = (),
) -> CheckedRow:
    """Check one row. `columns` maps record field → source column name (for messages);
    `conventions` are the source's declared conventions (CONVENTIONS)."""
    columns = columns or {}
    declared = frozenset(conventions)
    fields = set(MAPPABLE_FIELDS) - ({"email"} if NO_EMAIL in declared else set())
    values = {k: v for k, v in raw.items() if k in fields and v is not None and str(v).strip() != ""}
    row = CheckedRow(values={k: str(v) for k, v in values.items()})
    canonical = row.canonical

    def err(name: str, message: str) -> None:
        row.errors.append(RowError(columns.get(name, FIELD_LABELS[name]), message))

    for name, value in row.values.items():
        if normalize.has_control_characters(value):
            err(name, f"{FIELD_LABELS[name]}に制御文字が含まれています。")
        elif len(value) > MAX_LENGTH:
            err(name, f"{FIELD_LABELS[name]}が長すぎます({MAX_LENGTH}文字以内)。")
    if row.errors:
        return row

    source_id = normalize.nfkc(row.values.get("record_id", "")).strip()
    if not source_id:
        err("record_id", "ソースIDが空です。")
    elif len(source_id) > 100:
        err("record_id", "ソースIDが長すぎます(100文字以内)。")
    else:
        canonical["record_id"] = source_id

    name = normalize.collapse_spaces(normalize.nfkc(row.values.get("name_kanji", "")))
    family = normalize.collapse_spaces(normalize.nfkc(row.values.get("family_name", "")))
    given = normalize.collapse_spaces(normalize.nfkc(row.values.get("given_name", "")))
    if not name and family:
        name = f"{family} {given}".strip()
    has_kana = any(row.values.get(k) for k in ("name_kana", "family_kana", "given_kana"))
    if not name and KANA_ONLY in declared:
        if not has_kana:
            err("name_kanji", "氏名もフリガナも空です(このソースはカナ氏名のみのため、フリガナを入力してください)。")
    elif not name:
        hint = _hint(KANA_ONLY) if has_kana else ""
        err("name_kanji", f"氏名が空です(氏名、または姓と名を入力してください)。{hint}")
    else:
        canonical["name_kanji"] = name
        if not family and not given:
            family, given = split_name(name)
        if family:
            canonical["family_name"] = family
        if given:
            canonical["given_name"] = given

    kana = row.values.get("name_kana", "")
    kana = spelled_out_legal_form(kana) or kana  # a company's 全銀-style reading: ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ
    family_kana, given_kana = row.values.get("family_kana", ""), row.values.get("given_kana", "")
    kana_ok = True
    for key, reading in (("name_kana", kana), ("family_kana", family_kana), ("given_kana", given_kana)):
        if reading and not normalize.is_kana_reading(reading):
            err(key, f"{FIELD_LABELS[key]}はカタカナまたはひらがなで入力してください(「{reading}」)。")
            kana_ok = False
    if kana_ok:
        full_kana = kana or f"{family_kana} {given_kana}".strip()
        if full_kana and normalize.is_kana_reading(full_kana):
            canonical["name_kana"] = normalize.to_katakana_reading(full_kana)
            fk, gk = (family_kana, given_kana) if family_kana else split_name(canonical["name_kana"])
            if fk:
                canonical["family_kana"] = normalize.to_katakana_reading(fk)
            if gk:
                canonical["given_kana"] = normalize.to_katakana_reading(gk)

    if text := row.values.get("birth_date"):
        try:
            parsed = _birth_date(text, today=today, era_codes=ERA_CODE_DATES in declared)
        except normalize.DateParseError as exc:
            era_code = _ERA_CODE_LIKE_RE.match(normalize.nfkc(text).strip().upper())
            hint = _hint(ERA_CODE_DATES) if era_code and ERA_CODE_DATES not in declared else ""
            err("birth_date", f"{exc}{hint}")
        else:
            canonical["birth_date"] = parsed.value.isoformat()
            if parsed.warning:
                row.warnings.append(parsed.warning)

    if text := row.values.get("gender"):
        code = GENDERS.get(normalize.nfkc(text).strip().upper())
        if code is None:
            err("gender", f"性別「{text}」は読み取れません(男・女・M・F・1・2 などで入力してください)。")
        else:
            canonical["gender"] = code

    if text := row.values.get("postal_code"):
        digits = normalize.postal_code_digits(text)
        written = len(normalize.nfkc(text).replace("〒", "").replace("-", "").strip())
        current = len(digits) == 7 and written == 7
        old = len(digits) in (3, 5) and written == len(digits)
        if current or (old and OLD_POSTAL_CODES in declared):
            canonical["postal_code"] = digits  # an old code keeps its 3 or 5 digits
        elif OLD_POSTAL_CODES in declared:
            err("postal_code", f"郵便番号「{text}」は7桁、または旧郵便番号の3桁・5桁の数字で入力してください。")
        else:
            hint = _hint(OLD_POSTAL_CODES) if old else ""
            err("postal_code", f"郵便番号「{text}」は7桁の数字で入力してください(例: 100-0001)。{hint}")

    for key in ("phone", "mobile"):
        if text := row.values.get(key):
            digits = normalize.phone_digits(text)
            # A number whose trunk 0 was dropped (90-1234-5678 → 090-1234-5678).
            restored = "0" + digits if len(digits) in (9, 10) and not digits.startswith("0") else ""
            restorable = bool(restored) and normalize.is_valid_phone(restored)
            if normalize.is_valid_phone(digits):
                canonical[key] = digits
            elif restorable and PHONE_WITHOUT_ZERO in declared:
                canonical[key] = restored
            else:
                hint = _hint(PHONE_WITHOUT_ZERO) if restorable else ""
                err(key, f"{FIELD_LABELS[key]}「{text}」は0から始まる10桁または11桁で入力してください。{hint}")

    if text := row.values.get("email"):
        address = normalize.nfkc(text).strip()
        if not _EMAIL_RE.match(address):
            err("email", f"メールアドレス「{text}」の形式が正しくありません。")
        else:
            canonical["email"] = address

    if text := row.values.get("address"):
        canonical["address"] = normalize.collapse_spaces(normalize.nfkc(text))

    if text := row.values.get("corporate_number"):
        if not normalize.is_valid_corporate_number(text):
            err(
                "corporate_number",
                f"法人番号「{text}」は13桁の数字で、チェックデジット(先頭の1桁)が正しいものを入力してください。",
            )
        else:
            canonical["corporate_number"] = normalize.digits_only(text)
            if not normalize.is_corporate_name(canonical.get("name_kanji", ""), canonical.get("name_kana", "")):
                row.warnings.append(
                    f"法人番号「{text}」がありますが、氏名に法人格(株式会社など)がないため照合には使いません。"
                )

    if not row.errors:
        row.features = derive_features(canonical)
    return row


# The legal form a 全銀 (bank transfer) reading abbreviates, spelled out as a reading.
SPELLED_LEGAL_FORMS = {
    "kabushiki": "カブシキガイシャ",
    "yugen": "ユウゲンガイシャ",
    "godo": "ゴウドウガイシャ",
    "goshi": "ゴウシガイシャ",
    "gomei": "ゴウメイガイシャ",
    "ippan_shadan": "イッパンシャダンホウジン",
    "iryo": "イリョウホウジン",
}
_ZENGIN_MARK_RE = re.compile(r"^\(?(?P<front>[カユドシメイ]|シヤ|シャ)\)|\((?P<back>[カユドシメイ]|シヤ|シャ)\)?$")


def spelled_out_legal_form(reading: str) -> str:
    """A company's reading with its 全銀-style legal-form mark spelled out (ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ →
    カブシキガイシャヤマダシヨウジ, ﾔﾏﾀﾞｼﾖｳｼﾞ(ﾕ → ヤマダシヨウジユウゲンガイシャ): a valid reading that
    the matcher splits into the same trade-name key and legal form (normalize.split_legal_form_kana).
    '' when the text is not such a reading."""
    text = normalize.collapse_spaces(normalize.hiragana_to_katakana(normalize.nfkc(reading or "")))
    match = _ZENGIN_MARK_RE.search(text)
    if match is None:
        return ""
    letter = (match["front"] or match["back"]).replace("シャ", "シヤ")
    code = next((f.code for f in normalize.LEGAL_FORMS if f.zengin == letter), "")
    rest = (text[: match.start()] + text[match.end() :]).strip()
    if code not in SPELLED_LEGAL_FORMS or not rest or not normalize.is_kana_reading(rest):
        return ""
    spelled = SPELLED_LEGAL_FORMS[code]
    return normalize.to_katakana_reading(spelled + rest if match["front"] else rest + spelled)


def _birth_date(text: str, *, today: dt.date, era_codes: bool) -> normalize.ParsedDate:
    """parse_birth_date; with `era_codes` (the source's convention) an era code first."""
    if era_codes and (date := normalize.parse_era_code(text)) is not None:
        if date > today:
            raise normalize.DateParseError("生年月日に未来の日付は指定できません。")
        if date.year < 1900:
            raise normalize.DateParseError("生年月日が古すぎます(1900年以降を入力してください)。")
        return normalize.ParsedDate(date)
    try:
        return normalize.parse_birth_date(text, today=today)
    except normalize.DateParseError:
        if era_codes and _ERA_CODE_LIKE_RE.match(normalize.nfkc(text).strip().upper()):
            raise normalize.DateParseError(
                f"「{text}」は元号コードとして存在しない日付です(元号の期間と月日を確かめてください)。"
            ) from None
        raise


def derive_features(canonical: dict[str, str]) -> dict[str, str]:
    """Keys for matching and survivorship, derived from the canonical values."""
    features = dict(canonical)
    if name := canonical.get("name_kanji"):
        features["name_key"] = normalize.name_key(name)
    if kana := canonical.get("name_kana"):
        features["kana_key"] = normalize.fuzzy_kana_key(kana)
    if address := canonical.get("address"):
        features["address_key"] = normalize.address_key(address)
    if email := canonical.get("email"):
        features["email_key"] = normalize.email_key(email)
    return features


def matcher_record(record_id: str, source_code: str, canonical: dict[str, str]) -> dict[str, str | None]:
    """The record as the matcher takes it: every field, str or None."""
    out: dict[str, str | None] = {
        name: canonical.get(name) or None for name in (*RECORD_FIELDS, *OPTIONAL_RECORD_FIELDS)
    }
    out["record_id"] = record_id
    out["source_system"] = source_code
    return out


PREFECTURE_RE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}県)")
CITY_RE = re.compile(r"^(.+?郡.+?[町村]|.+?市.+?区|.+?[市区町村])")


def split_address(address: str) -> tuple[str, str, str]:
    """(prefecture, city, rest) by the usual suffixes; ("", "", address) when not recognised."""
    text = normalize.collapse_spaces(normalize.nfkc(address))
    pref = PREFECTURE_RE.match(text)
    if pref is None:
        return "", "", text
    rest = text[pref.end() :].strip()
    city = CITY_RE.match(rest)
    if city is None:
        return pref.group(1), "", rest
    return pref.group(1), city.group(1), rest[city.end() :].strip()
