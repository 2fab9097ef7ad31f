"""Fixes from the browser walk (issue 11): future-dated 異動, accident/inquiry form boxes, grouped
complaint categories, the overdue breakdown adding up."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import PASSWORD, make_customer, read
from tsunagu.cases import selectors
from tsunagu.cases.choices import CaseStatus, CaseType, ChangeKind
from tsunagu.cases.models import Case, ChangeRequest, ComplaintCategory
from tsunagu.cases.services import case_transition, changes_apply_due, document_receive
from tsunagu.core.services import system_user

from .conftest import open_case

pytestmark = pytest.mark.django_db

ADDRESS = {"postal_code": "530-0001", "prefecture": "大阪府", "city": "大阪市北区", "street": "梅田1-1"}


def _login(client, username="hq_operator"):
    client.login(username=username, password=PASSWORD)
    return client


def _complete_address_change(actor, holder, effective_date):
    customer, policy = holder
    case = open_case(
        actor,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.ADDRESS,
        new_values=ADDRESS,
        effective_date=effective_date,
        opened_on=timezone.localdate(),
    )
    case_transition(actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    for document in case.documents.all():
        document_receive(actor=actor, document=document)
    case_transition(actor=actor, case=case, to=CaseStatus.COMPLETED, resolution_summary="反映")
    return Case.objects.get(pk=case.pk)


def _primary_city(customer):
    return customer.addresses.get(is_primary=True).city


# --- 1: a future-dated 異動 applies on its 異動日 ------------------------------------------------


def test_future_dated_change_is_scheduled_and_applied_on_its_date(hq_operator, holder, departments, client):
    customer, _policy = holder
    today = timezone.localdate()
    on = today + dt.timedelta(days=5)
    case = _complete_address_change(hq_operator, holder, on)
    assert case.status == CaseStatus.COMPLETED
    change = ChangeRequest.objects.get(case=case)
    assert change.applied_at is None
    assert _primary_city(customer) == "千代田区"  # unchanged before the date

    _login(client)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"反映予定 {on:%Y/%m/%d}" in body
    customer_page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"反映予定 {on:%Y/%m/%d}" in customer_page

    assert changes_apply_due(actor=system_user(), today=on - dt.timedelta(days=1)) == []
    assert _primary_city(customer) == "千代田区"
    out = StringIO()
    call_command("apply_scheduled_changes", "--date", on.isoformat(), stdout=out)
    assert "1 件" in out.getvalue()
    assert _primary_city(customer) == "大阪市北区"
    change.refresh_from_db()
    assert change.applied_at is not None
    assert change.previous_values["city"] == "千代田区"
    assert case.events.filter(kind="applied").count() == 1
    # Idempotent: a second run finds nothing.
    assert changes_apply_due(actor=system_user(), today=on) == []
    assert customer.addresses.filter(city="大阪市北区").count() == 1


def test_change_dated_today_applies_at_once(hq_operator, holder, departments):
    customer, _policy = holder
    case = _complete_address_change(hq_operator, holder, timezone.localdate())
    assert ChangeRequest.objects.get(case=case).applied_at is not None
    assert _primary_city(customer) == "大阪市北区"


def test_apply_scheduled_changes_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("apply_scheduled_changes", "--date", "12/10")


# --- 3: accident form errors beside their own box -----------------------------------------------


def test_accident_form_puts_missing_description_under_jiko_jokyo(hq_operator, holder, departments, client):
    customer, policy = holder
    _login(client)
    response = client.post(
        f"/cases/new/?customer={customer.pk}&type=accident",
        {
            "channel": "phone",
            "policy": policy.pk,
            "sub_type": "auto",
            "subject": "追突",
            "priority": "normal",
            "occurred_at": "2026-05-30T10:00",
            "place": "交差点",
            "accident_type": "対物",
            "accident_description": "",
            "description": "メモ",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["accident_description"] == ["事故状況を入力してください。"]
    assert "description" not in form.errors
    body = response.content.decode()
    assert "内容: 事故状況" not in body
    assert 'id="id_accident_description_error"' in body
    assert Case.objects.count() == 0


# --- 4: one content box on the inquiry form (the other is a labelled memo) ----------------------


def test_inquiry_form_labels_the_common_box_as_a_memo(hq_operator, holder, departments, client):
    customer, _policy = holder
    _login(client)
    body = client.get(f"/cases/new/?customer={customer.pk}&type=inquiry").content.decode()
    labels = re.findall(r"<label for=\"id_[a-z_]+\">([^<]+)", body)
    assert "お問い合わせ内容" in labels
    assert "内容" not in labels
    assert "対応メモ" in labels


# --- 5: complaint categories grouped by parent -------------------------------------------------


def test_complaint_categories_are_grouped_by_parent(hq_operator, holder, departments, client):
    customer, _policy = holder
    _login(client)
    body = client.get(f"/cases/new/?customer={customer.pk}&type=complaint").content.decode()
    select = body[body.index('name="category"') :]
    select = select[: select.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    parents = list(ComplaintCategory.objects.filter(parent=None, is_active=True).order_by("order", "code"))
    assert groups == [p.name for p in parents if p.children.filter(is_active=True).exists()]
    first = parents[0]
    block = select[select.index(f'<optgroup label="{first.name}"') :]
    block = block[: block.index("</optgroup>")]
    for child in first.children.filter(is_active=True):
        assert f">{child.name}</option>" in block


# --- 6: the overdue breakdown adds up ------------------------------------------------------------


def test_overdue_breakdown_by_agency_includes_cases_without_agency(hq_operator, holder, departments):
    customer, _policy = holder
    other = make_customer(hq_operator, name="直扱 顧客", name_kana="ジキアツカイ コキャク")
    for who in (read(hq_operator, other), customer):
        open_case(hq_operator, who, None, CaseType.INQUIRY, "other", question="?", opened_on=dt.date(2026, 1, 5))
    today = dt.date(2026, 6, 1)
    total = selectors.overdue_summary_for_user(user=hq_operator, today=today)
    breakdown = selectors.overdue_breakdown(user=hq_operator, today=today)
    overdue = selectors.case_queryset(user=hq_operator, filters=selectors.CaseFilters(overdue_only=True), today=today)
    assert sum(row["n"] for row in breakdown["agency"]) == overdue.count()
    assert any(row["agency__name"] == "代理店なし" for row in breakdown["agency"])
    assert total["team"] == overdue.count()


# --- 2: an address 異動 is one 住所 old → new row; the old address is 旧住所 ------------------------


@pytest.mark.parametrize("bulk_loaded", [False, True])
def test_address_move_is_one_history_row_and_old_address_is_marked(
    hq_operator, holder, departments, client, bulk_loaded
):
    from tsunagu.customers.models import Address
    from tsunagu.customers.selectors import customer_change_history

    customer, _policy = holder
    if bulk_loaded:  # demo data / imports: the old address has no "+" history record
        Address.history.filter(customer_id=customer.pk).delete()
    _complete_address_change(hq_operator, holder, timezone.localdate())
    rows = customer_change_history(user=hq_operator, customer=read(hq_operator, customer))
    address_rows = [row for row in rows if row.kind.startswith("住所")]
    assert [row.kind for row in address_rows][:1] == ["住所の変更"]
    move = address_rows[0]
    assert [(c.field, c.old, c.new) for c in move.changes] == [
        ("住所", "〒100-0001 東京都千代田区千代田1-1", "〒530-0001 大阪府大阪市北区梅田1-1")
    ]
    assert not any(c.old == "" and "梅田" in c.new for row in rows for c in row.changes)  # no 住所の登録
    old = customer.addresses.get(is_primary=False)
    assert old.get_kind_display() == "旧住所"
    assert customer.addresses.get(is_primary=True).get_kind_display() == "自宅"
    _login(client)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "旧住所: 〒100-0001" in page
