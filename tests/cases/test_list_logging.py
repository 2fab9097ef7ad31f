"""Case lists log their customers through core.access_log.log_list (defect 13, docs/access-log.md
§ 一覧画面の記録): once per user, screen and customer within 30 minutes; the API logs every call."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD, make_customer, make_policy
from tsunagu.cases import selectors
from tsunagu.cases.choices import CaseType
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog

from .conftest import open_case

pytestmark = pytest.mark.django_db


def _rows(user, screen: str) -> list[int | None]:
    return list(AccessLog.objects.filter(user=user, screen=screen).order_by("id").values_list("customer_id", flat=True))


def test_a_second_display_within_the_window_writes_nothing(client, hq_operator, holder, org):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.INQUIRY, "contract", question="満期は？")
    client.login(username=hq_operator.username, password=PASSWORD)
    url = f"/cases/queue/?department={case.department_id}"

    assert case.number in client.get(url).content.decode()
    screen = "部署キュー"
    assert _rows(hq_operator, screen) == [customer.pk]
    assert AccessLog.objects.get(user=hq_operator, screen=screen).purpose == AccessPurpose.LIST

    before = AccessLog.objects.count()
    assert case.number in client.get(url).content.decode()  # reload
    assert AccessLog.objects.count() == before

    # A customer new on the list is logged; the one already logged is not logged again.
    other = make_customer(hq_operator, name="鈴木 花子", name_kana="スズキ ハナコ")
    other_case = open_case(
        hq_operator, other, make_policy(hq_operator, other, agency=org["agency_a"]), CaseType.INQUIRY, "contract"
    )
    assert other_case.department_id == case.department_id
    client.get(url)
    assert _rows(hq_operator, screen) == [customer.pk, other.pk]


def test_each_screen_logs_its_own_first_display(hq_operator, holder):
    customer, policy = holder
    open_case(hq_operator, customer, policy, CaseType.INQUIRY, "contract")
    filters = selectors.CaseFilters()
    selectors.case_list(user=hq_operator, filters=filters)
    selectors.case_list(user=hq_operator, filters=filters, page=1)
    assert _rows(hq_operator, "案件一覧") == [customer.pk]
    selectors.case_list(user=hq_operator, filters=filters, screen="対応漏れ一覧")  # another screen: logged again
    assert _rows(hq_operator, "対応漏れ一覧") == [customer.pk]
    # Past the window (here: none) the same screen logs again.
    selectors.case_list(user=hq_operator, filters=filters, log_window=dt.timedelta(0))
    assert _rows(hq_operator, "案件一覧") == [customer.pk, customer.pk]


def test_the_api_list_logs_every_call(client, hq_operator, holder):
    customer, policy = holder
    open_case(hq_operator, customer, policy, CaseType.INQUIRY, "contract")
    client.login(username=hq_operator.username, password=PASSWORD)
    for _ in range(2):
        assert client.get("/api/cases/").json()["total"] == 1
    assert _rows(hq_operator, "API:案件一覧") == [customer.pk, customer.pk]


def test_an_empty_list_logs_nothing(hq_operator, holder):
    selectors.case_list(user=hq_operator, filters=selectors.CaseFilters())
    assert AccessLog.objects.filter(user=hq_operator, screen="案件一覧").count() == 0
