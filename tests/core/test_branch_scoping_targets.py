"""Branch staff (営業拠点) and target lists and KPIs: the worklist entries assigned to their branch's
agencies (TargetEntry's rule `AgencyField("agency")` receives the branch's agencies), and the KPIs of
their branch and its agencies (kpis.selectors.scope_for)."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.conftest import _user, make_customer, make_policy
from tsunagu.analytics.choices import ListBasis
from tsunagu.analytics.models import TargetEntry
from tsunagu.analytics.segments import Segment
from tsunagu.analytics.target_selectors import target_lists
from tsunagu.analytics.target_services import target_list_create
from tsunagu.core.choices import Role
from tsunagu.core.models import AccessLog, Agency, Branch, User
from tsunagu.kpis import selectors as kpi_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def osaka(org):
    branch = Branch.objects.create(code="B02", name="大阪支店")
    return {"branch": branch, "agency_c": Agency.objects.create(code="C0001", name="なにわ保険企画", branch=branch)}


@pytest.fixture
def branch1(org) -> User:
    return _user("branch1", [Role.BRANCH_STAFF], branch=org["branch"])


@pytest.fixture
def branch2(osaka) -> User:
    return _user("branch2", [Role.BRANCH_STAFF], branch=osaka["branch"])


@pytest.fixture
def target(hq_operator, org, osaka):
    """A list over agencies A, B (branch B01) and C (branch B02), one customer each, none held out."""
    analyst = _user("analyst", [Role.ANALYST], department=org["compliance"])
    agencies = {"a": org["agency_a"], "b": org["agency_b"], "c": osaka["agency_c"]}
    names = {
        "a": ("山田 花子", "ヤマダ ハナコ"),
        "b": ("鈴木 一郎", "スズキ イチロウ"),
        "c": ("大阪 次郎", "オオサカ ジロウ"),
    }
    customers = {}
    for key, agency in agencies.items():
        customers[key] = make_customer(hq_operator, name=names[key][0], name_kana=names[key][1])
        make_policy(hq_operator, customers[key], agency=agency)
    target = target_list_create(
        actor=analyst,
        name="営業拠点確認リスト",
        basis=ListBasis.CAMPAIGN,
        segment=Segment(as_of=timezone.localdate(), agencies=tuple(a.pk for a in agencies.values())),
        control_percent=1,  # the least a list may hold out; everyone is put on the worklist below
        talking_points="補償の見直し",
        seed=1,
    )
    from tsunagu.core.writes import update_rows

    update_rows(target.entries.all(), actor=analyst, reason="テスト: 全員をワークリストに", is_control=False)
    return {"list": target, "customers": customers, "agencies": agencies}


def test_branch_staff_see_the_entries_of_their_branch_s_agencies(target, branch1, branch2):
    entries = TargetEntry.objects.filter(target_list=target["list"])
    by_customer = {e.customer_id: e for e in entries}
    assert len(by_customer) == 3
    customers = target["customers"]
    assert set(TargetEntry.objects.visible_to(branch1)) == {
        by_customer[customers["a"].pk],
        by_customer[customers["b"].pk],
    }
    assert set(TargetEntry.objects.visible_to(branch2)) == {by_customer[customers["c"].pk]}
    assert list(target_lists(user=branch1)) == [target["list"]]


def test_the_worklist_page_shows_the_branch_s_customers_only_and_logs_them(client, target, branch1):
    client.force_login(branch1)
    response = client.get(reverse("analytics:target_worklist", args=[target["list"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "山田 花子" in body
    assert "鈴木 一郎" in body
    assert "大阪 次郎" not in body
    logged = set(AccessLog.objects.filter(user=branch1).values_list("customer_id", flat=True))
    assert {target["customers"]["a"].pk, target["customers"]["b"].pk} <= logged
    assert target["customers"]["c"].pk not in logged


def test_an_entry_of_another_branch_is_a_404(client, target, branch1):
    other = TargetEntry.objects.get(target_list=target["list"], customer=target["customers"]["c"])
    client.force_login(branch1)
    assert client.get(reverse("analytics:target_entry", args=[other.pk])).status_code == 404


def test_kpis_of_the_branch_and_its_agencies_only(branch1, org, osaka):
    scope = kpi_selectors.scope_for(branch1)
    assert (scope.kind, scope.branch) == ("branch", org["branch"])
    assert set(scope.agency_ids or ()) == {org["agency_a"].pk, org["agency_b"].pk}
    one = kpi_selectors.scope_for(branch1, agency_code=org["agency_b"].code)
    assert (one.kind, one.agency) == ("agency", org["agency_b"])
    with pytest.raises(Http404):
        kpi_selectors.scope_for(branch1, agency_code=osaka["agency_c"].code)
    with pytest.raises(Http404):
        kpi_selectors.scope_for(branch1, branch_code=osaka["branch"].code)
    chooser = kpi_selectors.choosable(branch1)
    assert chooser["agencies"] == [org["agency_a"], org["agency_b"]]
    assert chooser["branches"] == [org["branch"]]


def test_the_kpi_screens_answer_branch_staff_within_their_branch(client, branch1, org, osaka):
    client.force_login(branch1)
    assert client.get(reverse("kpis:dashboard")).status_code == 200
    assert client.get(reverse("kpis:dashboard"), {"agency": osaka["agency_c"].code}).status_code == 404
    reports = client.get(reverse("kpis:reports"))
    assert reports.status_code == 200
    body = reports.content.decode()
    assert org["agency_a"].name in body
    assert osaka["agency_c"].name not in body
