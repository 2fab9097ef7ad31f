"""The main menu built from permissions (core.navigation) and the signed-in user in the header."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import _user
from tsunagu.core import navigation, permissions, writes
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Agency, Department


@pytest.fixture
def crm(org):
    return Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM)


# Entries these tests know; other modules add theirs (e.g. 送付リスト) without breaking them.
KNOWN = {"ホーム", "案件", "FAQ", "帳票バッチ", "名寄せ", "アクセスログ", "管理画面", "分析"}


def _labels(user, path="/"):
    return [item.label for item in navigation.menu_for(user, path) if item.label in KNOWN]


def test_each_role_sees_the_entries_its_permissions_allow(org, crm, hq_operator, agency_a_staff, auditor):
    steward = _user("steward", [Role.DATA_STEWARD], department=crm)
    analyst = _user("analyst", [Role.ANALYST], department=crm)
    assert _labels(hq_operator) == ["ホーム", "案件", "FAQ", "帳票バッチ"]
    assert _labels(agency_a_staff) == ["ホーム", "案件", "FAQ"]
    assert _labels(steward) == ["ホーム", "FAQ", "帳票バッチ", "名寄せ"]
    assert _labels(analyst) == ["ホーム", "FAQ", "帳票バッチ"]
    assert _labels(auditor) == ["ホーム", "FAQ", "帳票バッチ", "アクセスログ"]


def test_the_superuser_sees_everything_including_the_admin(admin_user):
    assert _labels(admin_user)[-1] == "管理画面"
    assert {"案件", "名寄せ", "アクセスログ", "帳票バッチ"} <= set(_labels(admin_user))


def test_case_workers_get_the_queue_that_fits_their_organisation(hq_operator, agency_a_staff):
    def children(user):
        case_menu = next(i for i in navigation.menu_for(user, "/cases/mine/") if i.label == "案件")
        return [c.label for c in case_menu.children]

    assert children(hq_operator) == ["担当案件", "部署キュー", "期限超過"]
    assert children(agency_a_staff) == ["担当案件", "代理店の案件", "期限超過"]


def test_the_most_specific_entry_is_current(hq_operator):
    def current(path):
        return [i.label for i in navigation.menu_for(hq_operator, path) if i.current]

    assert current("/") == ["ホーム"]
    assert current("/cases/123/") == ["案件"]
    assert current("/cases/faq/") == ["FAQ"]  # under /cases/, but FAQ is the closer match
    assert current("/documents/batches/") == ["帳票バッチ"]
    assert current("/customers/1/") == []
    case_menu = next(i for i in navigation.menu_for(hq_operator, "/cases/overdue/") if i.label == "案件")
    assert [c.label for c in case_menu.children if c.current] == ["期限超過"]


def test_anonymous_and_inactive_users_get_no_menu(hq_operator):
    from django.contrib.auth.models import AnonymousUser

    assert navigation.menu_for(AnonymousUser()) == []
    hq_operator.is_active = False
    assert navigation.menu_for(hq_operator) == []


def test_a_later_module_adds_its_entry_with_one_call(hq_operator, auditor):
    entry = navigation.Entry(label="分析", url_name="cases:new", permission=permissions.ACCESS_LOG_VIEW, order=70)
    navigation.register(entry)
    try:
        assert _labels(auditor)[-1] == "分析"
        assert "分析" not in _labels(hq_operator)
    finally:
        navigation.unregister(entry.url_name)
    assert "分析" not in _labels(auditor)


def test_an_overdue_badge_counts_my_overdue_cases(hq_operator):
    case_menu = next(i for i in navigation.menu_for(hq_operator, "/") if i.label == "案件")
    assert case_menu.badge is None  # nothing overdue: no badge at all


def test_base_html_renders_the_menu_with_aria_current(client, hq_operator):
    client.force_login(hq_operator)
    body = client.get(reverse("cases:mine")).content.decode()
    nav = re.search(r'<nav class="mainnav".*?</nav>', body, re.S).group(0)
    assert re.search(r'<a href="/cases/mine/" aria-current="page"[^>]*>案件', nav)
    assert "名寄せ" not in nav
    assert "管理画面" not in nav
    sub = re.search(r'<nav class="subnav".*?</nav>', body, re.S).group(0)
    assert re.search(r'aria-current="page"[^>]*>担当案件', sub)


@pytest.mark.parametrize(
    ("display_name", "organisation", "shown"),
    [
        ("加藤 翔太(代理店)", "agency", "加藤 翔太(金場エージェンシー)"),
        ("佐藤 美咲(コールセンター)", "department", "佐藤 美咲(コールセンター)"),
        ("システム管理者", "department", "システム管理者(コールセンター)"),
    ],
)
def test_the_header_shows_the_name_and_one_affiliation_once(client, org, display_name, organisation, shown):
    """Defect 11: "加藤 翔太(代理店)(金場エージェンシー)" showed the affiliation twice."""
    agency = Agency.objects.create(code="K0001", name="金場エージェンシー", branch=org["branch"])
    kwargs = {"agency": agency} if organisation == "agency" else {}
    if organisation == "department":
        kwargs = {"department": org["call_center"]}
    user = _user("someone", [Role.OPERATOR if organisation != "agency" else Role.AGENCY_STAFF], **kwargs)
    user.display_name = display_name
    writes.save(user, actor=None)
    client.force_login(user)
    body = client.get(reverse("desk:home")).content.decode()
    who = re.search(r'<span class="who-name">(.*?)</span>', body).group(1)
    assert who == shown


def test_user_label_without_an_organisation_keeps_the_bracketed_text_once():
    from types import SimpleNamespace

    plain = SimpleNamespace(display_name="山田 花子(旧姓 鈴木)", username="yamada", agency_id=None, department_id=None)
    assert navigation.user_label(plain) == ("山田 花子", "旧姓 鈴木")
    bare = SimpleNamespace(display_name="", username="yamada", agency_id=None, department_id=None)
    assert navigation.user_label(bare) == ("yamada", "")
