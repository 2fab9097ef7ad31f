import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms, template
from django.conf import settings
from django.forms import BoundField
from django.http import QueryDict
from django.utils import timezone

from tsunagu.core import masking, normalize, permissions

register = template.Library()


# --- formats (STYLE.md § Screens): one filter each, tolerant of None, "" and strings --------------
# Staff screens show dates as 2026/12/04 and times as 14:05 (Asia/Tokyo); 和暦 beside the date where
# it matters to customers. A value a filter cannot read is shown as given, never an error page.


def _as_datetime(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return None


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return _as_datetime(value).date()  # type: ignore[union-attr]
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            parsed = _as_datetime(text)
            return parsed.date() if parsed else None
    return None


def _shown(value: object) -> str:
    return "" if value is None else str(value)


@register.filter
def ymd(value: object) -> str:
    """2026-12-04 (date, datetime or ISO string) → 2026/12/04; datetimes in local time."""
    date = _as_date(value)
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}" if date else _shown(value)


@register.filter
def ymd_hm(value: object) -> str:
    """A datetime → 2026/12/04 14:05 (local time); a plain date → 2026/12/04."""
    moment = _as_datetime(value)
    if moment is None:
        return ymd(value)
    return f"{moment.year:04d}/{moment.month:02d}/{moment.day:02d} {moment.hour:02d}:{moment.minute:02d}"


@register.filter
def hm(value: object) -> str:
    """A datetime or time → 14:05 (local time)."""
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    moment = _as_datetime(value)
    return f"{moment.hour:02d}:{moment.minute:02d}" if moment else _shown(value)


@register.filter
def wareki(value: object) -> str:
    """1970-03-01 → 昭和45年3月1日 (staff screens show it beside the Western date)."""
    date = _as_date(value)
    if date is None:
        return _shown(value)
    try:
        return normalize.to_wareki(date)
    except ValueError:  # before the Meiji era: no 和暦
        return ymd(date)


@register.filter
def yen(value: object) -> str:
    """12345 → ¥12,345 (negative: -¥500); strings of digits are read, anything else shown as given."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        given = value
        text = given.strip().replace(",", "")
        try:
            value = int(text)
        except ValueError:
            try:
                value = Decimal(text)
            except InvalidOperation:
                return given
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _shown(value)
    try:
        number = int(value) if value == int(value) else value
    except (ValueError, OverflowError):  # NaN, infinity
        return _shown(value)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,}"


@register.filter
def postal(value: object) -> str:
    """2318931 / 231-8931 / ２３１８９３１ → 〒231-8931; anything not 7 digits is shown as given after 〒."""
    text = _shown(value).strip()
    if not text:
        return ""
    digits = normalize.postal_code_digits(text)
    if len(digits) == 7:
        return f"〒{normalize.format_postal_code(digits)}"
    return text if text.startswith("〒") else f"〒{text}"


@register.filter
def phone(value: object) -> str:
    """0312345678 / +81 3 1234 5678 → 03-1234-5678; a number already written with hyphens is kept."""
    text = _shown(value).strip()
    if not text or "-" in text or "*" in text or "●" in text:
        return text  # written by the source (area codes vary) or masked
    digits = normalize.phone_digits(text)
    return normalize.format_phone(digits) if normalize.is_valid_phone(digits) else text


@register.simple_tag(takes_context=True)
def masked(context: template.Context, field: str, value: object) -> str:
    """{% masked "customer.phone" p.number %}: the value as the current user may see it."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return masking.display(user, field, value)


@register.simple_tag(takes_context=True)
def sensitive(context: template.Context, field: str, value: object, customer: object = None) -> str:
    """{% sensitive "accident.injuries" a.injuries customer=case.customer_id %}: 機微情報 for a role with the
    purpose (logged as a sensitive read of that customer), else a notice. Without `customer=` the
    customer is the context's `case` (or `customer`); `... as text` keeps it for filters."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return masking.sensitive_display(user, field, value, customer_id=_customer_id(context, customer))


def _customer_id(context: template.Context, customer: object) -> int | None:
    if customer is None:
        case = context.get("case")
        if case is not None and getattr(case, "customer_id", None) is not None:
            return int(case.customer_id)
        customer = context.get("customer")
    if customer is None or customer == "":
        return None
    pk = getattr(customer, "pk", customer)
    return int(pk) if isinstance(pk, int | str) and str(pk).isdigit() else None


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


# --- the form kit: ui/field.html renders the widget through this tag --------------------------


@register.simple_tag
def ui_widget(field: BoundField) -> str:
    """The field's widget with aria-describedby pointing at its help and error, aria-invalid on error."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def ui_kind(field: BoundField) -> str:
    """How ui/field.html lays the field out: "checkbox", "choices" (radio/checkbox lists) or "input"."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    return "input"


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """?q=山田&page=3 from the current query string with `changes` applied (None or "" removes a key)."""
    request = context.get("request")
    params = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
