"""Fixes from the third browser walk of the analytics module (issue 14): the uplift's interval when one
group has no variance, conversions of next-product entries by the proposed line only (uplift and the
conversion model's label), the list page's counts for branch and agency staff with thousands
separators, the results import of the worklist's XLSX export and its Japanese file errors, the
retention drill-down naming the agency, the retention XLSX with numbers, and the customer page's
scores in the models' order without the proposed line twice."""

from __future__ import annotations

import datetime as dt
import io
import re

import polars as pl
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.analytics.helpers import model_version_for_tests
from tests.analytics.test_retention import departments, supervisor, winback_book  # noqa: F401
from tests.analytics.test_target_lists import _create, _upload, analyst, book  # noqa: F401
from tests.conftest import PASSWORD, make_policy
from tsunagu.analytics import conversion, selectors, target_selectors, target_services
from tsunagu.analytics.choices import EntryResult, ListBasis
from tsunagu.analytics.models import Score, TargetEntry
from tsunagu.analytics.retention_selectors import Period, criteria_text
from tsunagu.analytics.uplift import Group, uplift
from tsunagu.core import writes
from tsunagu.documents.xlsx import xlsx
from tsunagu.policies.choices import LineOfBusiness
from tsunagu.policies.models import Policy

LIST_DATE = dt.date(2026, 4, 1)  # `_create`'s as-of date


def _mine(target, book):  # noqa: F811
    return list(target.entries.filter(customer__in=book["a"], is_control=False).order_by("pk"))


# --- the uplift's interval with a group at 0% or 100% --------------------------------------------


def test_a_control_group_without_conversions_no_longer_makes_a_small_difference_significant():
    # The walk: 5 of 333 converted in the worklist, 0 of 83 in the control group; the Wald interval
    # (control variance 0) was 0.2 〜 2.8 points, 「有意」.
    result = uplift(Group(333, 5), Group(83, 0))
    assert result.uplift == pytest.approx(5 / 333)  # the difference shown is still the observed one
    assert result.low is not None
    assert result.high is not None
    assert result.low < 0 < result.high
    assert not result.significant


def test_two_of_two_control_customers_converted_is_no_significant_negative_uplift():
    # The walk: an agency with 15 of 26 converted against 2 of 2 in the control group was 「有意」 (−61 〜 −23).
    result = uplift(Group(26, 15), Group(2, 2))
    assert result.low is not None
    assert result.high is not None
    assert result.low < 0 < result.high
    assert not result.significant


def test_the_agresti_caffo_interval_when_one_group_has_no_variance():
    result = uplift(Group(100, 30), Group(50, 0))
    a1, a0 = 31 / 102, 1 / 52
    half = 1.959963984540054 * (a1 * (1 - a1) / 102 + a0 * (1 - a0) / 52) ** 0.5
    assert (result.low, result.high) == (pytest.approx(a1 - a0 - half), pytest.approx(a1 - a0 + half))
    assert result.significant  # a real effect stays significant


# --- conversions of next-product entries: the proposed line only -----------------------------------


@pytest.fixture
def fire_list(analyst, book):  # noqa: F811
    """A next-product list proposing 火災 to agency A's automobile customers."""
    model = model_version_for_tests(trained_by=analyst, is_active=True, kind="next_product")
    for rank, customer in enumerate(book["a"]):
        Score.objects.create(
            customer=customer, kind="next_product", model=model, score=0.9 - rank / 40, product_line="fire",
            reasons=[{"feature": "candidate_line", "text": "提案する種目: 火災"}], marketing_allowed=True,
            as_of=LIST_DATE, scored_at=timezone.now(),
        )  # fmt: skip
    return _create(analyst, basis=ListBasis.NEXT_PRODUCT, score_kind="next_product")


