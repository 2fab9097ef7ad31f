"""Demo surveys and voices: the six surveys (the interface's `claim` with nps and satisfaction) with
their rules, invitations decided by the product's rules (every reachable suppression reason, sampling,
channels by age), answers through the product's write path for about a third of the events, a claim
NPS and satisfaction in the issue's ranges, comments that differ by score, opt-outs, follow-ups worked
by staff; the voices' mix, index, 回覧 and improvements; and the load summary.

One load of N customers for the module: below the 名寄せ step's minimum (500), which would add a
minute of Splink training to every run."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import seed_case_reference_data
from tsunagu.demo.operations.surveys import COMMENTS, SURVEYS, _Draw
from tsunagu.surveys import nps as formulas
from tsunagu.surveys.choices import FollowUpStatus, InvitationStatus, SuppressionReason
from tsunagu.surveys.models import (
    FollowUp,
    Invitation,
    Response,
    ResponseAggregate,
    Survey,
    SurveyOptOut,
    TriggerRule,
)

N = 480
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("target", [-5, 30, 45, 60, 70])
def test_answers_are_drawn_around_the_target_nps(target):
    draw = _Draw("test")
    claim = next(d for d in SURVEYS if d.code == "claim")
    answers = [draw.answers(claim, target) for _ in range(6_000)]
    result = formulas.nps_from_scores([a["nps"] for a in answers], min_n=1)
    assert abs(result.score - target) <= 4
    satisfaction = [a["satisfaction"] for a in answers if "satisfaction" in a]
    if 30 <= target <= 60:
        assert 8.3 <= sum(satisfaction) / len(satisfaction) <= 9.2


def test_comments_differ_by_score_band():
    draw = _Draw("comments")
    draw.rng = random.Random(3)
    detractor = {draw.comment("detractor", "claim") for _ in range(300)} - {""}
    promoter = {draw.comment("promoter", "claim") for _ in range(300)} - {""}
    assert detractor
    assert promoter
    assert not detractor & promoter
    for text in promoter:
        assert not any(sentence in text for sentence in COMMENTS["detractor"]["claim"])


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    from django.test import override_settings

    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE=str(tmp_path_factory.mktemp("checkpoints") / "c.jsonl"),
            TSUNAGU_DOCUMENT_DIR=tmp_path_factory.mktemp("documents"),
        ),
        django_db_blocker.unblock(),
    ):
        seed_case_reference_data()
        out = StringIO()
        call_command(
            "demo_data",
            customers=N,
            seed=3,
            as_of=timezone.localdate(),
            no_progress=True,
            no_search_index=True,
            stdout=out,
        )
        yield out.getvalue()
        call_command("flush", interactive=False, verbosity=0)
        seed_case_reference_data()


def test_the_demo_defines_the_surveys_and_answers_them(demo):
    assert set(Survey.objects.values_list("code", flat=True)) >= {d.code for d in SURVEYS}
    claim = Survey.objects.get(code="claim")
    assert claim.name == "事故対応アンケート"
    codes = set(claim.versions.get(is_current=True).questions.values_list("code", flat=True))
    assert {"nps", "satisfaction", "clarity", "speed", "updates", "attitude", "ease", "comment", "contact"} <= codes
    assert "アンケート: 回答" in demo
    responses = Response.objects.count()
    assert responses > 100
    # every answer came through an invitation that is now 回答済, and about as many stayed unanswered
    answered = Invitation.objects.filter(status=InvitationStatus.ANSWERED).count()
    assert answered == responses
    unanswered = Invitation.objects.filter(status__in=[InvitationStatus.SENT, InvitationStatus.EXPIRED]).count()
    assert 0.5 * responses < unanswered < 2 * responses
    assert not Response.objects.filter(invitation__isnull=True).exists()
    # the aggregates followed the write path
    assert sum(ResponseAggregate.objects.values_list("responses", flat=True)) == responses


def test_the_demo_claim_nps_and_satisfaction_are_in_range(demo):
    out = StringIO()
    today = timezone.localdate()
    call_command(
        "voice_report",
        "--survey",
        "claim",
        "--from",
        f"{today.year - 2}-01-01",
        "--to",
        f"{today}",
        "--json",
        stdout=out,
    )

    report = json.loads(out.getvalue())
    assert report["n"] >= 15
    # the range is +30…+60 for auto claims (+40…+70 others); a small demo samples it widely
    assert 0 <= report["nps"] <= 90
    assert 7.5 <= report["mean_satisfaction"] <= 9.6
    with_comment = Response.objects.exclude(comment="")
    assert with_comment.exists()


def test_every_survey_has_its_rule_and_invitations_follow_the_rules(demo):
    rules = {r.survey.code: r for r in TriggerRule.objects.select_related("survey")}
    assert set(rules) == {d.code for d in SURVEYS}
    assert not Invitation.objects.filter(trigger__isnull=True).exists()
    # suppressed rows carry their reason, the others none; the reasons the data can produce are all there
    assert not Invitation.objects.filter(status=InvitationStatus.SUPPRESSED, suppression_reason="").exists()
    assert not Invitation.objects.exclude(status=InvitationStatus.SUPPRESSED).exclude(suppression_reason="").exists()
    reasons = set(Invitation.objects.values_list("suppression_reason", flat=True).distinct()) - {""}
    assert {SuppressionReason.RECENT_SURVEY, SuppressionReason.NO_CONSENT, SuppressionReason.OPTED_OUT} <= reasons
    assert Invitation.objects.filter(status=InvitationStatus.SAMPLED_OUT).exists()
    # an opted-out suppression is of a customer who had opted out by then; nobody is surveyed after opting out
    opt_outs = dict(SurveyOptOut.objects.values_list("customer_id", "since"))
    assert opt_outs
    for customer_id, day in Invitation.objects.filter(suppression_reason=SuppressionReason.OPTED_OUT).values_list(
        "customer_id", "event_date"
    ):
        assert opt_outs[customer_id] <= day
    surveyed = [InvitationStatus.SENT, InvitationStatus.ANSWERED, InvitationStatus.EXPIRED, InvitationStatus.SCHEDULED]
    for customer_id, day in Invitation.objects.filter(customer_id__in=opt_outs, status__in=surveyed).values_list(
        "customer_id", "event_date"
    ):
        assert day < opt_outs[customer_id]
    # never two surveys of one customer within the later rule's quiet days
    by_customer: dict[int, list[tuple[object, int]]] = {}
    for customer_id, send_on, quiet in Invitation.objects.filter(status__in=surveyed).values_list(
        "customer_id", "scheduled_for", "trigger__quiet_days"
    ):
        by_customer.setdefault(customer_id, []).append((send_on, quiet))
    for sends in by_customer.values():
        sends.sort()
        for (earlier, _), (later, quiet) in itertools.pairwise(sends):
            assert (later - earlier).days >= quiet  # type: ignore[operator]
    # the elderly get post or phone, never a web link
    today = timezone.localdate()
    for birth_date, send_on in Invitation.objects.filter(channel="web", status__in=surveyed).values_list(
        "customer__birth_date", "scheduled_for"
    ):
        if birth_date is not None:
            assert (send_on - birth_date).days < 70 * 365.25
    assert Invitation.objects.filter(status=InvitationStatus.SENT, scheduled_for__lte=today).exists() or (
        Invitation.objects.filter(status=InvitationStatus.EXPIRED).exists()
    )


def test_follow_ups_are_worked_with_outcomes(demo):
    follow_ups = FollowUp.objects.all()
    assert follow_ups.count() >= 10
    closed = follow_ups.exclude(status=FollowUpStatus.OPEN)
    assert closed.count() > follow_ups.count() * 0.7
    assert not closed.filter(outcome="").exists()
    assert not closed.filter(closed_by__isnull=True).exists()
    for answered_on, closed_at in closed.values_list("response__answered_on", "closed_at"):
        assert answered_on <= timezone.localdate(closed_at) < timezone.localdate()
    # each closing is in the row's history ("~", by the one who closed it)
    history = FollowUp.history.filter(history_type="~")
    assert history.count() == closed.count()
    assert set(history.values_list("history_user_id", flat=True)) == set(closed.values_list("closed_by_id", flat=True))
    assert FollowUp.objects.filter(status=FollowUpStatus.NOT_REACHED).exists()


def test_demo_voices_mix_index_circulations_and_improvements(demo):
    from tsunagu.voice.choices import VoiceKind
    from tsunagu.voice.models import Circulation, CirculationRead, Improvement, Voice, VoiceTerm, VoiceTermStat

    kinds = {k: Voice.objects.filter(kind=k).count() for k in VoiceKind.values}
    assert kinds[VoiceKind.PRAISE] > 2 * kinds[VoiceKind.DISSATISFACTION] > 0
    assert kinds[VoiceKind.DISSATISFACTION] > kinds[VoiceKind.REQUEST]
    voices = Voice.objects.count()
    assert voices >= 100
    # indexed like the service does: postings, document frequencies and norms
    assert not Voice.objects.filter(term_norm=0).exists()
    assert VoiceTerm.objects.values("voice").distinct().count() == voices
    for stat in VoiceTermStat.objects.order_by("?")[:20]:
        assert stat.df == VoiceTerm.objects.filter(term=stat.term).count()
    # words differ by kind: what thanks say is not what complaints say
    praise = set(Voice.objects.filter(kind=VoiceKind.PRAISE).values_list("text", flat=True))
    complaints = set(Voice.objects.filter(kind=VoiceKind.DISSATISFACTION).values_list("text", flat=True))
    assert not praise & complaints
    assert len(praise) > 0.5 * kinds[VoiceKind.PRAISE]  # varied, not a handful of fixed sentences
    assert Circulation.objects.exists()
    assert CirculationRead.objects.exists()
    assert Improvement.objects.filter(status="done").exclude(result="").exists()
    assert not Improvement.objects.filter(voices__isnull=True).exists()


def test_the_demo_login_agency_has_improvements_in_both_years(demo):
    """agency1's 件数と改善 compares this year's improvements with last year's: both exist."""
    from tsunagu.core.models import User
    from tsunagu.voice.models import Improvement

    agency = User.objects.get(username="agency1").agency
    own = Improvement.objects.filter(agency=agency)
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    heard = {voice.received_on < year_ago for improvement in own for voice in improvement.voices.all()}
    assert own.count() >= 2
    assert heard == {True, False}  # answering a voice of the last year and one of the year before
