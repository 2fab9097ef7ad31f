"""Identity screens' filters: {% load identity %} → |field_label, |field_labels, |field_value,
|record_name (tsunagu.identity.display)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from tsunagu.identity import display

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    return display.label(name)


@register.filter
def field_labels(names: Iterable[str]) -> str:
    return display.labels(names or [])


@register.filter
def field_value(value: Any, name: str) -> str:
    """{{ value|field_value:"birth_date" }} → 昭和45年3月1日."""
    return display.shown(name, value)


@register.filter
def record_name(record: Any) -> str:
    return display.display_name(record)


@register.filter
def lineage_value(value: str, group: str) -> str:
    """{{ l.value|lineage_value:l.field }} → 〒539-4863 大阪府…."""
    return display.lineage_shown(group, value)