def test_a_new_contract_of_another_line_is_no_conversion_of_a_next_product_entry(
    analyst,  # noqa: F811
    book,  # noqa: F811
    hq_operator,
    org,
    fire_list,
):
    first, second = _mine(fire_list, book)[:2]
    assert first.product_line == "fire"
    later = LIST_DATE + dt.timedelta(days=10)
    # `first` buys a personal-accident policy (not proposed), `second` a fire policy (proposed).
    make_policy(hq_operator, first.customer, agency=org["agency_a"], line=LineOfBusiness.PERSONAL_ACCIDENT,
                contract_date=later, inception=later)  # fmt: skip
    make_policy(hq_operator, second.customer, agency=org["agency_a"], line=LineOfBusiness.FIRE,
                contract_date=later, inception=later)  # fmt: skip
    [row] = target_selectors.uplift_report(user=analyst, target=fire_list, by="list")
    assert row.result.treatment.converted == 1
    converted = dict(
        TargetEntry.objects.filter(pk__in=[first.pk, second.pk])
        .annotate(c=target_selectors._converted(fire_list))
        .values_list("pk", "c")
    )
    assert converted == {first.pk: 0, second.pk: 1}


def test_a_campaign_entry_still_converts_by_any_new_contract(analyst, book, hq_operator, org):  # noqa: F811
    target = _create(analyst)
    entry = _mine(target, book)[0]
    assert entry.product_line == ""
    writes.update_rows(Policy.objects.all(), actor=hq_operator, contract_date=LIST_DATE - dt.timedelta(days=400))
    later = LIST_DATE + dt.timedelta(days=10)
    make_policy(hq_operator, entry.customer, agency=org["agency_a"], line=LineOfBusiness.PERSONAL_ACCIDENT,
                contract_date=later, inception=later)  # fmt: skip
    [row] = target_selectors.uplift_report(user=analyst, target=target, by="list")
    assert row.result.treatment.converted == 1


def test_the_conversion_label_follows_the_proposed_line_too():
    entries = pl.DataFrame(
        {
            "entry_id": [1, 2, 3],
            "customer_id": [10, 20, 30],
            "list_as_of": [LIST_DATE] * 3,
            "line": ["fire", "fire", None],
            "won_on": [None, None, None],
        },
        schema_overrides={"won_on": pl.Date},
    )
    later = LIST_DATE + dt.timedelta(days=20)
    policies = pl.DataFrame(
        {
            "customer_id": [10, 20, 30],
            "contract_date": [later] * 3,
            "line": ["personal_accident", "fire", "auto"],
            "previous_policy_id": [None, None, None],
        },
        schema_overrides={"previous_policy_id": pl.Int64},
    )

    class Book:
        pass

    book_ = Book()
    book_.policies = policies  # type: ignore[attr-defined]
    labelled = conversion.labels(book_, entries, until=LIST_DATE + dt.timedelta(days=200))  # type: ignore[arg-type]
    assert dict(zip(labelled["entry_id"], labelled[conversion.TARGET], strict=True)) == {1: 0, 2: 1, 3: 1}


# --- the list page: the viewer's part and thousands separators ------------------------------------------


