"""Agency staff open the survey results from the menu in a real browser: headline NPS, charts, a
filter that leaves too few answers shows 「回答数不足」, and the CSV download."""

import datetime as dt

import pytest

from tests.conftest import PASSWORD
from tests.surveys.factories import cs_manager
from tests.surveys.helpers_results import claim_survey, holders, record_scores

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agency_staff_read_their_results_and_filter_down_to_insufficient(
    page, screenshot, hq_operator, agency_a_staff, org, settings
):
    settings.TSUNAGU_SURVEY_MIN_N = 30
    survey = claim_survey(cs_manager())
    auto_a, fire_a, auto_b, _ = holders(hq_operator, [org["agency_a"], org["agency_b"]])
    record_scores(survey, auto_a, [10] * 20 + [9] * 10 + [3] * 5, dt.date(2025, 5, 10))  # 35 auto answers
    record_scores(survey, fire_a, [10] * 4, dt.date(2025, 6, 10))  # 4 fire answers
    record_scores(survey, auto_b, [0] * 40, dt.date(2025, 5, 10))  # another agency's: never counted

    login(page, "agency_a_staff", PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="アンケート結果").first.click()
    page.get_by_role("heading", name="アンケート結果").wait_for()
    headline = page.locator("#headline-nps")
    assert "+74" in headline.inner_text()  # (34 − 5) / 39 of agency A's answers only
    assert "n = 39" in headline.inner_text()
    assert page.locator("svg.chart").count() == 2
    screenshot("survey-results-agency")

    page.get_by_label("保険種目").select_option(label="火災")
    page.get_by_role("button", name="表示").click()
    page.wait_for_url("**line=fire**")
    assert "回答数不足" in page.locator("#headline-nps").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV出力").click()
    assert download.value.suggested_filename == "survey-results-claim.csv"
