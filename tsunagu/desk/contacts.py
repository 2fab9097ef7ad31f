"""The customer's contact edit screens: phones, e-mails, relatives (家族) and consent flags.

Plain pages that work without JavaScript. Each request reads the customer through customer_get
(scoped: 404 outside the user's reach; access-logged), the services check the permission and refuse
a merged customer. The kit's one error path: an invalid POST renders the same page (200) with the
bound form; a success redirects to the contacts page with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tsunagu.core import permissions
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.http import AuthedRequest
from tsunagu.customers import services_contacts as svc
from tsunagu.customers.forms import ConsentForm, EmailForm, PhoneForm, RelativeForm
from tsunagu.customers.models import Customer, Email, Phone, Relative
from tsunagu.customers.selectors import customer_get

Row = Phone | Email | Relative


@dataclass(frozen=True)
class Kind:
    label: str  # 電話番号
    form: type[forms.Form]
    rows: Callable[[Customer], list[Any]]
    initial: Callable[[Any], dict[str, Any]]
    save: Callable[..., Any]  # (actor, customer, row|None, cleaned_data)
    describe: Callable[[Any], str]  # what the delete confirmation names


def _save_phone(actor: Any, customer: Customer, row: Phone | None, data: dict[str, Any]) -> Any:
    return svc.phone_save(
        actor=actor, customer=customer, phone=row, number=data["number"], kind=data["kind"], primary=data["is_primary"]
    )


def _save_email(actor: Any, customer: Customer, row: Email | None, data: dict[str, Any]) -> Any:
    return svc.email_save(
        actor=actor,
        customer=customer,
        email=row,
        address=data["address"],
        kind=data["kind"],
        primary=data["is_primary"],
    )


def _save_relative(actor: Any, customer: Customer, row: Relative | None, data: dict[str, Any]) -> Any:
    return svc.relative_save(actor=actor, customer=customer, relative=row, **data)


KINDS: dict[str, Kind] = {
    "phones": Kind(
        "電話番号",
        PhoneForm,
        lambda c: list(c.phones.all()),
        lambda p: {"kind": p.kind, "number": p.number, "is_primary": p.is_primary},
        _save_phone,
        lambda p: f"{p.get_kind_display()} {p.number}",
    ),
    "emails": Kind(
        "メールアドレス",
        EmailForm,
        lambda c: list(c.emails.all()),
        lambda e: {"kind": e.kind, "address": e.address, "is_primary": e.is_primary},
        _save_email,
        lambda e: f"{e.get_kind_display()} {e.address}",
    ),
    "relatives": Kind(
        "登録親族",
        RelativeForm,
        lambda c: list(c.relatives.all()),
        lambda r: {
            "name": r.name,
            "name_kana": r.name_kana,
            "relation": r.relation,
            "phone": r.phone,
            "consent_date": r.consent_date,
        },
        _save_relative,
        lambda r: f"{r.name}({r.get_relation_display()}) {r.phone}",
    ),
}


def _customer(request: AuthedRequest, pk: int, screen: str) -> Customer:
    """The scoped, logged read; then the permission (a customer outside the scope is a 404 first)."""
    customer = customer_get(user=request.user, pk=pk, purpose=AccessPurpose.VIEW, screen=screen)
    permissions.require(request.user, permissions.CUSTOMERS_EDIT_CONTACTS)
    return customer


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise Http404("ページが見つかりません。")
    return KINDS[kind]


def _row(spec: Kind, customer: Customer, item: int) -> Any:
    for row in spec.rows(customer):
        if row.pk == item:
            return row
    raise Http404("連絡先が見つかりません。")


def _others(kind: str, customer: Customer, row: Any) -> dict[str, Any]:
    """Duplicate checks: the customer's other numbers / addresses."""
    if kind == "phones":
        return {"others": [p.number for p in customer.phones.all() if row is None or p.pk != row.pk]}
    if kind == "emails":
        return {"others": [e.address for e in customer.emails.all() if row is None or e.pk != row.pk]}
    return {}


def _back(customer: Customer) -> str:
    return reverse("desk:contacts", args=[customer.pk])


def _service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: field errors beside the field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
def contacts(request: AuthedRequest, pk: int) -> HttpResponse:
    """The contacts page: phones, e-mails and relatives with their edit links, and the consent form."""
    customer = _customer(request, pk, "連絡先の編集")
    merged = customer.merged_into_id is not None
    initial = {
        "contact_consent": customer.contact_consent,
        "dm_consent": customer.dm_consent,
        "preferred_channel": customer.preferred_channel,
    }
    form = ConsentForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound:
        if merged:
            form.add_error(None, svc.MERGED_READ_ONLY)
        elif form.is_valid():
            try:
                svc.customer_consent_update(actor=request.user, customer=customer, **form.cleaned_data)
            except ValidationError as error:
                _service_errors(form, error)
            else:
                messages.success(request, "連絡の同意・希望連絡方法を保存しました。")
                return redirect(_back(customer))
    context = {"customer": customer, "merged": merged, "form": form, "kinds": KINDS}
    return render(request, "desk/contacts.html", context)


@login_required
def contact_edit(request: AuthedRequest, pk: int, kind: str, item: int | None = None) -> HttpResponse:
    """Add (item=None) or change one phone, e-mail address or relative."""
    spec = _kind(kind)
    customer = _customer(request, pk, f"{spec.label}の{'追加' if item is None else '変更'}")
    row = None if item is None else _row(spec, customer, item)
    merged = customer.merged_into_id is not None
    extra = _others(kind, customer, row)
    if request.method == "POST":
        form = spec.form(request.POST, **extra)
        if merged:
            form.add_error(None, svc.MERGED_READ_ONLY)
        elif form.is_valid():
            try:
                spec.save(request.user, customer, row, form.cleaned_data)
            except ValidationError as error:
                _service_errors(form, error)
            else:
                done = "追加しました" if row is None else "変更しました"
                messages.success(request, f"{spec.label}を{done}。")
                return redirect(_back(customer))
    else:
        form = spec.form(initial=spec.initial(row) if row is not None else None, **extra)
    context = {"customer": customer, "merged": merged, "form": form, "spec": spec, "kind": kind, "row": row}
    return render(request, "desk/contact_form.html", context)


@login_required
def contact_delete(request: AuthedRequest, pk: int, kind: str, item: int) -> HttpResponse:
    """Confirm (GET) and remove (POST) one phone, e-mail address or relative."""
    spec = _kind(kind)
    customer = _customer(request, pk, f"{spec.label}の削除")
    row = _row(spec, customer, item)
    merged = customer.merged_into_id is not None
    error = ""
    if request.method == "POST":
        try:
            svc.contact_remove(actor=request.user, customer=customer, row=row)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{spec.label}を削除しました。")
            return redirect(_back(customer))
    context = {
        "customer": customer,
        "merged": merged,
        "spec": spec,
        "kind": kind,
        "row": row,
        "described": spec.describe(row),
        "error": error,
    }
    return render(request, "desk/contact_delete.html", context)