def test_agency_staff_see_their_part_of_the_list_beside_the_whole(client, analyst, book, agency_a_staff):  # noqa: F811
    target = _create(analyst)
    mine = target.entries.filter(customer__in=book["a"])
    treatment, control = mine.filter(is_control=False).count(), mine.filter(is_control=True).count()
    assert treatment < target.treatment_count
    client.login(username="agency_a_staff", password=PASSWORD)
    page = client.get(reverse("analytics:target_list", args=[target.pk])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert f"あなたの担当範囲: ワークリスト {treatment}人、対照群 {control}人" in text
    assert f"リスト全体: ワークリスト {target.treatment_count}人" in text
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:target_list", args=[target.pk])).content.decode()
    assert "あなたの担当範囲: ワークリスト" not in page


def test_the_list_page_writes_large_counts_with_separators(client, analyst, book):  # noqa: F811
    target = _create(analyst)
    writes.update_rows(type(target).objects.filter(pk=target.pk), actor=analyst, treatment_count=123456,
                       control_count=13717)  # fmt: skip
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:target_list", args=[target.pk])).content.decode()
    assert "ワークリスト 123,456人、対照群 13,717人" in page
    index = client.get(reverse("analytics:targets")).content.decode()
    assert "123,456" in index


# --- the results import: the worklist's XLSX export, and Japanese file errors -------------------------


def test_the_worklist_xlsx_export_imports_back_with_a_result(client, analyst, book, agency_a_staff):  # noqa: F811
    target = _create(analyst)
    client.login(username="agency_a_staff", password=PASSWORD)
    exported = client.get(reverse("analytics:target_export", args=[target.pk]), {"format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(exported)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    rows[1][header.index("結果")] = "辞退"
    rows[1][header.index("メモ")] = "検討しない"
    edited = xlsx(rows, numbers=True)
    outcome = target_services.target_results_import(actor=agency_a_staff, target=target, data=edited)
    assert (outcome.errors, outcome.applied, outcome.unchanged) == ([], 1, len(rows) - 2)
    entry = target.entries.get(customer__pk=int(rows[1][0][1:]))
    assert (entry.result, entry.result_note) == (EntryResult.DECLINED, "検討しない")
    assert entry.history.first().history_change_reason == "活動結果の取込(XLSX)"


def test_a_damaged_xlsx_gets_a_japanese_error_not_a_missing_header(analyst, book, agency_a_staff):  # noqa: F811
    target = _create(analyst)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        target_services.target_results_import(actor=agency_a_staff, target=target, data=b"PK\x03\x04garbage\xff")
    assert "XLSX ファイルを読み取れません" in " ".join(error.value.messages)


def test_the_import_without_a_file_or_with_an_empty_one_says_so_in_japanese(client, analyst, book, agency_a_staff):  # noqa: F811
    target = _create(analyst)
    client.login(username="agency_a_staff", password=PASSWORD)
    url = reverse("analytics:target_import", args=[target.pk])
    page = client.post(url, {}).content.decode()
    assert "取り込むファイル(CSV または XLSX)を選んでください。" in page
    assert "このフィールドは必須です" not in page
    page = client.post(url, {"file": _upload(b"")}).content.decode()
    assert "ファイルが空です" in page


# --- 解約防止分析: the drill-down names the agency; the XLSX holds numbers ---------------------------------


def test_the_drill_down_names_the_agency_not_its_id(org):
    agency = org["agency_a"]
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30), 90)
    lines = criteria_text({"agency": str(agency.pk)}, period)
    assert f"代理店 {agency.name}" in lines
    assert not any("#" in line for line in lines)
    assert "代理店 —" in criteria_text({"agency": "999999"}, period)


def test_the_retention_xlsx_holds_counts_as_numbers(client, analyst):  # noqa: F811
    client.login(username="analyst", password=PASSWORD)
    response = client.get(reverse("analytics:retention_export"), {"table": "reason", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "合計")
    assert total[1] == 0  # 申出件数, a number (was the text "0")
    assert isinstance(total[1], int)


# --- the customer page's scores -------------------------------------------------------------------------


def test_the_customer_page_lists_scores_in_the_models_order_without_the_line_twice(hq_operator, book):  # noqa: F811
    customer = book["b"][0]
    for kind, line, reasons in [
        ("conversion", "", [{"feature": "tenure_years", "text": "取引年数 0.6年"}]),
        ("next_product", "liability", [{"feature": "candidate_line", "text": "提案する種目: 賠償責任"},
                                       {"feature": "annual_premium", "text": "年間保険料 60,000円"}]),
        ("churn", "", [{"feature": "days_to_expiry", "text": "満期まで 30日"}]),
    ]:  # fmt: skip
        model = model_version_for_tests(trained_by=hq_operator, is_active=True, kind=kind)
        Score.objects.create(
            customer=customer, kind=kind, model=model, score=0.3, product_line=line, reasons=reasons,
            marketing_allowed=True, as_of=LIST_DATE, scored_at=timezone.now(),
        )  # fmt: skip
    shown = selectors.customer_scores(user=hq_operator, customer=customer)
    assert [s.kind for s in shown] == ["churn", "next_product", "conversion"]
    assert shown[1].product_line == "賠償責任"
    assert shown[1].reasons == ["年間保険料 60,000円"]


# --- the win-back list holds out a control group like every list ------------------------------------


def test_a_win_back_list_without_a_control_group_is_refused(client, analyst):  # noqa: F811
    from django.core.exceptions import ValidationError

    from tsunagu.analytics import retention_services
    from tsunagu.analytics.retention_forms import WinBackListForm

    with pytest.raises(ValidationError) as error:
        retention_services.winback_list_create(
            actor=analyst, name="取り戻し", start=dt.date(2026, 11, 1), end=dt.date(2027, 2, 28), lead_days=60,
            today=dt.date(2026, 12, 6), control_percent=0,
        )  # fmt: skip
    assert "対照群の割合は1〜50%" in error.value.message_dict["control_percent"][0]
    form = WinBackListForm(
        {"name": "取り戻し", "control_percent": "0", "talking_points": "ご案内"}, today=dt.date(2026, 12, 6)
    )
    assert not form.is_valid()
    assert "どのリストにも対照群を残します" in form.errors["control_percent"][0]


# --- the model page: counts with separators, the calibration deciles' direction -------------------------


def test_the_model_page_writes_counts_with_separators_and_names_the_decile_order(client, analyst):  # noqa: F811
    from tsunagu.analytics.models import ModelVersion

    version = model_version_for_tests(trained_by=analyst, is_active=True)
    gains = [{"top_share": 0.1, "rows": 1315, "positives": 1052.0, "gain": 0.3, "lift": 3.0}]
    calibration = [{"rows": 1184, "predicted": 0.05, "observed": 0.06}]
    metrics = {
        "train_rows": 12345,
        "lightgbm": {"auc": 0.7, "rows": 23456, "positives": 3456, "gains": gains, "calibration": calibration},
    }
    ModelVersion.objects.filter(pk=version.pk).update(metrics=metrics)
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:model", args=[version.pk])).content.decode()
    for figure in ("12,345件", "23,456件", "陽性 3,456件", ">1,315<", ">1,052<", ">1,184<"):
        assert figure in page, figure
    assert "スコアの十分位(1 = 最も低い)" in page


# --- the win-back list can be downloaded (CSV/XLSX), logged as an export ---------------------------------


def test_the_win_back_list_downloads_as_csv_and_xlsx_logged_as_an_export(client, supervisor, winback_book):  # noqa: F811
    from tsunagu.analytics import retention_selectors
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.core.models import AccessLog

    window = {"start": "2026-11-01", "end": "2026-12-31", "lead_days": "60"}
    client.login(username="cc_supervisor", password=PASSWORD)
    page = client.get(reverse("analytics:retention_winback"), window).content.decode()
    assert (
        "/analytics/retention/winback/export/?start=2026-11-01&amp;end=2026-12-31&amp;lead_days=60&amp;format=csv"
        in page
    )
    response = client.get(reverse("analytics:retention_winback_export"), {**window, "format": "csv"})
    assert response.status_code == 200
    assert 'filename="winback-20261101-20261231.csv"' in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["顧客番号", "氏名・名称", "保険種目"]
    due = winback_book["due"].customer
    assert len(lines) == 2
    assert lines[1].startswith(due.number)
    assert "さくら損保" in lines[1]
    assert "2027/01/20" in lines[1]
    assert AccessLog.objects.filter(
        user=supervisor, purpose=AccessPurpose.EXPORT, screen=retention_selectors.WINBACK_EXPORT_SCREEN,
        customer_id=due.pk,
    ).exists()  # fmt: skip
    xlsx_response = client.get(reverse("analytics:retention_winback_export"), {**window, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[2]][:1] == [due.number]


def test_a_bad_win_back_download_is_a_japanese_400(client, supervisor, winback_book):  # noqa: F811
    client.login(username="cc_supervisor", password=PASSWORD)
    url = reverse("analytics:retention_winback_export")
    bad_format = client.get(url, {"format": "pdf"})
    assert bad_format.status_code == 400
    assert "出力形式「pdf」は選べません" in bad_format.content.decode()
    bad_window = client.get(url, {"format": "csv", "start": "2026-02-30"})
    assert bad_window.status_code == 400
    assert "連絡開始日の条件が正しくありません" in bad_window.content.decode()
    assert "Content-Disposition" not in bad_window
