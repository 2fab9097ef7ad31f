"""How identity screens show record fields: one field → Japanese label mapping, and canonical
values formatted as the rest of the product shows them (pure: no database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tsunagu.core.templatetags.tsunagu import phone, postal, wareki

from .records import FIELD_LABELS

# Survivorship groups (FieldLineage.field) beside the record fields.
LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "name": "氏名",
}
GENDER_LABELS = {"male": "男性", "female": "女性", "other": "その他"}


def label(name: str) -> str:
    """The Japanese label of a record field or survivorship group (never the raw name)."""
    return LABELS.get(name, "その他の項目")


def labels(names: Iterable[str]) -> str:
    """「氏名、生年月日」 for a list of fields."""
    return "、".join(label(n) for n in names)


def shown(name: str, value: Any) -> str:
    """A canonical value (features / ledger values) as staff screens show it."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    if name == "birth_date":
        return wareki(text)
    if name == "gender":
        return GENDER_LABELS.get(text, text)
    if name == "postal_code":
        return postal(text)
    if name in ("phone", "mobile"):
        return phone(text)
    return text


def canonical(record: Any, name: str) -> str:
    """A record's validated value of `name` (features hold the canonical values), else the original."""
    features: Mapping[str, Any] = record.features or {}
    value = features.get(name)
    if value in (None, ""):
        value = (record.values or {}).get(name)
    return "" if value is None else str(value)


def display_name(record: Any) -> str:
    """Full name of a record: the canonical name (姓 名 joined when the source splits them), else
    its reading (a source that declares kana-only names)."""
    name = canonical(record, "name_kanji")
    if name:
        return name
    values = record.values or {}
    return " ".join(v for v in (values.get("family_name"), values.get("given_name")) if v) or canonical(
        record, "name_kana"
    )


def lineage_shown(group: str, value: str) -> str:
    """A FieldLineage value ("5394863 / 大阪府…", fields joined by " / ") formatted per field."""
    from .survivorship import GROUPS

    fields = GROUPS.get(group, (group,))
    parts = (value or "").split(" / ")
    if group == "name":
        return parts[0]
    if len(parts) != len(fields):
        return shown(group, value) if len(fields) == 1 else value
    return " ".join(shown(f, p) for f, p in zip(fields, parts, strict=True) if p)
