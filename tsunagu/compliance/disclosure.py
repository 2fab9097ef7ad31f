"""Everything held about one person, for a data-subject request (開示, APPI Art. 33): every row of
every app that refers to the customer — found from the models themselves, so a new app's tables are
included without touching this file — one level of rows owned by those (a policy's coverages and
claims, a case's details and tasks), and who viewed the person's data (the access log).

The export is itself a read of personal data: it is logged once as an export naming the customer.
Secrets (token hashes, keys) and internal matching/search indexes are left out; so are row histories
(the current rows are what is held; the history tables repeat them)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalChanges

from tsunagu.core import masking, permissions
from tsunagu.core.access_log import log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.models import Customer

SCREEN = "開示請求への回答(保有個人データの出力)"
ROW_LIMIT = 5_000  # rows per table in one export; more is reported as truncated
# Tables that hold no information about the person beyond pointers already exported elsewhere, or
# that exist only to find or match records (rebuilt from the rows exported).
EXCLUDED_APPS = {"search", "admin", "sessions", "contenttypes", "auth", "axes", "django_tasks_database"}
EXCLUDED_MODELS = {
    "identity.blockingkey",
    "identity.candidatepair",
    "surveys.responserollup",
    "surveys.rollupslot",
    "surveys.responseaggregate",
    "voice.voiceterm",
    "core.accesslog",  # exported as 閲覧の記録 below, without the chain's internals
}
SECRET_FIELDS = {"token_hash", "key", "password", "secret", "hash", "prev_hash", "row_hash", "mac"}
# Kept in the JSON (nothing held is left out of it) but not printed for the person: row ids, search and
# matching keys (fields without a Japanese name), checksums and link tokens.
INTERNAL_FIELDS = {"sha256", "public_id"}


@dataclass
class Section:
    label: str  # app.model
    title: str  # the table's Japanese name
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    internal: set[str] = field(default_factory=set)  # row labels of internal fields (JSON only, not the PDF)


@dataclass
class Disclosure:
    customer_number: str
    customer_name: str
    generated_at: dt.datetime
    sections: list[Section]

    def as_json(self) -> str:
        return json.dumps(
            {
                "customer": self.customer_number,
                "name": self.customer_name,
                "generated_at": self.generated_at.isoformat(),
                "sections": [
                    {"table": s.label, "title": s.title, "rows": s.rows, "truncated": s.truncated}
                    for s in self.sections
                ],
            },
            ensure_ascii=False,
            indent=2,
        )


def _value(obj: models.Model, f: models.Field[Any, Any]) -> Any:
    if f.choices:
        return getattr(obj, f"get_{f.name}_display")()
    value = getattr(obj, f.attname)
    if isinstance(f, models.ForeignKey | models.OneToOneField):
        if value is None:
            return None
        related = getattr(obj, f.name)
        return str(related)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _shown(f: models.Field[Any, Any], skip: set[str]) -> bool:
    return not (f.name in skip or f.name in SECRET_FIELDS or f.name.endswith("_hash"))


def _unnamed(f: models.Field[Any, Any]) -> bool:
    """A field without a verbose_name of its own (Django made one from the attribute name)."""
    return str(f.verbose_name) == f.name.replace("_", " ")


def _label(f: models.Field[Any, Any]) -> str:
    """The field's Japanese name; a relation without one is named after the related table."""
    if _unnamed(f) and f.related_model is not None:
        return str(f.related_model._meta.verbose_name)  # type: ignore[union-attr]
    return str(f.verbose_name)


def _internal(f: models.Field[Any, Any]) -> bool:
    return bool(f.primary_key) or f.name in INTERNAL_FIELDS or (_unnamed(f) and f.related_model is None)


def _labels(model: type[models.Model], skip: set[str]) -> tuple[dict[str, str], set[str]]:
    """{field name: row label} (unique within the row) and the labels of internal fields."""
    labels: dict[str, str] = {}
    internal: set[str] = set()
    for f in model._meta.concrete_fields:
        if not _shown(f, skip):
            continue
        label = _label(f)
        if label in labels.values():
            label = f"{label}({f.name})"
        labels[f.name] = label
        if _internal(f):
            internal.add(label)
    return labels, internal


