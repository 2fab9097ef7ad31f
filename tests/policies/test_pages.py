"""Policy and claim pages (scoped, access-logged, linked from the customer page) and the customer's
変更履歴 panel (defect 9: an address change applied by a 異動 case must appear, before → after)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.conftest import open_case
from tests.conftest import make_customer, make_policy, read
from tsunagu.cases.choices import CaseStatus, CaseType, ChangeKind
from tsunagu.cases.services import case_transition, document_receive
from tsunagu.core.models import AccessLog
from tsunagu.customers.selectors import customer_change_history
from tsunagu.policies.choices import PaymentMethod, ReportChannel
from tsunagu.policies.services import (
    claim_register,
    policy_change_payment,
    policy_schedule_cancellation,
    premium_payment_record,
)

pytestmark = pytest.mark.django_db


def _complete(actor, case):
    case_transition(actor=actor, case=case, to=CaseStatus.IN_PROGRESS)
    for document in case.documents.all():
        document_receive(actor=actor, document=document, received_on=dt.date(2026, 6, 2))
    case_transition(actor=actor, case=case, to=CaseStatus.COMPLETED, resolution_summary="反映した")


def _panel(html: str, panel_id: str) -> str:
    match = re.search(rf'<section class="card" id="{panel_id}">(.*?)</section>', html, re.S)
    assert match, f"no #{panel_id} on the page"
    return match.group(1)


@pytest.fixture
def auto_policy(hq_operator, org):
    customer = make_customer(hq_operator, name="鈴木 一郎", name_kana="スズキ イチロウ")
    policy = make_policy(
        hq_operator,
        customer,
        agency=org["agency_a"],
        number="PN-PAGE-0001",
        vehicle={"model_name": "プリウス ZVW30", "registration_number": "品川 300 あ 12-34", "nonfleet_grade": 14},
    )
    premium_payment_record(
        actor=hq_operator,
        policy=policy,
        paid_on=dt.date(2026, 4, 1),
        amount=60_000,
        period_from=dt.date(2026, 4, 1),
        period_to=dt.date(2027, 3, 31),
    )
    claim = claim_register(
        actor=hq_operator,
        policy=policy,
        number="CLM-PAGE-0001",
        accident_date=dt.date(2026, 5, 1),
        accident_place="東京都港区芝公園",
        accident_type="追突",
        reported_on=dt.date(2026, 5, 2),
        reported_via=ReportChannel.CALL_CENTER,
    )
    return customer, policy, claim


# --- defect 9 ------------------------------------------------------------------------------------


def test_address_change_by_a_case_shows_in_the_history_panel_before_and_after(client, hq_operator, holder, departments):
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.ADDRESS,
        new_values={"postal_code": "530-0001", "prefecture": "大阪府", "city": "大阪市北区", "street": "梅田1-1"},
    )
    _complete(hq_operator, case)
    client.force_login(hq_operator)
    html = client.get(reverse("desk:customer_detail", args=[customer.pk])).content.decode()
    panel = _panel(html, "history-panel")
    # Before the fix the panel read only the customer's own rows: the move was not there at all.
    assert "住所の変更" in panel
    assert "〒100-0001 東京都千代田区千代田1-1 → 〒530-0001 大阪府大阪市北区梅田1-1" in panel


def test_history_rows_cover_contact_points_and_policy_changes(hq_operator, holder):
    customer, policy = holder
    policy_change_payment(
        actor=hq_operator, policy=policy, payment_method=PaymentMethod.CREDIT_CARD, on=dt.date(2026, 6, 1)
    )
    from tsunagu.customers.services import phone_add

    phone_add(actor=hq_operator, customer=customer, number="03-1234-5678")
    rows = customer_change_history(user=hq_operator, customer=read(hq_operator, customer))
    kinds = [row.kind for row in rows]
    assert "電話番号の登録" in kinds
    assert any(c.new == "03-1234-5678" for row in rows for c in row.changes)
    from tsunagu.desk.selectors import customer_360

    context = customer_360(user=hq_operator, pk=customer.pk, screen="test")
    payment_rows = [row for row in context["history"] if row.kind.startswith("契約(")]
    assert payment_rows
    assert any(c.old == "口座振替" and c.new == "クレジットカード" for c in payment_rows[0].changes)


def test_history_needs_the_logged_read(hq_operator, holder):
    from tsunagu.customers.selectors import UnloggedRead

    customer, _policy = holder
    with pytest.raises(UnloggedRead):
        customer_change_history(user=hq_operator, customer=customer)


# --- the policy page ---------------------------------------------------------------------------------


def test_policy_page_shows_coverages_payments_vehicle_claims_and_history(client, hq_operator, auto_policy):
    customer, policy, claim = auto_policy
    policy_change_payment(
        actor=hq_operator, policy=policy, payment_method=PaymentMethod.CREDIT_CARD, on=dt.date(2026, 6, 1)
    )
    client.force_login(hq_operator)
    before = AccessLog.objects.count()
    response = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "対人賠償" in _panel(html, "coverages-panel")
    assert "¥60,000" in _panel(html, "payments-panel")
    assert "2026/04/01" in _panel(html, "payments-panel")
    vehicle = _panel(html, "insured-object-panel")
    assert "プリウス ZVW30" in vehicle
    assert "14等級" in vehicle
    assert reverse("policies:claim_detail", args=[claim.pk]) in _panel(html, "policy-claims-panel")
    history = _panel(html, "policy-history-panel")
    assert "払込方法: 口座振替 → クレジットカード" in history
    assert "2026/04/01〜2027/04/01" in html
    # The policyholder's read is logged through the one path.
    assert AccessLog.objects.filter(customer_id=customer.pk, screen="契約詳細").count() == 1
    assert AccessLog.objects.count() == before + 1


def test_policy_page_shows_a_pending_cancellation_and_its_refund_basis(client, hq_operator, auto_policy, monkeypatch):
    customer, policy, _claim = auto_policy
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 12, 5))
    policy_schedule_cancellation(actor=hq_operator, policy=policy, on=dt.date(2026, 12, 20))
    client.force_login(hq_operator)
    html = client.get(reverse("policies:policy_detail", args=[policy.pk])).content.decode()
    assert "有効(解約予定 2026/12/20)" in html
    assert "2026/04/01〜2026/12/20(解約予定。当初の保険終期 2027/04/01)" in html
    assert "返戻保険料の算出根拠" in html
    assert "¥9,000" in html  # 短期率: 85 % kept of ¥60,000
    customer_page = client.get(reverse("desk:customer_detail", args=[customer.pk])).content.decode()
    policies_panel = _panel(customer_page, "policies-panel")
    assert "有効(解約予定 2026/12/20)" in policies_panel
    assert "2026/04/01〜2026/12/20(当初 2027/04/01)" in policies_panel


def test_customer_page_links_policy_and_claim_numbers(client, hq_operator, auto_policy):
    customer, policy, claim = auto_policy
    client.force_login(hq_operator)
    html = client.get(reverse("desk:customer_detail", args=[customer.pk])).content.decode()
    assert f'href="{reverse("policies:policy_detail", args=[policy.pk])}"' in _panel(html, "policies-panel")
    assert f'href="{reverse("policies:claim_detail", args=[claim.pk])}"' in _panel(html, "claims-panel")


def test_pages_are_scoped_to_the_agency(client, hq_operator, agency_a_staff, agency_b_staff, auto_policy):
    _customer, policy, claim = auto_policy
    client.force_login(agency_a_staff)
    assert client.get(reverse("policies:policy_detail", args=[policy.pk])).status_code == 200
    assert client.get(reverse("policies:claim_detail", args=[claim.pk])).status_code == 200
    client.force_login(agency_b_staff)
    before = AccessLog.objects.count()
    assert client.get(reverse("policies:policy_detail", args=[policy.pk])).status_code == 404
    assert client.get(reverse("policies:claim_detail", args=[claim.pk])).status_code == 404
    assert client.get(reverse("policies:policy_detail", args=[999_999])).status_code == 404
    assert AccessLog.objects.count() == before  # nothing read, nothing logged
    client.logout()
    assert client.get(reverse("policies:policy_detail", args=[policy.pk])).status_code == 302


def test_claim_page_shows_its_data_and_related_cases(client, hq_operator, auto_policy, departments):
    customer, policy, claim = auto_policy
    case = open_case(hq_operator, customer, policy, CaseType.INQUIRY, "claim", question="進捗は？")
    case.claim = claim
    case.save(update_fields=["claim"])
    client.force_login(hq_operator)
    response = client.get(reverse("policies:claim_detail", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "東京都港区芝公園" in html
    assert "追突" in html
    assert "受付" in html
    assert case.number in _panel(html, "claim-cases-panel")
    assert AccessLog.objects.filter(customer_id=customer.pk, screen="事故詳細").exists()
