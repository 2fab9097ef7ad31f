import datetime as dt

from django import template
from django.conf import settings

from tsunagu.core import masking, normalize, permissions

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


@register.simple_tag(takes_context=True)
def masked(context: template.Context, field: str, value: object) -> str:
    """{% masked "customer.phone" p.number %}: the value as the current user may see it."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return masking.display(user, field, value)


@register.simple_tag(takes_context=True)
def sees_full(context: template.Context, field: str) -> bool:
    """{% sees_full "customer.birth_date" as full %}: whether the current user sees the field unmasked."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return masking.sees_full(user, field)


@register.simple_tag(takes_context=True)
def can(context: template.Context, name: str) -> bool:
    """{% can "identity.steward" as steward %}: whether the current user has the named permission."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return permissions.has(user, name)


@register.simple_tag
def login_lockout_minutes() -> int:
    """How long a locked-out login waits, in minutes (axes' own context value is an ISO 8601 duration)."""
    return round(float(settings.AXES_COOLOFF_TIME) * 60)
