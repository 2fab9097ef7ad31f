"""Retention (保存期間と廃棄・匿名化): the rules' boundaries, the run through services (history scrubbed,
the act in history and audit), legal holds, open cases and requests respected, idempotent reruns,
dry runs that write nothing, and the command's Japanese errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from tests.conftest import make_customer, make_policy
from tsunagu.compliance import retention
from tsunagu.compliance import retention_services as services
from tsunagu.compliance.dsr_services import dsr_receive
from tsunagu.compliance.models import LegalHold, RetentionDone, RetentionPeriod, RetentionRun
from tsunagu.compliance.retention_selectors import due_preview, periods_in_effect
from tsunagu.core.models import AuditEvent
from tsunagu.customers.models import Address, Customer, Email, Phone
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.services import interaction_log

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_periods")]

# make_policy's policies run 2026-04-01 → 2027-04-01: the relationship ends 2027-04-01 (after the
# customer's registration today and the contact logged today), so the 10-year types fall due on
# 2037-04-01 and the 5-year types (contacts) on 2032-04-01.
END = dt.date(2027, 4, 1)
MASTER_DUE = dt.date(2037, 4, 1)


# --- the rules -------------------------------------------------------------------------------


def test_due_on_the_anniversary_and_not_a_day_before():
    assert retention.is_due(END, 10, MASTER_DUE)
    assert not retention.is_due(END, 10, MASTER_DUE - dt.timedelta(days=1))
    assert not retention.is_due(None, 1, dt.date(2100, 1, 1))  # a policy in force: no end yet
    assert retention.cutoff(MASTER_DUE, 10) == END
    assert retention.cutoff(MASTER_DUE - dt.timedelta(days=1), 10) == END - dt.timedelta(days=1)


def test_an_end_on_29_february_is_due_on_28_february_of_a_common_year():
    end = dt.date(2028, 2, 29)
    assert retention.due_on(end, 1) == dt.date(2029, 2, 28)
    assert retention.cutoff(dt.date(2029, 2, 28), 1) == end
    assert retention.cutoff(dt.date(2029, 2, 27), 1) < end


def test_the_period_in_effect_is_the_latest_started_on_or_before_the_day():
    periods = [
        retention.Period("customer", 10, dt.date(2000, 1, 1)),
        retention.Period("customer", 7, dt.date(2030, 1, 1)),
        retention.Period("policy", 10, dt.date(2031, 1, 1)),
    ]
    assert retention.period_on(periods, "customer", dt.date(2029, 12, 31)).years == 10
    assert retention.period_on(periods, "customer", dt.date(2030, 1, 1)).years == 7
    assert retention.period_on(periods, "policy", dt.date(2030, 6, 1)) is None


def test_the_relationship_ends_with_the_latest_of_policies_cases_and_contacts():
    kwargs = {
        "registered_on": dt.date(2010, 1, 1),
        "policy_ends": [dt.date(2015, 3, 31)],
        "case_dates": [dt.date(2016, 5, 1)],
        "contact_dates": [dt.date(2014, 1, 1)],
    }
    assert retention.relationship_end(in_force=False, **kwargs) == dt.date(2016, 5, 1)
    assert retention.relationship_end(in_force=True, **kwargs) is None


def test_anonymised_values_keep_what_statistics_need():
    assert retention.masked_postal_code("123-4567") == "123-0000"
    assert retention.masked_postal_code("１") == ""
    assert retention.coarse_birth_date(dt.date(1970, 3, 1)) == dt.date(1970, 1, 1)
    assert retention.coarse_birth_date(None) is None
    assert retention.blockers(hold=True, open_case=False, open_adr=False, open_dsr=True) == ["hold", "open_dsr"]
    assert set(retention.PROCESSED) == {t for t, a in retention.ACTIONS.items() if a in ("anonymise", "delete")}
    assert retention.ACTIONS["access_log"] == retention.OWN_RULE


def test_the_seeded_periods_cover_every_record_type():
    periods = periods_in_effect(dt.date(2026, 12, 1))
    assert periods["customer"].years == 10
    assert periods["complaint"].years >= 5  # the domain notes: complaint records at least 5 years
    assert set(periods) == {c for c, _ in RetentionPeriod._meta.get_field("record_type").choices}


# --- the run ---------------------------------------------------------------------------------


@pytest.fixture
def gone(hq_operator, org):
    """A customer whose only policy ended 2027-04-01, with a contact note."""
    customer = make_customer(
        hq_operator, name="保存 満了", name_kana="ホゾン マンリョウ", birth_date=dt.date(1960, 8, 15)
    )
    make_policy(hq_operator, customer, agency=org["agency_a"])
    interaction_log(
        actor=hq_operator, customer=customer, channel="phone", subject="住所変更の相談", notes="長男の連絡先"
    )
    return customer


@pytest.fixture
def staying(hq_operator, org):
    """A customer whose policy runs to 2040: never due in these tests."""
    customer = make_customer(hq_operator, name="継続 契約", name_kana="ケイゾク ケイヤク")
    make_policy(hq_operator, customer, agency=org["agency_a"], expiry=dt.date(2040, 4, 1))
    return customer


def _counts(preview, record_type):
    return next(t for t in preview.types if t.record_type == record_type)


def test_nothing_is_due_a_day_early_and_the_master_is_due_on_the_day(auditor, gone, staying):
    before = due_preview(on=MASTER_DUE - dt.timedelta(days=1))
    assert _counts(before, "customer").due == 0
    assert _counts(before, "contact").due == 1  # 5 years: due since 2032
    on_day = due_preview(on=MASTER_DUE)
    assert _counts(on_day, "customer").due == 1  # `staying` is in force: not counted
    assert _counts(on_day, "policy").due == 0  # policies are kept, never processed


def test_the_run_anonymises_the_master_and_scrubs_its_history(auditor, gone, staying):
    result = services.retention_execute(actor=auditor, on=MASTER_DUE)
    assert result.counts["customer"]["customers"] == 1
    gone.refresh_from_db()
    assert gone.name == retention.ANONYMISED_NAME
    assert gone.name_kana == retention.ANONYMISED_KANA
    assert gone.birth_date == dt.date(1960, 1, 1)
    assert not Phone.objects.filter(customer=gone).exists()
    assert not Email.objects.filter(customer=gone).exists()
    address = Address.objects.get(customer=gone)
    assert (address.postal_code, address.street, address.prefecture) == (
        "100-0000",
        retention.ANONYMISED_NAME,
        "東京都",
    )
    # the history keeps who changed what and when, but not the erased values
    names = set(gone.history.values_list("name", flat=True))
    assert names == {retention.ANONYMISED_NAME}
    last = gone.history.order_by("-history_date", "-history_id").first()
    assert (last.history_user, last.history_change_reason) == (auditor, services.REASON)
    assert not Phone.history.filter(customer_id=gone.pk).exclude(number="").exists()
    assert Phone.history.filter(customer_id=gone.pk, history_type="-", history_user=auditor).exists()
    # the contact note is cleared, its date kept
    note = Interaction.objects.get(customer=gone)
    assert (note.subject, note.notes) == (retention.CLEARED_TEXT, "")
    # the other customer is untouched
    staying.refresh_from_db()
    assert staying.name == "継続 契約"
    # the act itself: the run, its audit event with counts, the ledger
    run = result.run
    assert run.status == "done"
    assert run.counts["customer"]["customers"] == 1
    event = AuditEvent.objects.get(
        action="compliance.retention_run", target_type="compliance.retentionrun", target_id=str(run.pk)
    )
    assert event.actor == auditor
    assert event.data["counts"]["customer"]["customers"] == 1
    assert set(RetentionDone.objects.filter(customer=gone).values_list("record_type", flat=True)) >= {
        "customer",
        "contact",
    }


def test_a_rerun_changes_nothing(auditor, gone):
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    history_rows = Customer.history.count()
    again = services.retention_execute(actor=auditor, on=MASTER_DUE)
    assert all(v["customers"] == 0 for v in again.counts.values())
    assert Customer.history.count() == history_rows
    assert RetentionDone.objects.filter(customer=gone, record_type="customer").count() == 1


def test_a_dry_run_counts_and_writes_nothing(auditor, gone):
    tables = (AuditEvent, RetentionRun, RetentionDone, Customer.history.model, Phone.history.model)
    before = [m.objects.count() for m in tables]
    result = services.retention_execute(actor=auditor, on=MASTER_DUE, dry_run=True)
    assert result.run is None
    assert result.counts["customer"] == {"customers": 1, "rows": 4}  # customer, address, phone, e-mail
    assert [m.objects.count() for m in tables] == before
    gone.refresh_from_db()
    assert gone.name == "保存 満了"


def test_a_legal_hold_keeps_everything_until_released(auditor, gone):
    hold = services.legal_hold_place(
        actor=auditor,
        customer=gone,
        kind="lawsuit",
        reason="損害賠償請求訴訟(令和8年(ワ)第123号)",
        starts_on=timezone.localdate(),
    )
    preview = due_preview(on=MASTER_DUE)
    assert _counts(preview, "customer").due == 0
    assert _counts(preview, "customer").blocked == 1
    assert preview.blocked_by_reason == {"hold": 1}
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    gone.refresh_from_db()
    assert gone.name == "保存 満了"
    assert Interaction.objects.get(customer=gone).notes == "長男の連絡先"
    services.legal_hold_release(actor=auditor, hold=hold, released_on=timezone.localdate(), reason="和解成立")
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    gone.refresh_from_db()
    assert gone.name == retention.ANONYMISED_NAME
    reasons = list(LegalHold.history.filter(id=hold.pk).values_list("history_change_reason", flat=True))
    assert set(reasons) == {"リーガルホールドの設定", "リーガルホールドの解除"}
    assert AuditEvent.objects.filter(action="compliance.legal_hold_place").count() == 1


def test_an_open_case_keeps_the_customer(auditor, gone, hq_operator, case_reference_data):
    from tests.cases.conftest import open_case

    open_case(hq_operator, gone, None, "inquiry", "other", question="?", opened_on=dt.date(2026, 6, 1))
    preview = due_preview(on=MASTER_DUE)
    assert _counts(preview, "customer").due == 0
    assert preview.blocked_by_reason.get("open_case") == 1
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    gone.refresh_from_db()
    assert gone.name == "保存 満了"


def test_an_open_data_subject_request_keeps_the_customer(auditor, gone):
    dsr_receive(
        actor=auditor,
        customer=gone,
        kind="disclosure",
        channel="post",
        received_on=timezone.localdate(),
        requester_name="保存 満了",
    )
    preview = due_preview(on=MASTER_DUE)
    assert preview.blocked_by_reason == {"open_dsr": 1}
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    gone.refresh_from_db()
    assert gone.name == "保存 満了"


def test_a_later_contact_moves_the_end(auditor, gone, hq_operator):
    _backdate(gone, 12)
    today = timezone.localdate()
    assert _counts(due_preview(on=today), "customer").due == 1
    interaction_log(actor=hq_operator, customer=gone, channel="phone", subject="再度の問い合わせ")
    assert _counts(due_preview(on=today), "customer").due == 0
    assert _counts(due_preview(on=retention.add_years(today, 10)), "customer").due == 1


def test_a_shorter_period_applies_from_its_date(auditor, gone):
    services.retention_period_set(
        actor=auditor, record_type="customer", years=7, effective_from=dt.date(2034, 4, 1), basis="社内規程の改定"
    )
    assert _counts(due_preview(on=dt.date(2034, 3, 31)), "customer").due == 0  # 10 years still
    assert _counts(due_preview(on=dt.date(2034, 4, 1)), "customer").due == 1  # 7 years from 2034-04-01
    period = RetentionPeriod.objects.get(record_type="customer", effective_from=dt.date(2034, 4, 1))
    assert period.history.get().history_user == auditor
    assert AuditEvent.objects.filter(action="compliance.retention_period").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"years": 0}, "years", "1〜100年"),
        ({"basis": " "}, "basis", "根拠"),
    ],
)
def test_a_period_needs_years_and_a_basis(auditor, kwargs, field, message):
    values = {"record_type": "voice", "years": 3, "effective_from": dt.date(2027, 1, 1), "basis": "規程"} | kwargs
    with pytest.raises(ValidationError) as caught:
        services.retention_period_set(actor=auditor, **values)
    assert message in caught.value.message_dict[field][0]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"reason": ""}, "reason", "理由"),
        ({"starts_on": dt.date(2099, 1, 1)}, "starts_on", "未来"),
        ({"ends_on": dt.date(2000, 1, 1)}, "ends_on", "終了予定日"),
    ],
)
def test_a_hold_is_checked_in_japanese(auditor, gone, kwargs, field, message):
    values = {"kind": "authority", "reason": "金融庁からの照会", "starts_on": timezone.localdate()} | kwargs
    with pytest.raises(ValidationError) as caught:
        services.legal_hold_place(actor=auditor, customer=gone, **values)
    assert message in caught.value.message_dict[field][0]
    assert not LegalHold.objects.exists()


def test_only_compliance_staff_may_run_or_hold(hq_operator, gone):
    with pytest.raises(PermissionDenied):
        services.retention_execute(actor=hq_operator, on=MASTER_DUE)
    with pytest.raises(PermissionDenied):
        services.legal_hold_place(
            actor=hq_operator, customer=gone, kind="other", reason="x", starts_on=timezone.localdate()
        )


# --- the command -----------------------------------------------------------------------------


def _backdate(customer: Customer, years: int) -> None:
    """Move the customer's whole relationship `years` back (test setup, not a product write)."""
    shift = dt.timedelta(days=365 * years + years // 4 + 1)
    models.QuerySet(Customer).filter(pk=customer.pk).update(created_at=customer.created_at - shift)
    for policy in customer.policies.all():
        models.QuerySet(type(policy)).filter(pk=policy.pk).update(
            expiry=policy.expiry - shift, inception=policy.inception - shift, contract_date=policy.contract_date - shift
        )
    for note in Interaction.objects.filter(customer=customer):
        models.QuerySet(Interaction).filter(pk=note.pk).update(occurred_at=note.occurred_at - shift)


def test_the_command_runs_as_system_and_prints_json(auditor, gone, capsys):
    _backdate(gone, 12)
    call_command("retention_run", "--dry-run", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["dry_run"] is True
    assert data["run"] is None
    customer = next(t for t in data["types"] if t["record_type"] == "customer")
    assert customer["customers"] == 1
    assert customer["action"] == "anonymise"
    call_command("retention_run")
    out = capsys.readouterr().out
    assert "顧客基本情報" in out
    assert "匿名化" in out
    gone.refresh_from_db()
    assert gone.name == retention.ANONYMISED_NAME
    assert RetentionRun.objects.get().actor.username == "system"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-01"], "YYYY-MM-DD"),
        (["--date", "2999-01-01"], "未来の日付"),
        (["--user", "nobody"], "見つかりません"),
        (["--user", "hq_operator"], "だけが利用できます"),
    ],
)
def test_the_command_says_what_is_wrong_in_japanese(hq_operator, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("retention_run", *args)
    assert not RetentionRun.objects.exists()


def test_a_future_date_may_be_previewed(db):
    call_command("retention_run", "--date", "2999-01-01", "--dry-run")
    assert not RetentionRun.objects.exists()
