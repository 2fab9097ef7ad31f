"""Field masking per role: one registry that every screen and API uses.

A rule names the roles that see a field in full; everyone else sees the masked form. Users with no
role see masked values (the safe default); superusers see everything. Add a field by registering a
rule here, never by checking roles in a template or view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import access_log_sensitive, crypto, permissions
from .choices import AccessPurpose, Role

MASK = "*"


@dataclass(frozen=True)
class MaskRule:
    field: str
    label: str
    full_roles: frozenset[Role]
    mask: Callable[[Any], str]
    show: Callable[[Any], str] = str


def mask_digits_keep_last(value: str, keep: int = 4) -> str:
    """090-1234-5678 → ***-****-5678: separators stay, all digits but the last `keep` hidden."""
    total = sum(c.isdigit() for c in value)
    seen = 0
    out = []
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else MASK)
        else:
            out.append(ch)
    return "".join(out)


def mask_birth_date(value: dt.date) -> str:
    """Year only: enough for age bands, not enough to identify."""
    return f"{value.year}年**月**日"


def show_birth_date(value: dt.date) -> str:
    return f"{value:%Y/%m/%d}"


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}" if domain else MASK * 3


def mask_text(value: str) -> str:
    return MASK * 4 if value else ""


# Roles whose work needs the customer's full contact data and birth date. Branch staff (営業拠点) like
# agency staff: they work the target lists of their branch's agencies and contact those customers.
CONTACT_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.AGENCY_STAFF,
        Role.BRANCH_STAFF,
        Role.CLAIMS_HANDLER,
        Role.COMPLAINTS_OFFICER,
        Role.DATA_STEWARD,
        Role.COMPLIANCE_AUDITOR,
        Role.ADMIN,
    }
)

RULES: dict[str, MaskRule] = {}


def register(rule: MaskRule) -> None:
    RULES[rule.field] = rule


register(MaskRule("customer.birth_date", "生年月日", CONTACT_ROLES, mask_birth_date, show_birth_date))
register(MaskRule("customer.phone", "電話番号", CONTACT_ROLES, mask_digits_keep_last))
register(MaskRule("customer.email", "メールアドレス", CONTACT_ROLES, mask_email))
register(MaskRule("customer.street", "町域・番地", CONTACT_ROLES, mask_text))
register(MaskRule("customer.note", "備考", CONTACT_ROLES, mask_text))
register(MaskRule("relative.phone", "親族の電話番号", CONTACT_ROLES, mask_digits_keep_last))
register(MaskRule("relative.name", "親族の氏名", CONTACT_ROLES, lambda v: f"{str(v)[:1]}{MASK * 2}"))


def sees_full(user: Any, field: str) -> bool:
    rule = RULES[field]
    if getattr(user, "is_superuser", False):
        return True
    roles: frozenset[str] = getattr(user, "roles", frozenset())
    return any(role.value in roles for role in rule.full_roles)


def display(user: Any, field: str, value: Any) -> str:
    """The value as this user may see it ("" for empty values)."""
    if value is None or value == "":
        return ""
    rule = RULES[field]
    return rule.show(value) if sees_full(user, field) else rule.mask(value)


# Issued documents are fixed files that print the mailing address and often the phone number in
# full; they cannot be masked after the fact, so only users who see these fields unmasked open them.
DOCUMENT_FIELDS = ("customer.street", "customer.phone", "customer.birth_date")
DOCUMENT_MASKED_MESSAGE = (
    "この帳票には住所・電話番号などの個人情報がそのまま印字されています。"
    "あなたの権限ではこれらの項目が伏せ字で表示されるため、帳票を開くことはできません。"
)


def sees_documents(user: Any) -> bool:
    """Whether the user may open issued documents (PDFs carry the fields in DOCUMENT_FIELDS)."""
    return all(sees_full(user, field) for field in DOCUMENT_FIELDS)


def masked_fields(user: Any) -> list[str]:
    """Fields this user sees masked (for a notice on screen)."""
    return [rule.label for rule in RULES.values() if rule.full_roles and not sees_full(user, rule.field)]


# --- 機微情報 (sensitive data: health, beliefs; docs/compliance.md "Sensitive data at rest") ---
# Stored encrypted (core.fields.EncryptedTextField). Each field names the permission of the roles whose
# work needs it; everyone else reads SENSITIVE_HIDDEN. Screens, the API and templates ({% sensitive %})
# go through `sensitive_display` / `sensitive_values`; analytics, exports and the search index never read
# these fields. Every clear text shown is logged here as a read of the field (core.access_log_sensitive):
# the one place that decides visibility also writes the log, so no path can show it unlogged.
SENSITIVE_HIDDEN = "(機微情報のため非表示)"
SENSITIVE: dict[str, str] = {
    "accident.injuries": permissions.ACCIDENT_SENSITIVE,
    "complaint.fact_finding": permissions.COMPLAINT_SENSITIVE,
    "complaint.adr_reference": permissions.COMPLAINT_SENSITIVE,
    "complaint.adr_outcome": permissions.COMPLAINT_SENSITIVE,
}
SENSITIVE_LABELS: dict[str, str] = {
    "accident.injuries": "けが人の状況",
    "complaint.fact_finding": "事実確認メモ",
    "complaint.adr_reference": "ADR受付番号",
    "complaint.adr_outcome": "ADRの結果の詳細",
}
# The model column behind each field (model label, field name), for paths that read rows generically
# (the 開示 export).
SENSITIVE_COLUMNS: dict[tuple[str, str], str] = {
    ("cases.AccidentReport", "injuries"): "accident.injuries",
    ("cases.ComplaintDetail", "fact_finding"): "complaint.fact_finding",
    ("cases.ComplaintDetail", "adr_reference"): "complaint.adr_reference",
    ("cases.ComplaintDetail", "adr_outcome"): "complaint.adr_outcome",
}


def sees_sensitive(user: Any, field: str) -> bool:
    return permissions.has(user, SENSITIVE[field])


def reveals(value: Any) -> bool:
    """Whether showing `value` shows clear text: not for empty values, nor for the notice read when
    the value's key is missing (crypto.Unreadable)."""
    return not (value is None or value == "" or isinstance(value, crypto.Unreadable))


