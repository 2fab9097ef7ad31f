"""Planning (every suppression reason the data can hold, channels, idempotency, each event kind),
sending (web tokens, the 送付リスト), expiry, the daily command and the 送付ルール service."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.core import writes
from tsunagu.core.choices import AccessPurpose, AuditAction
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.core.services import system_user
from tsunagu.policies.choices import ClaimStatus, ReportChannel
from tsunagu.policies.models import Claim, Policy
from tsunagu.surveys.choices import Channel, InvitationStatus, SuppressionReason, TriggerEvent
from tsunagu.surveys.models import Invitation, TriggerRule
from tsunagu.surveys.services.invitations import (
    TriggerRuleInput,
    answer_number,
    invitation_id_from_answer_number,
    invitations_plan,
    invitations_send,
    send_list_days,
    send_list_export,
    trigger_rule_save,
)
from tsunagu.surveys.services.responses import ResponseInput, responses_record, survey_opt_out, token_hash

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)
SEND_DAY = DAY + dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def document_dir(settings, tmp_path):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"
    settings.TSUNAGU_PUBLIC_BASE_URL = "https://survey.example.jp"


@pytest.fixture
def manager(org):
    return cs_manager()


@pytest.fixture
def survey(manager):
    return claim_survey(manager)


def _rule(manager, survey, **kw) -> TriggerRule:
    data = TriggerRuleInput(survey=survey, event=kw.pop("event", TriggerEvent.CLAIM_CLOSED), **kw)
    return trigger_rule_save(actor=manager, rule=None, data=data)


_claims = iter(range(1, 10_000))


def _claim(actor, customer, agency, *, closed_on=DAY, line="auto") -> Claim:
    policy = make_policy(actor, customer, agency=agency, line=line)
    return Claim.objects.create(
        number=f"J2026{next(_claims):06d}",
        policy=policy,
        accident_date=DAY - dt.timedelta(days=30),
        accident_place="東京都千代田区",
        accident_type="車両",
        reported_on=DAY - dt.timedelta(days=29),
        reported_via=ReportChannel.CALL_CENTER,
        status=ClaimStatus.PAID,
        closed_on=closed_on,
    )


def _complaint(actor, customer) -> Case:
    return Case.objects.create(
        number=f"C{customer.pk:08d}",
        case_type=CaseType.COMPLAINT,
        channel=CaseChannel.PHONE,
        customer=customer,
        subject="対応への不満",
        opened_on=DAY - dt.timedelta(days=3),
        due_date=DAY + dt.timedelta(days=10),
        created_by=actor,
    )


@pytest.fixture
def customers(hq_operator, org, survey):
    agency = org["agency_a"]
    people = {
        "ok": make_customer(hq_operator, agency=agency),
        "elderly": make_customer(hq_operator, agency=agency, birth_date=dt.date(1950, 4, 1)),
        "no_email": make_customer(hq_operator, agency=agency, emails=[]),
        "opted_out": make_customer(hq_operator, agency=agency),
        "no_consent": make_customer(hq_operator, agency=agency, contact_consent=False),
        "complaint": make_customer(hq_operator, agency=agency),
        "recent": make_customer(hq_operator, agency=agency),
        "no_contact": make_customer(hq_operator, agency=agency, addresses=[], phones=[], emails=[]),
    }
    survey_opt_out(actor=hq_operator, customer=people["opted_out"], since=DAY - dt.timedelta(days=100))
    _complaint(hq_operator, people["complaint"])
    claims = {name: _claim(hq_operator, customer, agency) for name, customer in people.items()}
    responses_record(
        actor=hq_operator,
        version=survey.versions.get(),
        channel=Channel.PHONE,
        rows=[ResponseInput(customer=people["recent"], answers={"nps": 9}, answered_on=DAY - dt.timedelta(days=40))],
    )
    return {"people": people, "claims": claims}


def _by_customer():
    return {inv.customer_id: inv for inv in Invitation.objects.all()}


def test_planning_records_each_suppression_with_its_reason_and_the_channel(manager, survey, customers, org):
    _rule(manager, survey)
    result = invitations_plan(actor=system_user(), on=DAY)

    people = customers["people"]
    made = _by_customer()
    expected = {
        "ok": (InvitationStatus.SCHEDULED, "", Channel.WEB),
        "elderly": (InvitationStatus.SCHEDULED, "", Channel.POST),  # 76 on the send date: post, not a web link
        "no_email": (InvitationStatus.SCHEDULED, "", Channel.POST),
        "opted_out": (InvitationStatus.SUPPRESSED, SuppressionReason.OPTED_OUT, Channel.WEB),
        "no_consent": (InvitationStatus.SUPPRESSED, SuppressionReason.NO_CONSENT, Channel.WEB),
        "complaint": (InvitationStatus.SUPPRESSED, SuppressionReason.OPEN_COMPLAINT, Channel.WEB),
        "recent": (InvitationStatus.SUPPRESSED, SuppressionReason.RECENT_SURVEY, Channel.WEB),
        "no_contact": (InvitationStatus.SUPPRESSED, SuppressionReason.NO_CONTACT, Channel.WEB),
    }
    assert {
        name: (made[c.pk].status, made[c.pk].suppression_reason, made[c.pk].channel) for name, c in people.items()
    } == (expected)
    ok = made[people["ok"].pk]
    assert (ok.event, ok.event_date, ok.scheduled_for) == (TriggerEvent.CLAIM_CLOSED, DAY, SEND_DAY)
    assert ok.claim == customers["claims"]["ok"]
    assert ok.policy == customers["claims"]["ok"].policy
    assert ok.agency == org["agency_a"]
    assert ok.history.get().history_user == system_user()
    assert (result.created, result.scheduled, result.suppressed_total, result.sampled_out) == (8, 3, 5, 0)
    assert "送付抑止 5件" in result.summary()
    assert "アンケート辞退 1" in result.summary()
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_INVITATIONS_PLAN).count() == 1


def test_planning_a_day_twice_creates_nothing_new(manager, survey, customers):
    _rule(manager, survey)
    first = invitations_plan(actor=system_user(), on=DAY)
    second = invitations_plan(actor=system_user(), on=DAY)
    assert first.created == 8
    assert second.created == 0
    assert Invitation.objects.count() == 8


def test_a_second_rule_on_the_same_event_is_suppressed_as_a_recent_survey(manager, survey, customers):
    _rule(manager, survey)
    other = claim_survey(manager, code="claim2")
    _rule(manager, other, channel=Channel.POST)
    invitations_plan(actor=system_user(), on=DAY)
    ok = customers["people"]["ok"]
    statuses = sorted(Invitation.objects.filter(customer=ok).values_list("status", "suppression_reason"))
    assert statuses == [
        (InvitationStatus.SCHEDULED, ""),
        (InvitationStatus.SUPPRESSED, SuppressionReason.RECENT_SURVEY),
    ]


def test_sampling_out_and_rules_for_other_lines_and_inactive_rules(manager, survey, customers):
    _rule(manager, survey, sampling_rate=Decimal(0))
    _rule(manager, claim_survey(manager, code="fire"), line="fire")
    inactive = claim_survey(manager, code="inactive")
    _rule(manager, inactive, is_active=False)
    invitations_plan(actor=system_user(), on=DAY)
    ok = Invitation.objects.get(customer=customers["people"]["ok"])
    assert ok.status == InvitationStatus.SAMPLED_OUT
    assert Invitation.objects.filter(trigger__line="fire").count() == 0
    assert Invitation.objects.filter(version__survey=inactive).count() == 0


def test_every_event_kind(manager, survey, hq_operator, org):
    agency = org["agency_a"]
    for event in TriggerEvent.values:
        _rule(manager, claim_survey(manager, code=event.replace("_", "-")), event=event, quiet_days=0)
    people = [make_customer(hq_operator, agency=agency) for _ in range(6)]
    new = make_policy(hq_operator, people[0], agency=agency, contract_date=DAY, inception=DAY)
    renewed = make_policy(
        hq_operator,
        people[1],
        agency=agency,
        contract_date=DAY,
        inception=DAY + dt.timedelta(days=30),
        expiry=DAY + dt.timedelta(days=395),
        previous_policy=make_policy(hq_operator, people[1], agency=agency),
    )
    cancelled = make_policy(hq_operator, people[2], agency=agency)
    writes.update_rows(Policy.objects.filter(pk=cancelled.pk), actor=hq_operator, cancellation_date=DAY)
    yearly = make_policy(
        hq_operator,
        people[3],
        agency=agency,
        contract_date=DAY.replace(year=2025),
        inception=DAY.replace(year=2025),
        expiry=DAY.replace(year=2027),
    )
    claim = _claim(hq_operator, people[4], agency)
    closed_at = timezone.make_aware(dt.datetime.combine(DAY, dt.time(15)))
    case = Case.objects.create(
        number="C-INQ-1",
        case_type=CaseType.INQUIRY,
        channel=CaseChannel.PHONE,
        customer=people[5],
        subject="補償内容の確認",
        opened_on=DAY,
        due_date=DAY,
        status=CaseStatus.COMPLETED,
        closed_at=closed_at,
        is_open=False,
        created_by=hq_operator,
    )
    invitations_plan(actor=system_user(), on=DAY)
    found = {inv.event: inv for inv in Invitation.objects.filter(status=InvitationStatus.SCHEDULED)}
    assert found[TriggerEvent.NEW_CONTRACT].policy == new
    assert found[TriggerEvent.RENEWAL_DONE].policy == renewed
    assert found[TriggerEvent.CANCELLATION_COMPLETED].policy == cancelled
    assert found[TriggerEvent.RELATIONAL_YEARLY].policy == yearly
    assert found[TriggerEvent.CLAIM_CLOSED].claim == claim
    assert found[TriggerEvent.CASE_CLOSED].case == case
    assert invitations_plan(actor=system_user(), on=DAY).created == 0


def test_sending_makes_web_links_and_the_send_list(manager, survey, customers, settings):
    _rule(manager, survey)
    invitations_plan(actor=system_user(), on=DAY)
    assert invitations_send(actor=system_user(), on=SEND_DAY - dt.timedelta(days=1)).sent_total == 0

    result = invitations_send(actor=system_user(), on=SEND_DAY)

    assert dict(result.sent) == {Channel.WEB: 1, Channel.POST: 2}
    sent = Invitation.objects.filter(status=InvitationStatus.SENT)
    assert sent.count() == 3
    assert all(inv.expires_on == SEND_DAY + dt.timedelta(days=30) for inv in sent)
    assert all(timezone.localtime(inv.sent_at).date() == SEND_DAY for inv in sent)
    web = sent.get(channel=Channel.WEB)
    post = sent.filter(channel=Channel.POST).exclude(token_hash__isnull=False)
    assert post.count() == 2

    exported = send_list_export(user=manager, on=SEND_DAY, file_format="csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    assert exported.rows == 3
    web_row = next(r for r in rows if r["送付方法"] == "Web")
    token = web_row["回答URL"].rsplit("/", 2)[-2]
    assert web_row["回答URL"].startswith("https://survey.example.jp/surveys/r/")
    assert token_hash(token) == web.token_hash
    assert web_row["メールアドレス"] == "taro@example.jp"
    assert web_row["住所"] == ""
    post_row = next(r for r in rows if r["送付方法"] == "郵送(はがき)")
    assert post_row["回答URL"] == ""
    assert post_row["郵便番号"] == "100-0001"
    assert post_row["住所"].startswith("東京都千代田区")
    assert invitation_id_from_answer_number(post_row["回答番号"]) in set(sent.values_list("pk", flat=True))
    assert post_row["回答期限"] == f"{SEND_DAY + dt.timedelta(days=30):%Y/%m/%d}"

    log = AccessLog.objects.filter(user=manager, purpose=AccessPurpose.EXPORT)
    assert set(log.values_list("customer_id", flat=True)) == set(sent.values_list("customer_id", flat=True))
    assert send_list_days(user=manager) == [(SEND_DAY, 3, True)]
    xlsx = send_list_export(user=manager, on=SEND_DAY, file_format="xlsx")
    assert xlsx.content[:2] == b"PK"

    # Sending the day again sends nothing and keeps the list.
    assert invitations_send(actor=system_user(), on=SEND_DAY).sent_total == 0
    again = send_list_export(user=manager, on=SEND_DAY, file_format="csv")
    assert again.content == exported.content

    # A day sent without a stored list (invitations loaded from another system) offers no download.
    earlier = SEND_DAY - dt.timedelta(days=40)
    loaded = sent.first()
    Invitation.objects.create(
        version=loaded.version,
        event=loaded.event,
        event_date=earlier,
        customer=loaded.customer,
        channel=loaded.channel,
        status=InvitationStatus.SENT,
        scheduled_for=earlier,
        sent_at=dt.datetime.combine(earlier, dt.time(9), tzinfo=dt.UTC),
    )
    assert (earlier, 1, False) in send_list_days(user=manager)


def test_the_send_list_is_for_head_office(manager, survey, customers, agency_a_staff):
    _rule(manager, survey)
    invitations_plan(actor=system_user(), on=DAY)
    invitations_send(actor=system_user(), on=SEND_DAY)
    with pytest.raises(PermissionDenied):
        send_list_export(user=agency_a_staff, on=SEND_DAY, file_format="csv")
    with pytest.raises(PermissionDenied):
        invitations_plan(actor=agency_a_staff, on=DAY)


def test_unanswered_invitations_expire_answered_ones_do_not(manager, survey, customers, hq_operator):
    _rule(manager, survey)
    invitations_plan(actor=system_user(), on=DAY)
    invitations_send(actor=system_user(), on=SEND_DAY)
    answered = Invitation.objects.filter(channel=Channel.POST).first()
    responses_record(
        actor=hq_operator,
        version=survey.versions.get(),
        channel=Channel.POST,
        rows=[ResponseInput(customer=answered.customer, answers={"nps": 8}, answered_on=SEND_DAY, invitation=answered)],
    )
    last_day = SEND_DAY + dt.timedelta(days=30)
    assert invitations_send(actor=system_user(), on=last_day).expired == 0  # the last day to answer
    result = invitations_send(actor=system_user(), on=last_day + dt.timedelta(days=1))
    assert result.expired == 2
    assert Invitation.objects.get(pk=answered.pk).status == InvitationStatus.ANSWERED
    assert Invitation.objects.filter(status=InvitationStatus.EXPIRED).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_INVITATIONS_EXPIRE).count() == 1


def test_the_daily_command(manager, survey, customers):
    _rule(manager, survey)
    out = io.StringIO()
    call_command("survey_invitations", "--date", DAY.isoformat(), stdout=out)
    assert "2026/06/01 の契機から送付を計画: 新規 8件(送付予定 3件" in out.getvalue()
    out = io.StringIO()
    call_command("survey_invitations", "--date", SEND_DAY.isoformat(), stdout=out)
    assert "2026/06/08 送付 3件(Web 1、郵送(はがき) 2)" in out.getvalue()
    assert "送付リスト: surveys/send-lists/2026-06-08.csv" in out.getvalue()


@pytest.mark.parametrize("bad", ["2026-13-01", "6/1", "tomorrow"])
def test_the_daily_command_refuses_a_bad_date_in_japanese(bad):
    with pytest.raises(CommandError, match="--date には YYYY-MM-DD 形式の日付を指定してください"):
        call_command("survey_invitations", "--date", bad)


def test_answer_numbers_round_trip():
    assert answer_number(123) == "Q000000123"
    assert invitation_id_from_answer_number("q000000123") == 123
    assert invitation_id_from_answer_number("Ｑ０００００００１２３") == 123
    assert invitation_id_from_answer_number("abc") is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"case_type": "inquiry"}, "case_type", "案件種別は契機が「案件の完了」のときだけ指定できます。"),
        ({"event": TriggerEvent.CASE_CLOSED, "case_type": "complaint"}, "case_type", "苦情以外の案件種別"),
        ({"delay_days": 181}, "delay_days", "送付までの日数は0〜180日で入力してください。"),
        ({"sampling_rate": Decimal("1.5")}, "sampling_rate", "抽出率は0〜1"),
        ({"channel": Channel.IMPORT}, "channel", "送付方法はWeb・郵送(はがき)・電話から選択してください。"),
        ({"quiet_days": 1000}, "quiet_days", "再送付しない日数は0〜730日"),
        ({"line": "space"}, "line", "保険種目を選択してください。"),
    ],
)
def test_rule_validation_in_japanese(manager, survey, changes, field, message):
    values = {"event": TriggerEvent.CLAIM_CLOSED, **changes}
    with pytest.raises(ValidationError) as error:
        trigger_rule_save(actor=manager, rule=None, data=TriggerRuleInput(survey=survey, **values))
    assert message in error.value.message_dict[field][0]
    assert not TriggerRule.objects.exists()


def test_rule_save_refuses_a_twin_and_records_changes(manager, survey, hq_operator):
    rule = _rule(manager, survey)
    with pytest.raises(ValidationError, match="有効なルールが既にあります"):
        _rule(manager, survey)
    changed = trigger_rule_save(
        actor=manager, rule=rule, data=TriggerRuleInput(survey=survey, event=TriggerEvent.CLAIM_CLOSED, delay_days=14)
    )
    assert changed.delay_days == 14
    assert changed.history.first().history_user == manager
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_TRIGGER_SAVE).count() == 2
    with pytest.raises(PermissionDenied):
        trigger_rule_save(actor=hq_operator, rule=rule, data=TriggerRuleInput(survey=survey, event="claim_closed"))