def _row(obj: models.Model, labels: dict[str, str]) -> dict[str, Any]:
    return {label: _value(obj, obj._meta.get_field(name)) for name, label in labels.items()}  # type: ignore[arg-type]


def _eligible(model: type[models.Model]) -> bool:
    meta = model._meta
    return (
        not issubclass(model, HistoricalChanges)
        and not meta.abstract
        and not meta.proxy
        and meta.app_label not in EXCLUDED_APPS
        and meta.label_lower not in EXCLUDED_MODELS
    )


def _links_to(target: type[models.Model]) -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    links: list[tuple[type[models.Model], models.Field[Any, Any]]] = []
    for model in apps.get_models():
        if not _eligible(model) or model is target:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, models.ForeignKey | models.OneToOneField) and f.related_model is target:
                links.append((model, f))
    return links


def _section(model: type[models.Model], queryset: models.QuerySet[Any], skip: set[str]) -> Section:
    # Every foreign key is shown by its related row's name: fetch them in the same query (no N+1).
    related = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey | models.OneToOneField) and f.name not in skip
    ]
    objects = list(queryset.select_related(*related).order_by("pk")[: ROW_LIMIT + 1])
    labels, internal = _labels(model, skip)
    return Section(
        label=model._meta.label,
        title=str(model._meta.verbose_name_plural),
        rows=[_row(o, labels) for o in objects[:ROW_LIMIT]],
        truncated=len(objects) > ROW_LIMIT,
        internal=internal,
    )


def _sensitive_in(sections: list[Section]) -> list[str]:
    """The masking.SENSITIVE fields that hold a value (clear text) in the exported rows."""
    found = []
    for section in sections:
        for (label, name), key in masking.SENSITIVE_COLUMNS.items():
            if label != section.label:
                continue
            title = str(apps.get_model(label)._meta.get_field(name).verbose_name)
            if any(masking.reveals(row.get(title)) for row in section.rows):
                found.append(key)
    return found


def disclosure_build(*, user: User, customer: Customer) -> Disclosure:
    """Every table's rows about the customer (permission `compliance.dsr`; logged as one export)."""
    permissions.require(user, permissions.COMPLIANCE_DSR)
    sections = [_section(Customer, Customer.objects.filter(pk=customer.pk), set())]
    owned: dict[type[models.Model], list[int]] = {}
    for model, f in _links_to(Customer):
        queryset = model._default_manager.filter(**{f.name: customer})
        section = _section(model, queryset, {f.name})
        if section.rows:
            sections.append(section)
            owned.setdefault(model, []).extend(queryset.values_list("pk", flat=True)[:ROW_LIMIT])
    # One level down: rows that belong to the customer's rows (claims and coverages of a policy …).
    done = {s.label for s in sections}
    for parent, ids in owned.items():
        for model, f in _links_to(parent):
            if model._meta.label in done:
                continue
            queryset = model._default_manager.filter(**{f"{f.name}__in": ids})
            section = _section(model, queryset, {f.name})
            if section.rows:
                sections.append(section)
                done.add(model._meta.label)
    views = AccessLog.objects.filter(customer_id=customer.pk).select_related("user").order_by("-at")
    sections.append(
        Section(
            label="core.AccessLog",
            title="閲覧の記録(だれがいつ閲覧したか)",
            rows=[
                {
                    "日時": timezone.localtime(v.at).strftime("%Y-%m-%d %H:%M:%S"),
                    "利用者": str(v.user) if v.user else v.username,
                    "目的": v.get_purpose_display(),
                    "画面・経路": v.screen,
                }
                for v in views[:ROW_LIMIT]
            ],
            truncated=views[ROW_LIMIT : ROW_LIMIT + 1].exists(),
        )
    )
    log_access(
        user=user,
        customer_ids=[customer.pk],
        purpose=AccessPurpose.EXPORT,
        screen=SCREEN,
        detail={"tables": len(sections), "rows": sum(len(s.rows) for s in sections)},
    )
    # The 機微情報 it holds in clear text, logged as a sensitive read on the ground of the request.
    masking.sensitive_disclosed(
        user, customer_id=customer.pk, fields=_sensitive_in(sections), basis=permissions.COMPLIANCE_DSR, screen=SCREEN
    )
    return Disclosure(
        customer_number=customer.number,
        customer_name=customer.name,
        generated_at=timezone.now(),
        sections=sections,
    )
