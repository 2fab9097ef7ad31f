"""The compliance auditor's read-only access-log screen (/compliance/access-log/) and its CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import _user, make_customer
from tsunagu.compliance import selectors
from tsunagu.core.access_log import PastRead, log_access, log_access_backfill, verify_chain
from tsunagu.core.choices import AccessPurpose, Role
from tsunagu.core.models import AccessLog

URL = "compliance:access_log"
CSV = "compliance:access_log_csv"


@pytest.fixture
def logged(hq_operator, agency_a_staff, org):
    """Two customers read by two users on different days and screens."""
    hanako = make_customer(hq_operator, name="閲覧 花子")
    jiro = make_customer(hq_operator, name="閲覧 次郎")
    now = timezone.now()
    log_access_backfill(
        [
            PastRead(at=now - dt.timedelta(days=10), user=hq_operator, customer_ids=(hanako.pk,),
                     purpose=AccessPurpose.VIEW, screen="顧客詳細"),
            PastRead(at=now - dt.timedelta(days=2), user=agency_a_staff, customer_ids=(jiro.pk,),
                     purpose=AccessPurpose.SEARCH, screen="顧客検索"),
        ]
    )  # fmt: skip
    log_access(user=hq_operator, customer_ids=[jiro.pk], purpose=AccessPurpose.EXPORT, screen="帳票")
    return {"hanako": hanako, "jiro": jiro}


def _get(client, who, name=URL, **params):
    client.force_login(who)
    return client.get(reverse(name), params)


def _rows(response):
    return [row.entry for row in response.context["page"].rows]


def test_the_auditor_sees_the_log_newest_first_with_customer_number_and_name(client, auditor, logged):
    response = _get(client, auditor)
    assert response.status_code == 200
    entries = _rows(response)
    assert [e.pk for e in entries] == sorted((e.pk for e in entries), reverse=True)
    body = response.content.decode()
    assert logged["hanako"].number in body
    assert "閲覧 花子" in body
    assert "顧客情報の閲覧" in body  # the purpose's label, not its code


def test_showing_customer_names_is_itself_logged_once(client, auditor, logged):
    _get(client, auditor)
    _get(client, auditor)
    shown = AccessLog.objects.filter(user=auditor, screen=selectors.SCREEN, purpose=AccessPurpose.LIST)
    assert sorted(shown.values_list("customer_id", flat=True)) == sorted([logged["hanako"].pk, logged["jiro"].pk])


@pytest.mark.parametrize("persona", ["hq_operator", "agency_a_staff"])
def test_other_roles_are_refused(client, request, persona, logged):
    response = _get(client, request.getfixturevalue(persona))
    assert response.status_code == 403
    assert "閲覧 花子" not in response.content.decode()


def test_an_administrator_may_open_it(client, org, logged):
    admin = _user("sysadmin", [Role.ADMIN], department=org["call_center"])
    assert _get(client, admin).status_code == 200


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_filters_by_user_customer_period_purpose_and_screen(client, auditor, hq_operator, agency_a_staff, logged):
    hanako, jiro = logged["hanako"], logged["jiro"]
    today = timezone.localdate()

    def customers(**params):
        return [(e.username, e.customer_id, e.purpose) for e in _rows(_get(client, auditor, **params))]

    assert customers(user="agency_a_staff") == [("agency_a_staff", jiro.pk, "search")]
    assert {c for _, c, _ in customers(customer=hanako.number)} == {hanako.pk}
    assert {c for _, c, _ in customers(customer=str(hanako.pk))} == {hanako.pk}  # the bare id works too
    days_ago = lambda n: (today - dt.timedelta(days=n)).isoformat()  # noqa: E731
    past = customers(date_from=days_ago(11), date_to=days_ago(9))
    assert past == [("hq_operator", hanako.pk, "view")]
    assert customers(purpose="export") == [("hq_operator", jiro.pk, "export")]
    assert customers(screen="検索") == [("agency_a_staff", jiro.pk, "search")]
    # A display-name fragment finds the user too.
    assert {u for u, _, _ in customers(user=hq_operator.display_name[:5])} == {"hq_operator"}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-13-40"}, "date_from", "実在する日付"),
        ({"date_from": "2026-12-05", "date_to": "2026-12-01"}, "date_to", "終了日は開始日と同じか"),
        ({"date_to": "1800-01-01"}, "date_to", "2000/01/01 から"),
        ({"customer": "X-12"}, "customer", "K000000011 の形式"),
        ({"customer": "K999999999"}, "customer", "見つかりません"),
        ({"user": "no-such-person"}, "user", "利用者はいません"),
        ({"purpose": "steal"}, "purpose", "一覧から選んで"),
    ],
)
def test_bad_filters_get_a_japanese_error_and_keep_the_values(client, auditor, logged, params, field, message):
    export = _get(client, auditor, name=CSV, **params)  # the download answers no HTML: back to the screen
    assert export.status_code == 302
    assert export["Location"].startswith(reverse(URL) + "?")
    for name in (URL, CSV):
        client.force_login(auditor)
        response = client.get(reverse(name), params, follow=True)
        assert response.status_code == 200, name
        assert response.request["PATH_INFO"] == reverse(URL)
        form = response.context["form"]
        assert message in " ".join(form.errors[field]), form.errors
        assert response.context["page"] is None
        body = response.content.decode()
        assert "入力内容を確認してください" in body  # the kit's error summary
        for name_, value in params.items():  # what was typed is still there
            kept = f'<option value="{value}" selected>' if name_ == "purpose" else f'value="{value}"'
            assert kept in body or name_ == "purpose", (name_, value)


def test_dates_are_accepted_as_shown_on_the_screens(client, auditor, logged):
    today = timezone.localdate()
    slashed = _get(client, auditor, date_from=f"{today - dt.timedelta(days=11):%Y/%m/%d}", date_to=f"{today:%Y/%m/%d}")
    assert slashed.context["form"].is_valid(), slashed.context["form"].errors
    assert len(_rows(slashed)) == 3
    wrong = _get(client, auditor, date_from="bad")
    assert "日付は 2026/12/04 の形式で" in " ".join(wrong.context["form"].errors["date_from"])


def test_a_bad_page_number_is_a_400_not_a_500(client, auditor, logged):
    assert _get(client, auditor, page="abc").status_code == 400
    too_deep = _get(client, auditor, page=str(selectors.COUNT_CAP // selectors.PAGE_SIZE + 1))
    assert too_deep.status_code == 400  # no OFFSET past what the count covers
    assert "もう一度お試しください" in too_deep.content.decode()  # the Japanese 400 page


def test_pages_of_fifty_without_counting_the_whole_log(client, auditor, hq_operator, django_assert_max_num_queries):
    customer = make_customer(hq_operator, name="頁 送子")
    for _ in range(60):
        log_access(user=hq_operator, customer_ids=[customer.pk], purpose=AccessPurpose.VIEW, screen="顧客詳細")
    client.force_login(auditor)
    first = client.get(reverse(URL), {"user": "hq_operator"})
    page = first.context["page"]
    assert len(page.rows) == selectors.PAGE_SIZE
    assert page.has_next
    assert page.count >= 60
    with django_assert_max_num_queries(20):
        second = client.get(reverse(URL), {"user": "hq_operator", "page": 2})
    assert not second.context["page"].has_next
    assert 0 < len(second.context["page"].rows) < selectors.PAGE_SIZE
    assert "前へ" in second.content.decode()


def test_the_count_stops_at_the_cap(auditor, hq_operator, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    customer = make_customer(hq_operator, name="上限 子")
    log_access(user=hq_operator, customer_ids=[customer.pk] * 8, purpose=AccessPurpose.VIEW, screen="x")
    page = selectors.access_log_page(user=auditor, filters=selectors.AccessLogFilters(), page=1)
    assert page.capped
    assert page.count == 5


def test_the_csv_export_is_logged_as_an_export(client, auditor, logged):
    response = _get(client, auditor, name=CSV, customer=logged["jiro"].number)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff日時,利用者,ユーザー名,顧客番号,顧客名,目的")
    assert "閲覧 次郎" in text
    assert "閲覧 花子" not in text
    export = AccessLog.objects.filter(user=auditor, purpose=AccessPurpose.EXPORT).get()
    assert export.customer_id == logged["jiro"].pk
    assert export.detail["rows"] == 2
    assert export.detail["filters"] == {"customer_id": logged["jiro"].pk}
    rows, problem = verify_chain()
    assert problem is None
    assert rows > 0


def test_the_summary_counts_reads_outside_8_to_20_in_the_last_7_days(auditor, hq_operator, agency_a_staff):
    customer = make_customer(hq_operator, name="時間 外子")
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    def at(day, hour, minute):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    reads = [
        (hq_operator, at(yesterday, 7, 59)),  # outside
        (hq_operator, at(yesterday, 8, 0)),  # inside
        (hq_operator, at(yesterday, 19, 59)),  # inside
        (hq_operator, at(yesterday, 20, 0)),  # outside
        (agency_a_staff, at(yesterday, 23, 30)),  # outside
        (agency_a_staff, at(yesterday - dt.timedelta(days=8), 23, 0)),  # outside, but too long ago
    ]
    log_access_backfill(
        [PastRead(at=t, user=u, customer_ids=(customer.pk,), purpose=AccessPurpose.VIEW) for u, t in reads]
    )
    summary = selectors.access_log_summary(user=auditor)
    assert {(r["username"], r["n"]) for r in summary["outside_hours"]} == {("hq_operator", 2), ("agency_a_staff", 1)}
    assert summary["outside_hours_total"] == 3


def test_outside_hours_ranges_are_the_nights_between_start_and_end():
    start = timezone.make_aware(dt.datetime(2026, 12, 1, 0, 0))
    end = timezone.make_aware(dt.datetime(2026, 12, 2, 12, 0))

    def local(value):
        return timezone.localtime(value).strftime("%d %H:%M")

    ranges = [(local(a), local(b)) for a, b in selectors.outside_hours_ranges(start, end)]
    assert ranges == [("01 00:00", "01 08:00"), ("01 20:00", "02 08:00")]


def test_a_past_period_includes_rows_without_a_user(auditor, hq_operator):
    """A period ending in the past is read through the (user, at) index per user; rows written by
    commands (no user) must not fall out of it."""
    customer = make_customer(hq_operator, name="期間 子")
    when = timezone.now() - dt.timedelta(days=20)
    log_access_backfill(
        [
            PastRead(at=when, user=None, customer_ids=(customer.pk,), purpose=AccessPurpose.COMMAND),
            PastRead(at=when, user=hq_operator, customer_ids=(customer.pk,), purpose=AccessPurpose.VIEW),
        ]
    )
    day = timezone.localdate(when)
    filters = selectors.AccessLogFilters(date_from=day, date_to=day)
    page = selectors.access_log_page(user=auditor, filters=filters, page=1)
    assert sorted(row.entry.purpose for row in page.rows) == ["command", "view"]
