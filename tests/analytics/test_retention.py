"""解約防止分析: the guidance used recorded on the case (history), the tables (counts, retention rate,
competitors normalised, complaints before), who may see them, the drill-down and the export (logged),
and the win-back list and its target list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.cases.conftest import open_case
from tests.conftest import PASSWORD, _user, make_customer, make_policy
from tsunagu.analytics import retention, retention_selectors, retention_services
from tsunagu.analytics.models import TargetEntry, TargetList
from tsunagu.analytics.retention_selectors import Period
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import CancellationRequest, ComplaintCategory, RetentionGuidance
from tsunagu.cases.services import cancellation_record
from tsunagu.core.choices import AccessPurpose, DepartmentKind, Role
from tsunagu.core.models import AccessLog, Department
from tsunagu.policies.choices import LineOfBusiness

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = Period(D(2025, 1, 1), D(2026, 12, 31), 90)
JUNE_1, APRIL_1 = D(2026, 6, 1), D(2026, 4, 1)

# --- pure rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["さくら損保", "株式会社さくら損保", "さくら損害保険(株)", "ｻｸﾗ損保", "さくら損保　株式会社", "㈱さくら損害保険"],
)
def test_competitor_spellings_share_one_key(spelling):
    assert retention.competitor_key(spelling) == retention.competitor_key("さくら損保") != ""


def test_katakana_widths_match_but_different_names_do_not():
    assert retention.competitor_key("ｱｵｿﾞﾗﾀﾞｲﾚｸﾄ") == retention.competitor_key("アオゾラダイレクト")
    assert retention.competitor_key("ＳＢＩ損保") == retention.competitor_key("SBI損保")
    assert retention.competitor_key("さくら損保") != retention.competitor_key("みどり損保")
    assert retention.competitor_key("  ") == ""


def test_merge_competitors_keeps_the_most_frequent_spelling():
    rows = retention.merge_competitors(
        [("さくら損保", 2, 1), ("株式会社さくら損保", 3, 0), ("みどり損保", 1, 1), ("", 9, 9)]
    )
    assert [(r.label, r.requests, r.retained) for r in rows] == [("株式会社さくら損保", 5, 1), ("みどり損保", 1, 1)]
    assert rows[0].retention_rate == pytest.approx(0.2)


def test_rate_of_nothing_is_none():
    assert retention.rate(0, 0) is None
    assert retention.rate(1, 4) == 0.25


@pytest.mark.parametrize(
    ("cancelled", "lead", "contact"),
    [(D(2026, 1, 20), 60, D(2026, 11, 21)), (D(2024, 2, 29), 0, D(2025, 2, 28)), (D(2026, 3, 1), 30, D(2027, 1, 30))],
)
def test_win_back_contact_day(cancelled, lead, contact):
    assert retention.contact_from(cancelled, lead) == contact
    low, high = retention.cancelled_between_for_contact(contact, contact, lead)
    assert low <= cancelled <= high


# --- the book ----------------------------------------------------------------------------------


@pytest.fixture
def departments(org):
    return {
        "policy_admin": Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN),
        "relations": Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS),
        "crm": Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM),
    }


@pytest.fixture
def analyst(departments):
    return _user("analyst", [Role.ANALYST], department=departments["crm"])


@pytest.fixture
def supervisor(hq_operator, org):
    """A call-center operator who is somebody's manager: the call center's supervisor."""
    boss = _user("cc_supervisor", [Role.OPERATOR], department=org["call_center"])
    hq_operator.manager = boss
    hq_operator.save(update_fields=["manager"])
    return boss


def _cancel(
    actor,
    *,
    reason,
    outcome="",
    opened_on=JUNE_1,
    competitor="",
    agency=None,
    line="auto",
    effective=None,
    guidance=None,
    consent=True,
    inception=APRIL_1,
):
    customer = make_customer(
        actor, name="解約 太郎", name_kana="カイヤク タロウ", agency=agency, contact_consent=consent
    )
    policy = make_policy(
        actor,
        customer,
        agency=agency,
        line=line,
        inception=inception,
        contract_date=inception,
        expiry=inception.replace(year=inception.year + 1),
    )
    case = open_case(
        actor, customer, policy, CaseType.CANCELLATION, reason=reason, competitor=competitor, opened_on=opened_on
    )
    if outcome or guidance:
        cancellation_record(actor=actor, case=case, outcome=outcome, effective_date=effective, guidance_used=guidance)
    return case


@pytest.fixture
def book(hq_operator, org, departments):
    sold = RetentionGuidance.objects.filter(reason="sold", line="auto").first()
    switch = RetentionGuidance.objects.filter(reason="switch").first()
    cases = {
        "sold_kept": _cancel(hq_operator, reason="sold", outcome="retained", guidance=sold, agency=org["agency_a"]),
        "sold_cut": _cancel(hq_operator, reason="sold", outcome="cancelled", effective=D(2026, 6, 20), guidance=sold),
        "switch_1": _cancel(
            hq_operator, reason="switch", outcome="retained_changed", competitor="さくら損保", guidance=switch
        ),
        "switch_2": _cancel(
            hq_operator,
            reason="switch",
            outcome="cancelled",
            competitor="ｻｸﾗ損害保険(株)",
            effective=D(2026, 6, 30),
            opened_on=D(2026, 6, 2),
        ),
        "switch_3": _cancel(
            hq_operator, reason="switch", competitor="みどり損保", line=LineOfBusiness.FIRE, opened_on=D(2026, 7, 1)
        ),
        "dissatisfied": _cancel(
            hq_operator, reason="dissatisfied", outcome="cancelled", effective=D(2026, 7, 10), opened_on=D(2026, 7, 1)
        ),
    }
    # The dissatisfied customer complained 30 days before asking to cancel.
    complaint_customer = cases["dissatisfied"].customer
    category = ComplaintCategory.objects.filter(parent__isnull=False, is_active=True).first()
    open_case(
        hq_operator,
        complaint_customer,
        None,
        CaseType.COMPLAINT,
        category=category.pk,
        customer_request="対応が遅い",
        opened_on=D(2026, 6, 1),
    )
    return {"cases": cases, "sold": sold, "switch": switch}


# --- the guidance used, recorded on the case ---------------------------------------------------


def test_guidance_used_is_recorded_with_history_and_timeline(hq_operator, book):
    case = _cancel(hq_operator, reason="switch")
    request = CancellationRequest.objects.get(case=case)
    assert request.guidance_used is None
    cancellation_record(actor=hq_operator, case=case, outcome="retained", guidance_used=book["switch"])
    request.refresh_from_db()
    assert request.guidance_used == book["switch"]
    latest = request.history.first()
    assert latest.guidance_used_id == book["switch"].pk
    assert latest.history_user == hq_operator
    assert case.events.filter(summary__contains=f"使用したご案内: {book['switch'].title}").exists()


def test_guidance_of_another_reason_is_refused_and_nothing_changes(hq_operator, book):
    case = book["cases"]["switch_3"]
    for other in (book["sold"], book["switch"]):  # another reason; the switch guidance is for motor only
        with pytest.raises(ValidationError) as error:
            cancellation_record(actor=hq_operator, case=case, outcome="retained", guidance_used=other)
        assert "この解約理由・保険種目のご案内ではありません" in str(error.value.message_dict["guidance_used"])
    request = CancellationRequest.objects.get(case=case)
    assert (request.outcome, request.guidance_used_id) == ("", None)


def test_case_page_form_records_the_guidance_and_shows_grade_facts(client, hq_operator, book):
    case = book["cases"]["sold_cut"]
    from tsunagu.policies.models import Vehicle

    Vehicle.objects.create(
        policy=case.policy,
        model_name="テスト車",
        registration_number="品川 300 あ 1234",
        nonfleet_grade=14,
        accident_coefficient_years=0,
    )
    client.login(username="hq_operator", password=PASSWORD)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    text = page.content.decode()
    assert "使用したご案内" in text
    assert "次契約の等級は 15等級" in text
    assert "中断証明書 発行可" in text
    assert "2026/06/27まで" in text  # 解約日 6/20 + 7 days
    case.refresh_from_db()
    other = RetentionGuidance.objects.filter(reason="sold").exclude(pk=book["sold"].pk).first()
    response = client.post(
        reverse("cases:cancellation", args=[case.pk]),
        {"version": case.version, "outcome": "cancelled", "effective_date": "2026-06-20", "guidance_used": other.pk},
    )
    assert response.status_code == 302
    assert CancellationRequest.objects.get(case=case).guidance_used == other
    case.refresh_from_db()
    bad = client.post(
        reverse("cases:cancellation", args=[case.pk]),
        {
            "version": case.version,
            "outcome": "cancelled",
            "effective_date": "2026-06-20",
            "guidance_used": book["switch"].pk,
        },
    )
    assert bad.status_code == 200
    assert "選んだご案内はこの申出には使えません" in bad.content.decode()


# --- the tables --------------------------------------------------------------------------------


def _table(tables, key):
    return next(t for t in tables if t.key == key)


def test_tables_count_reasons_and_retention(analyst, book):
    tables = retention_selectors.retention_tables(user=analyst, period=PERIOD)
    reason = _table(tables, "reason")
    total = reason.rows[-1]
    assert total.label == "合計"
    # 6 requests: 継続 1, 条件変更 1, 解約 3, 未定 1 → (1 + 1) / 6
    assert total.values == [6, 1, 1, 3, 1, pytest.approx(2 / 6)]
    switch = next(r for r in reason.rows if r.drill.get("reason") == "switch")
    assert switch.values[:5] == [3, 0, 1, 1, 1]
    months = _table(tables, "month")
    assert [(r.label, r.values[-4]) for r in months.rows if r.values[-4]] == [("2026/06", 4), ("2026/07", 2)]
    assert len(months.rows) == 24  # every month of 2025–2026, the empty ones with 0
    lines = {r.label: r.values[-4] for r in _table(tables, "line").rows}
    assert lines == {"自動車": 5, "火災": 1}
    agencies = {r.label: r.values[-4] for r in _table(tables, "agency").rows}
    assert agencies == {"あおぞら保険サービス": 1, "直扱(代理店なし)": 5}
    guidance = {r.label: (r.values[1], r.values[2]) for r in _table(tables, "guidance").rows}
    assert guidance[book["sold"].title] == (2, 1)
    assert guidance["ご案内の記録なし"] == (3, 0)


def test_competitors_are_merged_across_spellings(analyst, book):
    rows = _table(retention_selectors.retention_tables(user=analyst, period=PERIOD), "competitor").rows
    assert [(r.values[0], r.values[1]) for r in rows] == [(2, 1), (1, 0)]
    assert "さくら損保" in rows[0].values[3]
    assert "ｻｸﾗ損害保険(株)" in rows[0].values[3]


def test_cancellations_after_a_complaint(analyst, book):
    table = _table(retention_selectors.retention_tables(user=analyst, period=PERIOD), "complaint")
    dissatisfied = next(r for r in table.rows if r.drill["reason"] == "dissatisfied")
    assert dissatisfied.values[:3] == [1, 1, 1.0]
    # 30 days before: outside a 29-day window, inside a 30-day one (boundary).
    narrow = retention_selectors.retention_tables(user=analyst, period=Period(PERIOD.start, PERIOD.end, 29))
    assert next(r for r in _table(narrow, "complaint").rows if r.drill["reason"] == "dissatisfied").values[1] == 0
    exact = retention_selectors.retention_tables(user=analyst, period=Period(PERIOD.start, PERIOD.end, 30))
    assert next(r for r in _table(exact, "complaint").rows if r.drill["reason"] == "dissatisfied").values[1] == 1


def test_the_period_filters_by_request_date(analyst, book):
    june = retention_selectors.retention_tables(user=analyst, period=Period(D(2026, 6, 1), D(2026, 6, 30)))
    assert _table(june, "reason").rows[-1].values[0] == 4


def test_each_table_is_one_query(analyst, book, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # 9 tables + the permission's manager check and session-free reads
        retention_selectors.retention_tables(user=analyst, period=PERIOD)


# --- who may see it ----------------------------------------------------------------------------


def test_permission_analyst_supervisor_yes_operator_and_agency_no(
    analyst, supervisor, hq_operator, agency_a_staff, book
):
    assert retention_selectors.retention_tables(user=supervisor, period=PERIOD)
    for user in (hq_operator, agency_a_staff):
        with pytest.raises(PermissionDenied, match="解約防止分析"):
            retention_selectors.retention_tables(user=user, period=PERIOD)


def test_screens_for_analyst_and_refusal_for_operator(client, analyst, hq_operator, book):
    client.login(username="hq_operator", password=PASSWORD)
    assert client.get(reverse("analytics:retention")).status_code == 403
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:retention"), {"start": "2025-01-01", "end": "2026-12-31"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "解約防止分析" in text
    assert '<svg class="chart"' in text
    assert "苦情に続く解約" in text
    assert "継続率 33.3%" in text
    bad = client.get(reverse("analytics:retention"), {"start": "2026-12-31", "end": "2026-01-01"})
    assert bad.status_code == 200
    assert "終了日は開始日以降" in bad.content.decode()
    nonsense = client.get(reverse("analytics:retention"), {"start": "昨日", "days": "-5"})
    assert nonsense.status_code == 200


def test_drill_down_is_scoped_and_logged_as_a_list(client, analyst, book):
    client.login(username="analyst", password=PASSWORD)
    url = reverse("analytics:retention_cases")
    page = client.get(
        url, {"start": "2025-01-01", "end": "2026-12-31", "competitor": retention.competitor_key("さくら損保")}
    )
    text = page.content.decode()
    assert page.status_code == 200
    cases = book["cases"]
    assert cases["switch_1"].number in text
    assert cases["switch_2"].number in text
    assert cases["switch_3"].number not in text
    logged = set(
        AccessLog.objects.filter(
            user=analyst, purpose=AccessPurpose.LIST, screen=retention_selectors.DRILL_SCREEN
        ).values_list("customer_id", flat=True)
    )
    assert logged == {cases["switch_1"].customer_id, cases["switch_2"].customer_id}
    complaint = client.get(
        url, {"start": "2025-01-01", "end": "2026-12-31", "complaint": "1", "reason": "dissatisfied"}
    )
    assert cases["dissatisfied"].number in complaint.content.decode()
    assert client.get(url, {"page": "99"}).status_code == 200  # past the last page: the last page
    for junk in ({"operator": "abc"}, {"month": "2026-13"}, {"guidance": "x"}):
        assert client.get(url, junk).status_code == 400  # a Japanese 400 (test_retention_errors.py)


def test_export_of_tables_is_logged(client, analyst, book):
    client.login(username="analyst", password=PASSWORD)
    url = reverse("analytics:retention_export")
    response = client.get(url, {"start": "2025-01-01", "end": "2026-12-31", "table": "reason", "format": "csv"})
    body = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "解約理由別の継続率" in body
    assert "合計,6,1,1,3,1,33.3" in body
    xlsx = client.get(url, {"table": "all", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert (
        AccessLog.objects.filter(
            user=analyst, purpose=AccessPurpose.EXPORT, screen="解約防止分析: エクスポート"
        ).count()
        == 2
    )
    assert client.get(url, {"table": "nope", "format": "csv"}).status_code == 400
    assert client.get(url, {"table": "reason", "format": "pdf"}).status_code == 400


# --- win-back ----------------------------------------------------------------------------------


@pytest.fixture
def winback_book(hq_operator, org, departments):
    kw = {"reason": "switch", "outcome": "cancelled", "opened_on": D(2026, 1, 10), "inception": D(2025, 4, 1)}
    return {
        "due": _cancel(hq_operator, competitor="さくら損保", effective=D(2026, 1, 20), agency=org["agency_a"], **kw),
        "no_consent": _cancel(hq_operator, effective=D(2026, 1, 20), consent=False, **kw),
        "later": _cancel(hq_operator, effective=D(2026, 3, 20), **kw),
        "retained": _cancel(
            hq_operator, reason="switch", outcome="retained", opened_on=D(2026, 1, 10), inception=D(2025, 4, 1)
        ),
    }


def test_win_back_list_timing_and_consent(analyst, winback_book):
    rows = retention_selectors.winback_list(
        user=analyst, start=D(2026, 11, 1), end=D(2026, 12, 31), lead_days=60, today=D(2026, 12, 6)
    )
    assert [r.customer_id for r in rows] == [winback_book["due"].customer_id]
    row = rows[0]
    assert (row.renewal, row.contact_from, row.competitor) == (D(2027, 1, 20), D(2026, 11, 21), "さくら損保")
    assert AccessLog.objects.filter(
        user=analyst, screen=retention_selectors.WINBACK_SCREEN, customer_id=row.customer_id
    ).exists()


def test_win_back_excludes_a_customer_back_in_force(hq_operator, analyst, winback_book, org):
    make_policy(
        hq_operator,
        winback_book["due"].customer,
        agency=org["agency_a"],
        inception=D(2026, 10, 1),
        contract_date=D(2026, 10, 1),
        expiry=D(2027, 10, 1),
    )
    rows = retention_selectors.winback_list(
        user=analyst, start=D(2026, 11, 1), end=D(2026, 12, 31), lead_days=60, today=D(2026, 12, 6)
    )
    assert rows == []


def test_win_back_becomes_a_target_list(analyst, winback_book, agency_a_staff):
    target = retention_services.winback_list_create(
        actor=analyst,
        name="取り戻し 冬",
        start=D(2026, 11, 1),
        end=D(2027, 2, 28),
        lead_days=60,
        today=D(2026, 12, 6),
        control_percent=10,
        seed=7,
    )
    entries = list(TargetEntry.objects.filter(target_list=target).order_by("customer_id"))
    assert [e.customer_id for e in entries] == [winback_book["due"].customer_id, winback_book["later"].customer_id]
    due = entries[0]
    assert due.agency_id == winback_book["due"].policy.agency_id
    texts = [p["text"] for p in due.proposal_points]
    assert "乗換え先: さくら損保" in texts
    assert "ご連絡の目安: 2026/11/21以降" in texts
    assert due.history.count() == 1
    assert target.filters["win_back"]["lead_days"] == 60
    # Agency A's staff see their own entry on the worklist only.
    assert list(TargetEntry.objects.visible_to(agency_a_staff).filter(target_list=target)) == [due]


def test_win_back_list_refusals(analyst, supervisor, winback_book):
    with pytest.raises(ValidationError) as error:
        retention_services.winback_list_create(
            actor=analyst,
            name=" ",
            start=D(2026, 12, 1),
            end=D(2026, 11, 1),
            lead_days=999,
            today=D(2026, 12, 6),
            control_percent=80,
        )
    assert set(error.value.message_dict) == {"name", "end", "lead_days", "control_percent"}
    with pytest.raises(ValidationError, match="連絡の時期を迎える"):
        retention_services.winback_list_create(
            actor=analyst,
            name="空",
            start=D(2030, 1, 1),
            end=D(2030, 2, 1),
            lead_days=60,
            today=D(2026, 12, 6),
            control_percent=10,
        )
    with pytest.raises(PermissionDenied):  # supervisors see the list; analysts build target lists
        retention_services.winback_list_create(
            actor=supervisor,
            name="x",
            start=D(2026, 11, 1),
            end=D(2026, 12, 31),
            lead_days=60,
            today=D(2026, 12, 6),
            control_percent=10,
        )


def test_win_back_screens(client, analyst, winback_book):
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:retention_winback"), {"start": "2026-11-01", "end": "2026-12-31"})
    assert page.status_code == 200
    assert "ターゲットリストにする" in page.content.decode()
    # A window the filter refuses shows its error and offers no list: the list would have been made for
    # the default window instead (the walk found a list named after a window nobody asked for).
    wide = client.get(reverse("analytics:retention_winback"), {"start": "2026-01-01", "end": "2027-12-31"})
    assert wide.status_code == 200
    assert "1年以内" in wide.content.decode()
    assert "ターゲットリストにする" not in wide.content.decode()
    bad = client.post(reverse("analytics:retention_winback_create"), {"name": "", "control_percent": "10"})
    assert bad.status_code == 200
    assert "リスト名" in bad.content.decode()
    ok = client.post(
        reverse("analytics:retention_winback_create"),
        {
            "name": "取り戻し",
            "start": "2026-11-01",
            "end": "2027-02-28",
            "lead_days": "60",
            "control_percent": "10",
            "talking_points": "ご案内",
        },
    )
    assert ok.status_code == 302
    assert "/analytics/lists/" in ok["Location"]


# --- the walk's polish (months with nothing, a future period, CSV text, win-back reasons, twins) ---


def test_every_month_of_the_period_is_listed_with_zero(analyst, book):
    tables = retention_selectors.retention_tables(user=analyst, period=Period(D(2026, 5, 15), D(2026, 8, 3)))
    months = _table(tables, "month")
    assert [(r.label, r.values[-4]) for r in months.rows] == [
        ("2026/05", 0), ("2026/06", 4), ("2026/07", 2), ("2026/08", 0),
    ]  # fmt: skip
    may = months.rows[0]
    assert may.values[-1] is None  # no requests: 「—」, never 0%
    assert may.drill == {}  # nothing to drill into


def test_the_screen_charts_every_month(client, analyst, book):
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:retention"), {"start": "2026-05-01", "end": "2026-09-30"})
    text = page.content.decode()
    assert "2026/09 継続: 0件" in text  # the chart's bar of an empty month
    assert "2026/05" in text


def test_a_period_entirely_in_the_future_is_an_error_not_zeros(client, analyst, book):
    client.login(username="analyst", password=PASSWORD)
    page = client.get(reverse("analytics:retention"), {"start": "2030-01-01", "end": "2030-12-31"})
    assert page.status_code == 200
    assert "期間がすべて未来の日付です" in page.content.decode()
    export = client.get(
        reverse("analytics:retention_export"),
        {"start": "2030-01-01", "end": "2030-12-31", "table": "reason", "format": "csv"},
    )
    assert export.status_code == 400
    assert "期間がすべて未来の日付です" in export.content.decode()


def test_csv_export_writes_formula_like_text_as_text(client, analyst, hq_operator, book):
    _cancel(hq_operator, reason="switch", competitor='=HYPERLINK("http://x","y")', opened_on=D(2026, 6, 3))
    client.login(username="analyst", password=PASSWORD)
    response = client.get(
        reverse("analytics:retention_export"),
        {"start": "2025-01-01", "end": "2026-12-31", "table": "competitor", "format": "csv"},
    )
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body
    assert ",=HYPERLINK" not in body


def test_win_back_leaves_out_cancellations_that_name_no_other_insurer(hq_operator, analyst, winback_book):
    kw = {"outcome": "cancelled", "opened_on": D(2026, 1, 10), "inception": D(2025, 4, 1), "effective": D(2026, 1, 25)}
    sold = _cancel(hq_operator, reason="sold", **kw)
    premium = _cancel(hq_operator, reason="premium_burden", competitor="みらい海上", **kw)
    rows = retention_selectors.winback_list(
        user=analyst, start=D(2026, 11, 1), end=D(2026, 12, 31), lead_days=60, today=D(2026, 12, 6)
    )
    ids = [r.customer_id for r in rows]
    assert sold.customer_id not in ids
    assert premium.customer_id in ids  # another reason, but the other insurer was recorded
    assert winback_book["due"].customer_id in ids


def test_a_second_list_with_the_same_name_and_customers_is_refused(analyst, winback_book):
    def create(name: str, control_percent: int) -> TargetList:
        return retention_services.winback_list_create(
            actor=analyst, name=name, start=D(2026, 11, 1), end=D(2027, 2, 28), lead_days=60, today=D(2026, 12, 6),
            control_percent=control_percent,
        )  # fmt: skip

    first = create("取り戻し 冬", 10)
    with pytest.raises(ValidationError, match="作成済み") as error:
        create(" 取り戻し 冬 ", 20)
    assert "name" in error.value.message_dict
    other = create("取り戻し 冬 2", 10)
    assert other.pk != first.pk


def test_the_create_form_carries_the_window_and_marks_only_its_own_fields(client, analyst, winback_book):
    client.login(username="analyst", password=PASSWORD)
    window = {"start": "2026-11-01", "end": "2027-02-28", "lead_days": "60"}
    page = client.get(reverse("analytics:retention_winback"), window).content.decode()
    assert "他社の名がない解約は" in page
    assert page.count('name="start"') == 2  # the filter's date field and the create form's hidden copy
    assert 'type="hidden" name="start" value="2026-11-01"' in page
    bad = client.post(
        reverse("analytics:retention_winback_create"),
        {**window, "name": "", "control_percent": "10", "talking_points": "ご案内"},
    ).content.decode()
    assert bad.count('class="error-summary"') == 1  # the create form's, not the filter form's too
    assert "リスト名" in bad
    tampered = client.post(
        reverse("analytics:retention_winback_create"),
        {**window, "end": "2026-10-01", "name": "x", "control_percent": "10", "talking_points": "ご案内"},
    ).content.decode()
    assert "連絡開始日の条件が正しくありません" in tampered
