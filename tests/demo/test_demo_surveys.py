"""Demo surveys: the six surveys (the interface's `claim` with nps and satisfaction), answers through
the product's write path for about a third of the events, a claim NPS and satisfaction in the issue's
ranges, comments that differ by score, and the load summary."""

from __future__ import annotations

import json
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import seed_case_reference_data
from tsunagu.demo.operations.surveys import COMMENTS, SURVEYS, _Draw
from tsunagu.surveys import nps as formulas
from tsunagu.surveys.choices import InvitationStatus
from tsunagu.surveys.models import Invitation, Response, ResponseAggregate, Survey

N = 600
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
    assert Invitation.objects.filter(status=InvitationStatus.SENT).count() > responses * 0.5
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
