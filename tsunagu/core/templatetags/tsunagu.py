import datetime as dt

from django import template

from tsunagu.core import normalize

register = template.Library()


@register.filter
def wareki(value: dt.date | None) -> str:
    """1970-03-01 → 昭和45年3月1日 (staff screens show it beside the Western date)."""
    return normalize.to_wareki(value) if value else ""


@register.filter
def yen(value: int | None) -> str:
    return "" if value is None else f"¥{value:,}"


@register.filter
def postal(value: str) -> str:
    return normalize.format_postal_code(value)