def _shown(field: str, basis: str | None = None) -> access_log_sensitive.Shown:
    return access_log_sensitive.Shown(field, SENSITIVE_LABELS[field], basis or SENSITIVE[field])


def sensitive_display(
    user: Any,
    field: str,
    value: Any,
    *,
    customer_id: int | None,
    via: AccessPurpose = AccessPurpose.VIEW,
    screen: str = "",
) -> str:
    """The clear text for a user with the field's purpose, SENSITIVE_HIDDEN for anyone else ("" if empty).
    Clear text shown is logged as a sensitive read of `customer_id` (nothing is logged for the notice)."""
    if value is None or value == "":
        return ""
    if not sees_sensitive(user, field):
        return SENSITIVE_HIDDEN
    if reveals(value):
        access_log_sensitive.note(user=user, customer_id=customer_id, shown=[_shown(field)], via=via, screen=screen)
    return str(value)


def sensitive_values(
    user: Any,
    values: Mapping[str, Any],
    *,
    customer_id: int | None,
    via: AccessPurpose = AccessPurpose.API,
    screen: str = "",
) -> dict[str, str | None]:
    """For the API: each field's value for a user with its purpose, None for anyone else; the fields
    shown in clear text are logged as one sensitive read of `customer_id`."""
    out: dict[str, str | None] = {}
    shown = []
    for field, value in values.items():
        if not sees_sensitive(user, field):
            out[field] = None
            continue
        out[field] = "" if value is None else str(value)
        if reveals(value):
            shown.append(_shown(field))
    access_log_sensitive.note(user=user, customer_id=customer_id, shown=shown, via=via, screen=screen)
    return out


def sensitive_disclosed(
    user: Any,
    *,
    customer_id: int,
    fields: Iterable[str],
    basis: str,
    via: AccessPurpose = AccessPurpose.EXPORT,
    screen: str = "",
) -> None:
    """A path that hands out the clear text on another ground than the field's own permission (the
    開示 export: `basis` = compliance.dsr) logs the fields it contained here."""
    shown = [_shown(field, basis) for field in sorted(set(fields))]
    access_log_sensitive.note(user=user, customer_id=customer_id, shown=shown, via=via, screen=screen)
