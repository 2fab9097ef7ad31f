"""解約防止分析: every parameter of the screen, its drill-down, its exports and the win-back list with a
bad value gets a Japanese answer, never a 500. Addresses reached by links only (export, drill-down)
answer a Japanese 400 naming the parameter (the product's one path for a bad query parameter,
`core.input.BadInput`); the screens with a form show the error beside the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, _user
from tsunagu.analytics import retention_selectors, retention_views
from tsunagu.analytics.retention_selectors import Period
from tsunagu.core.choices import AccessPurpose, Role
from tsunagu.core.models import AccessLog

pytestmark = pytest.mark.django_db

EXPORT, CASES = "analytics:retention_export", "analytics:retention_cases"
HOME, WINBACK = "analytics:retention", "analytics:retention_winback"
HUGE = "99999999999999999999"


@pytest.fixture
def analyst(client, org):
    user = _user("analyst", [Role.ANALYST], department=org["compliance"])
    client.login(username="analyst", password=PASSWORD)
    client.raise_request_exception = False  # a 500 is an answer to assert on, not an exception
    return user


def _japanese_400(response, *words):
    assert response.status_code == 400
    body = response.content.decode()
    assert "リクエストを処理できません" in body
    for word in words:
        assert word in body  # the specific reason is on the page (400.html shows `message`)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"table": "nope", "format": "csv"}, ["表「nope」はありません", "reason(解約理由別の継続率)"]),
        ({"table": "", "format": "csv"}, ["表「」はありません"]),
        ({"table": "reason", "format": "pdf"}, ["出力形式「pdf」は選べません", "csv か xlsx"]),
        ({"table": "all", "format": "csv", "start": "2026-02-30"}, ["申出日(から)", "日付"]),
        ({"table": "all", "format": "csv", "end": "0001-01-01"}, ["申出日(まで)", "1900/01/01 から 2099/12/31"]),
        ({"table": "all", "format": "xlsx", "start": "2026-12-01", "end": "2026-01-01"}, ["終了日は開始日以降"]),
        ({"table": "all", "format": "csv", "start": "2019-01-01", "end": "2026-01-01"}, ["期間は5年以内"]),
        ({"table": "all", "format": "csv", "days": "0"}, ["苦情との関連"]),
        ({"table": "all", "format": "csv", "days": HUGE}, ["苦情との関連"]),
    ],
)
def test_a_bad_export_parameter_is_a_japanese_400_and_nothing_is_exported(client, analyst, params, words):
    response = client.get(reverse(EXPORT), params)
    _japanese_400(response, *words)
    assert "Content-Disposition" not in response
    assert not AccessLog.objects.filter(purpose=AccessPurpose.EXPORT).exists()


def test_every_table_can_be_named_and_each_gives_its_file(client, analyst):
    tables = retention_selectors.retention_tables(user=analyst, period=Period(*_period()))
    assert [t.key for t in tables] == list(retention_views.TABLES)
    for key in retention_views.TABLES:
        response = client.get(reverse(EXPORT), {"table": key, "format": "csv"})
        assert response.status_code == 200, key
        assert f"retention-{key}-" in response["Content-Disposition"]


def _period():
    import datetime as dt

    return dt.date(2025, 12, 7), dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"month": "9999-12"}, ["月(month)の指定「9999-12」", "1900〜2099年"]),
        ({"month": "2026-13"}, ["月(month)"]),
        ({"month": "2026-1"}, ["月(month)"]),
        ({"line": "boat"}, ["保険種目(line)の指定「boat」"]),
        ({"channel": "fax2"}, ["受付チャネル(channel)"]),
        ({"reason": "bored"}, ["解約理由(reason)"]),
        ({"outcome": "maybe"}, ["結果(outcome)"]),
        ({"complaint": "yes"}, ["苦情(complaint)"]),
        ({"operator": "abc"}, ["担当者(operator)", "番号(数字)"]),
        ({"operator": "none"}, ["担当者(operator)"]),
        ({"agency": HUGE}, ["代理店(agency)"]),
        ({"guidance": "-1"}, ["ご案内(guidance)"]),
        ({"competitor": "a\x00b"}, ["乗換え先(competitor)", "制御文字"]),
        ({"end": "0001-01-01"}, ["期間の指定が正しくありません", "申出日(まで)"]),
        ({"page": "abc"}, ["ページ"]),
    ],
)
def test_a_bad_drill_down_parameter_is_a_japanese_400(client, analyst, params, words):
    response = client.get(reverse(CASES), params)
    _japanese_400(response, *words)
    assert not AccessLog.objects.filter(screen=retention_selectors.DRILL_SCREEN).exists()


def test_the_values_the_tables_write_are_accepted(client, analyst):
    for params in (
        {"month": "2026-04"},
        {"line": ""},
        {"line": "auto", "channel": "phone", "reason": "switch", "outcome": "none"},
        {"agency": "none", "guidance": "none", "operator": "1", "complaint": "1", "competitor": "さくら損保"},
        {"page": "99"},
    ):
        assert client.get(reverse(CASES), params).status_code == 200, params


@pytest.mark.parametrize(
    ("name", "params", "words"),
    [
        (HOME, {"end": "0001-01-01"}, "1900/01/01 から 2099/12/31"),
        (HOME, {"start": "9999-12-31", "end": "9999-12-31"}, "1900/01/01 から 2099/12/31"),
        (HOME, {"start": "x"}, "実在する日付を入力してください"),
        (HOME, {"days": HUGE}, "以下でなければなりません"),
        (WINBACK, {"start": "9999-12-31"}, "1900/01/01 から 2099/12/31"),
        (WINBACK, {"start": "0001-01-01"}, "1900/01/01 から 2099/12/31"),
        (WINBACK, {"end": "0001-01-01"}, "1900/01/01 から 2099/12/31"),
        (WINBACK, {"lead_days": HUGE}, "以下でなければなりません"),
        (WINBACK, {"start": "2026-12-01", "end": "2026-11-01"}, "終了日は開始日以降"),
    ],
)
def test_the_screens_show_a_bad_value_beside_its_field(client, analyst, name, params, words):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert words in response.content.decode()


def test_a_far_date_in_the_win_back_list_form_is_an_error_not_a_500(client, analyst):
    response = client.post(
        reverse("analytics:retention_winback_create"),
        {"start": "2099-12-01", "end": "9999-12-31", "lead_days": "60", "name": "x", "control_percent": "10",
         "talking_points": "ご案内"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "1900/01/01 から 2099/12/31" in response.content.decode()
