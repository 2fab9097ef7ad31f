"""Analysis of the customer's words, without Django: SudachiPy tokenisation with the insurance user
dictionary, normalised content words, dissatisfaction cues, and the TF-IDF cosine of two voices.

- Content words: nouns, verbs and adjectives (形容詞, 形状詞) in Sudachi's normalised form
  (「迚も」「とても」 are one word, 「遅く」 → 「遅い」), without stop words, numbers and symbols.
  SplitMode C keeps compounds whole (保険料控除証明書); the user dictionary adds the insurance terms the
  core dictionary splits (ロードサービス). If the user dictionary cannot be built (no writable
  temporary directory), consecutive tokens that spell a listed term are merged instead.
- Weights: tf × idf with idf = ln(1 + N / df); cosine = Σ w_q·w_d / (|q|·|d|).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from sudachipy import Dictionary, SplitMode, Tokenizer, config

logger = logging.getLogger(__name__)

TERMS_FILE = Path(__file__).parent / "dictionary" / "insurance_terms.txt"
MAX_TERM_LENGTH = 50  # VoiceTerm.term
CHUNK = 2000  # characters per Sudachi call (its input limit is about 49 kB)

CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞"}
SKIPPED_SUB_POS = {"数詞", "非自立可能", "助数詞"}
# Words too general to tell voices apart (normalised forms).
STOP_WORDS = frozenset(
    [
        "する",
        "ある",
        "いる",
        "なる",
        "おる",
        "できる",
        "思う",
        "言う",
        "頂く",
        "頂ける",
        "下さる",
        "致す",
        "申す",
        "居る",
        "為る",
        "成る",
        "有る",
        "出来る",
        "見る",
        "来る",
        "行く",
        "呉れる",
        "貰う",
        "御座る",
        "良い",
        "よい",
        "こと",
        "もの",
        "事",
        "物",
        "方",
        "時",
        "所",
        "為",
        "様",
        "さん",
        "様子",
        "今回",
        "今",
        "前",
        "後",
        "中",
        "際",
        "度",
        "上",
        "下",
        "等",
        "など",
        "私",
        "自分",
        "皆様",
        "皆さん",
        "そう",
        "よう",
        "こちら",
        "そちら",
        "あちら",
        "これ",
        "それ",
        "あれ",
        "ため",
        "場合",
        "感じ",
        "気",
        "本当",
        "大変",
        "とても",
        "少し",
        "色々",
        "いろいろ",
        "何",
        "何か",
        "是非",
        "宜しい",
    ]
)
# Words (normalised) that voice dissatisfaction; a survey comment with one of these is proposed as a 不満.
NEGATIVE_WORDS = frozenset(
    [
        "不満",
        "不快",
        "不安",
        "不親切",
        "不便",
        "不信",
        "不誠実",
        "不十分",
        "不明",
        "不備",
        "遅い",
        "遅れる",
        "遅延",
        "悪い",
        "酷い",
        "ひどい",
        "残念",
        "困る",
        "怒る",
        "腹立たしい",
        "失礼",
        "迷惑",
        "苦情",
        "クレーム",
        "分かり難い",
        "わかりにくい",
        "分かりにくい",
        "面倒",
        "煩わしい",
        "納得",
        "待たす",
        "待たせる",
        "放置",
        "連絡無し",
        "間違い",
        "誤り",
        "ミス",
        "高い",
        "冷たい",
        "横柄",
        "がっかり",
        "二度と",
        "最悪",
        "不愉快",
        "解約",
        "説明不足",
        "対応不足",
    ]
)
# Phrases that voice dissatisfaction where the words alone do not (a negated good thing).
NEGATIVE_PHRASES = (
    "連絡がない",
    "連絡がなかった",
    "連絡もない",
    "説明がない",
    "説明がなかった",
    "説明もなく",
    "納得できない",
    "納得がいかない",
    "対応してもらえない",
    "つながらない",
    "繋がらない",
    "折り返しがない",
    "一度もない",
)


def load_terms(path: Path = TERMS_FILE) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return sorted({line for line in lines if line})


def user_dictionary_csv(terms: Iterable[str]) -> str:
    """SudachiPy's user-dictionary CSV: each term a common noun, cheap enough to beat a split.

    The cost falls with the square of the length (to the i16 floor), so a listed compound also beats its listed parts
    (保険料控除証明書 over 保険料 + 控除証明書). 5146: the connection id of 名詞,普通名詞,一般 in sudachidict_core.
    """
    return "".join(
        f"{t},5146,5146,{max(-32000, -500 * len(t) ** 2)},{t},名詞,普通名詞,一般,*,*,*,{t},{t},*,*,*,*,*\n"
        for t in terms
    )


def _build_user_dictionary(terms: list[str]) -> Path | None:
    import sudachidict_core
    from sudachipy import __version__ as sudachi_version
    from sudachipy.sudachipy import build_user_dic  # the function `sudachipy ubuild` calls

    system = Path(sudachidict_core.__file__).parent / "resources" / "system.dic"
    source = user_dictionary_csv(terms)
    digest = hashlib.sha256(f"{sudachi_version}|{system.stat().st_size}|{source}".encode()).hexdigest()[:16]
    folder = Path(os.environ.get("TSUNAGU_SUDACHI_CACHE", Path(tempfile.gettempdir()) / "tsunagu-sudachi"))
    target = folder / f"insurance-{digest}.dic"
    if target.exists():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as work:
            csv_path = Path(work) / "terms.csv"
            csv_path.write_text(source, encoding="utf-8")
            built = Path(work) / "user.dic"
            build_user_dic(system=system, lex=[csv_path], output=built, description="tsunagu insurance terms")
            os.replace(built, target)  # atomic: a concurrent builder writes the same bytes
    except Exception:  # any failure falls back to merging compounds (module docstring)
        logger.warning("SudachiPy のユーザー辞書を作成できませんでした。複合語の結合で代用します。", exc_info=True)
        return None
    return target


@lru_cache(maxsize=1)
def _dictionary() -> tuple[Dictionary, bool]:
    terms = load_terms()
    user = _build_user_dictionary(terms)
    if user is None:
        return Dictionary(dict="core"), False
    return Dictionary(dict="core", config=config.Config(user=[str(user)])), True


_local = threading.local()


def _tokenizer() -> tuple[Tokenizer, bool]:
    """One tokenizer per thread (Sudachi's tokenizer keeps state between calls)."""
    cached = getattr(_local, "tokenizer", None)
    if cached is None:
        dictionary, with_user = _dictionary()
        cached = (dictionary.tokenizer(mode=SplitMode.C), with_user)
        _local.tokenizer = cached
    return cached


def uses_user_dictionary() -> bool:
    return _tokenizer()[1]


def _chunks(text: str) -> Iterable[str]:
    for start in range(0, len(text), CHUNK):
        yield text[start : start + CHUNK]


def _merge_terms(
    tokens: list[tuple[str, str, tuple[str, ...]]], terms: frozenset[str]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """The fallback: join consecutive surfaces that spell a listed term (longest first)."""
    merged: list[tuple[str, str, tuple[str, ...]]] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + 6), i + 1, -1):
            surface = "".join(t[0] for t in tokens[i:j])
            if surface in terms:
                merged.append((surface, surface, ("名詞", "普通名詞", "一般")))
                i = j
                break
        else:
            merged.append(tokens[i])
            i += 1
    return merged


