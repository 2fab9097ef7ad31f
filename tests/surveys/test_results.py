"""Results selectors and screens: figures from the aggregates equal the rows', suppression below the
minimum n, agency scoping (another agency's figures are never shown), exports and comments."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, current_version, holders, record_random, record_scores
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.surveys import aggregates
from tsunagu.surveys import nps as formulas
from tsunagu.surveys.choices import Channel, InvitationStatus, TriggerEvent
from tsunagu.surveys.models import Invitation, Response
from tsunagu.surveys.results import ResultFilters, comments_list, results_export, results_get

pytestmark = pytest.mark.django_db
URL = reverse("surveys:results")


@pytest.fixture
def survey(db):
    return claim_survey(cs_manager())


@pytest.fixture
def people(hq_operator, org):
    return holders(hq_operator, [org["agency_a"], org["agency_b"]])


def _nps_of_rows(rows) -> formulas.NpsResult:
    return formulas.nps_from_scores([r.nps for r in rows if r.nps is not None], min_n=1)


@pytest.mark.parametrize(
    "cut",
    [
        {},
        {"line": "auto"},
        {"agency": "agency_a"},
        {"channel": Channel.POST},
        {"month_from": dt.date(2025, 4, 1), "month_to": dt.date(2025, 9, 1)},
        {"branch": "branch", "line": "fire"},
    ],
)
def test_figures_from_the_aggregates_equal_the_rows(hq_operator, org, survey, people, settings, cut):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    record_random(survey, people, 400, seed=7)
    filters = ResultFilters(survey=survey, **{k: org[v] if k in ("agency", "branch") else v for k, v in cut.items()})
    rows = Response.objects.filter(survey=survey)
    if "line" in cut:
        rows = rows.filter(line=cut["line"])
    if "agency" in cut:
        rows = rows.filter(agency=org["agency_a"])
    if "channel" in cut:
        rows = rows.filter(channel=cut["channel"])
    if "month_from" in cut:
        rows = rows.filter(answered_on__gte=cut["month_from"], answered_on__lt=dt.date(2025, 10, 1))
    rows = list(rows)
    result = results_get(user=hq_operator, filters=filters)
    expected = _nps_of_rows(rows)
    assert result.responses == len(rows)
    assert (result.nps.n, result.nps.promoters, result.nps.detractors) == (
        expected.n,
        expected.promoters,
        expected.detractors,
    )
    assert result.nps.score == expected.score
    satisfaction = [r.satisfaction for r in rows if r.satisfaction is not None]
    assert result.satisfaction.n == len(satisfaction)
    assert result.satisfaction.mean == pytest.approx(sum(satisfaction) / len(satisfaction))
    assert sum(n for _, n in result.nps_distribution) == expected.n
    assert sum(f.responses for f in result.trend) == len(rows)
    clarity = [r.answers["clarity"] for r in rows if "clarity" in r.answers]
    (driver,) = [d for d in result.drivers if d.code == "clarity"]
    assert driver.mean == pytest.approx(sum(clarity) / len(clarity))
    (speed,) = result.choices
    assert {s.label: s.count for s in speed.shares} == {
        label: sum(1 for r in rows if r.answers.get("speed") == label) for label in ("良い", "普通", "悪い")
    }


def test_fewer_answers_than_the_minimum_show_kaitousuu_fusoku(hq_operator, survey, people, client, settings):
    settings.TSUNAGU_SURVEY_MIN_N = 30
    record_scores(survey, people[0], [10] * 20 + [3] * 9, dt.date(2025, 5, 1))  # 29 answers
    result = results_get(user=hq_operator, filters=ResultFilters(survey=survey))
    assert result.nps.suppressed
    assert result.nps.n == 29
    assert result.satisfaction.suppressed
    client.force_login(hq_operator)
    page = client.get(URL, {"survey": "claim"}).content.decode()
    assert "回答数不足" in page
    assert "+38" not in page  # what 20/9 of 29 would show

    record_scores(survey, people[0], [10], dt.date(2025, 5, 2))  # the 30th
    result = results_get(user=hq_operator, filters=ResultFilters(survey=survey))
    assert result.nps.score == 40  # (21 − 9) / 30
    page = client.get(URL, {"survey": "claim"}).content.decode()
    assert "+40" in page


def test_agency_staff_see_their_own_agency_s_figures_only(agency_b_staff, hq_operator, org, survey, people, settings):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    record_scores(survey, people[0], [10, 10, 10], dt.date(2025, 5, 1))  # agency A, auto
    record_scores(survey, people[2], [0, 0], dt.date(2025, 5, 1))  # agency B, auto
    own = results_get(user=agency_b_staff, filters=ResultFilters(survey=survey))
    assert (own.nps.n, own.nps.score) == (2, -100)
    assert [b.key for b in own.breakdowns if b.key == "agency"] == []  # one agency: no table by agency
    with pytest.raises(Http404):
        results_get(user=agency_b_staff, filters=ResultFilters(survey=survey, agency=org["agency_a"]))
    everyone = results_get(user=hq_operator, filters=ResultFilters(survey=survey))
    assert everyone.nps.n == 5
    by_agency = {f.label: f.nps.n for b in everyone.breakdowns if b.key == "agency" for f in b.rows}
    assert by_agency == {org["agency_a"].name: 3, org["agency_b"].name: 2}


def test_another_agency_s_code_in_the_query_is_refused_on_the_screen(
    agency_b_staff, org, survey, people, client, settings
):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    record_scores(survey, people[0], [10, 10, 10], dt.date(2025, 5, 1))  # agency A only
    client.force_login(agency_b_staff)
    response = client.get(URL, {"survey": "claim", "agency": org["agency_a"].code})
    assert response.status_code == 200
    page = response.content.decode()
    assert "入力内容を確認してください" in page
    assert 'id="headline-nps"' not in page  # no figures at all
    export = client.get(reverse("surveys:results_export", args=["csv"]), {"agency": org["agency_a"].code})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/html")  # the screen with the error, not a file


def test_roles_without_results_get_403(auditor, client):
    client.force_login(auditor)
    assert client.get(URL).status_code == 403
    with pytest.raises(PermissionDenied):
        results_get(user=auditor, filters=ResultFilters())


def test_the_dashboard_shows_charts_tables_and_breakdowns(hq_operator, survey, people, client, settings):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    record_random(survey, people, 200, seed=3)
    client.force_login(hq_operator)
    page = client.get(URL).content.decode()  # the claim survey by default
    assert page.count('<svg class="chart"') == 2
    for heading in ("推奨度の分布", "月別の推移", "保険種目別", "代理店別", "回答方法別", "満足度の要因", "対応の早さ"):
        assert heading in page


def test_csv_export_has_the_shown_tables_and_is_logged(hq_operator, survey, people, settings):
    settings.TSUNAGU_SURVEY_MIN_N = 1
    record_scores(survey, people[0], [10, 9, 8, 2], dt.date(2025, 5, 1))
    exported = results_export(user=hq_operator, filters=ResultFilters(survey=survey), file_format="csv")
    text = exported.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["表", "項目", "回答数"]
    assert rows[1][:8] == ["全体", "全体", "4", "4", "2", "1", "1", "+25"]
    assert rows[2][:2] == ["月別", "2025/05"]
    assert AccessLog.objects.filter(
        user=hq_operator, purpose=AccessPurpose.EXPORT, screen="アンケート結果の出力"
    ).exists()
    xlsx = results_export(user=hq_operator, filters=ResultFilters(survey=survey), file_format="xlsx")
    assert xlsx.content[:2] == b"PK"
    with pytest.raises(Http404):
        results_export(user=hq_operator, filters=ResultFilters(survey=survey), file_format="pdf")


def test_comments_are_scoped_and_logged(agency_a_staff, agency_b_staff, survey, people):
    version = current_version(survey)
    from tsunagu.core.services import system_user
    from tsunagu.surveys.services.responses import ResponseInput, responses_record

    a, b = people[0], people[2]
    responses_record(
        actor=system_user(),
        version=version,
        channel=Channel.POST,
        rows=[
            ResponseInput(a.customer, {"nps": 2, "comment": "連絡が遅かった"}, dt.date(2025, 5, 1), policy=a.policy),
            ResponseInput(b.customer, {"nps": 10, "comment": "親切でした"}, dt.date(2025, 5, 2), policy=b.policy),
        ],
    )
    page = comments_list(user=agency_a_staff, filters=ResultFilters(survey=survey))
    assert [r.comment for r in page] == ["連絡が遅かった"]
    assert AccessLog.objects.filter(user=agency_a_staff, customer_id=a.customer.pk).exists()
    assert not AccessLog.objects.filter(user=agency_a_staff, customer_id=b.customer.pk).exists()
    assert [r.comment for r in comments_list(user=agency_b_staff, filters=ResultFilters(survey=survey))] == [
        "親切でした"
    ]


def test_response_rate_is_answered_over_sent_invitations_of_the_period(hq_operator, org, survey, people):
    version = current_version(survey)
    holder = people[0]
    sent_at = timezone.make_aware(dt.datetime(2025, 5, 10, 10, 0))
    for status in (InvitationStatus.SENT, InvitationStatus.SENT, InvitationStatus.EXPIRED, InvitationStatus.ANSWERED):
        Invitation.objects.create(
            version=version,
            event=TriggerEvent.CLAIM_CLOSED,
            event_date=dt.date(2025, 5, 1),
            customer=holder.customer,
            policy=holder.policy,
            agency=org["agency_a"],
            channel=Channel.WEB,
            status=status,
            scheduled_for=dt.date(2025, 5, 8),
            sent_at=sent_at,
        )
    Invitation.objects.create(  # scheduled, never sent: not counted
        version=version,
        event=TriggerEvent.CLAIM_CLOSED,
        event_date=dt.date(2025, 5, 1),
        customer=holder.customer,
        channel=Channel.WEB,
        scheduled_for=dt.date(2025, 5, 8),
    )
    aggregates.rebuild(survey)  # rows written here, not by the send service: the rollup is recomputed
    may = ResultFilters(survey=survey, month_from=dt.date(2025, 5, 1), month_to=dt.date(2025, 5, 1))
    rate = results_get(user=hq_operator, filters=may).response_rate
    assert (rate.sent, rate.answered, rate.display) == (4, 1, "25.0%")
    june = ResultFilters(survey=survey, month_from=dt.date(2025, 6, 1))
    assert results_get(user=hq_operator, filters=june).response_rate.rate is None
