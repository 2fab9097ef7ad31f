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
# Fields a file may map (source_system comes from the import, not from the file).
MAPPABLE_FIELDS = tuple(f for f in RECORD_FIELDS if f != "source_system")

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
_SPACE_RE = re.compile(r"[\s\u3000]+")
MAX_LENGTH = 200


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


def validate_row(raw: dict[str, str], *, today: dt.date, columns: dict[str, str] | None = None) -> CheckedRow:
    """Check one row. `columns` maps record field → source column name (for messages)."""
    columns = columns or {}
    values = {k: v for k, v in raw.items() if k in RECORD_FIELDS and v is not None and str(v).strip() != ""}
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
    if not name:
        err("name_kanji", "氏名が空です(氏名、または姓と名を入力してください)。")
    else:
        canonical["name_kanji"] = name
        if not family and not given:
            family, given = split_name(name)
        if family:
            canonical["family_name"] = family
        if given:
            canonical["given_name"] = given

    kana = row.values.get("name_kana", "")
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
            parsed = normalize.parse_birth_date(text, today=today)
        except normalize.DateParseError as exc:
            err("birth_date", str(exc))
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
        if len(digits) != 7 or len(normalize.nfkc(text).replace("〒", "").replace("-", "").strip()) != 7:
            err("postal_code", f"郵便番号「{text}」は7桁の数字で入力してください(例: 100-0001)。")
        else:
            canonical["postal_code"] = digits

    for key in ("phone", "mobile"):
        if text := row.values.get(key):
            digits = normalize.phone_digits(text)
            if not normalize.is_valid_phone(digits):
                err(key, f"{FIELD_LABELS[key]}「{text}」は0から始まる10桁または11桁で入力してください。")
            else:
                canonical[key] = digits

    if text := row.values.get("email"):
        address = normalize.nfkc(text).strip()
        if not _EMAIL_RE.match(address):
            err("email", f"メールアドレス「{text}」の形式が正しくありません。")
        else:
            canonical["email"] = address

    if text := row.values.get("address"):
        canonical["address"] = normalize.collapse_spaces(normalize.nfkc(text))

    if not row.errors:
        row.features = derive_features(canonical)
    return row


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
    out: dict[str, str | None] = {name: canonical.get(name) or None for name in RECORD_FIELDS}
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