@lru_cache(maxsize=1)
def _term_set() -> frozenset[str]:
    return frozenset(load_terms())


def morphemes(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(surface, normalised form, part of speech) of every morpheme."""
    tokenizer, with_user = _tokenizer()
    tokens = [
        (m.surface(), m.normalized_form(), tuple(m.part_of_speech()))
        for chunk in _chunks(text)
        for m in tokenizer.tokenize(chunk)
    ]
    return tokens if with_user else _merge_terms(tokens, _term_set())


def _is_content(surface: str, pos: tuple[str, ...]) -> bool:
    if pos[0] not in CONTENT_POS or pos[1] in SKIPPED_SUB_POS:
        return False
    if pos[0] == "名詞" and pos[1] in {"代名詞", "固有名詞"} and pos[2] in {"人名", "地名"}:
        return False  # people's and places' names are personal data, not what the voice is about
    return not (len(surface) == 1 and "\u3040" <= surface <= "\u309f")  # a lone hiragana


def content_words(text: str) -> list[str]:
    """The normalised content words of the text, in order (repeats kept)."""
    words = []
    for surface, normal, pos in morphemes(text):
        if not _is_content(surface, pos):
            continue
        word = normal[:MAX_TERM_LENGTH]
        if word in STOP_WORDS or word.isdigit() or not word.strip():
            continue
        words.append(word)
    return words


def term_counts(text: str) -> Counter[str]:
    return Counter(content_words(text))


def norm(counts: Mapping[str, int]) -> float:
    return math.sqrt(sum(tf * tf for tf in counts.values()))


def dissatisfaction_cues(text: str) -> list[str]:
    """The negative words and phrases found in the text (empty: no dissatisfaction expressed)."""
    found = [w for w in dict.fromkeys(content_words(text)) if w in NEGATIVE_WORDS]
    compact = "".join(text.split())
    found += [p for p in NEGATIVE_PHRASES if p in compact]
    return found


def idf(df: int, total: int) -> float:
    return math.log(1 + total / max(df, 1))


def cosine(query: Mapping[str, int], document: Mapping[str, int], idfs: Mapping[str, float]) -> float:
    """TF-IDF cosine of two term-count maps; terms without an idf weigh as the rarest (unseen) term."""
    default = max(idfs.values(), default=1.0)

    def weight(term: str, tf: int) -> float:
        return tf * idfs.get(term, default)

    dot = sum(weight(t, tf) * weight(t, document[t]) for t, tf in query.items() if t in document)
    if not dot:
        return 0.0
    q = math.sqrt(sum(weight(t, tf) ** 2 for t, tf in query.items()))
    d = math.sqrt(sum(weight(t, tf) ** 2 for t, tf in document.items()))
    return dot / (q * d)
