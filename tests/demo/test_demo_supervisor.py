"""The demo's call-center supervisor (supervisor1): the operators' manager, so 解約防止分析 is in their menu
and opens, while the plain operators have neither; listed by `demo_logins`; given no demo work, so
the rest of the demo book does not change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tsunagu.core import permissions
from tsunagu.core.choices import DepartmentKind
from tsunagu.demo.org import DEMO_USERS, STAFF_PASSWORD, ensure_agencies, ensure_departments, ensure_org, ensure_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_staff():
    return ensure_users(None, ensure_departments(None), ensure_agencies(None, 2))


def _menu(client, username):
    client.logout()
    assert client.login(username=username, password=STAFF_PASSWORD)
    return client.get("/").content.decode()


def test_the_supervisor_manages_the_operators_and_may_use_the_retention_analysis(demo_staff):
    supervisor = demo_staff["supervisor1"]
    assert supervisor.department.kind == DepartmentKind.CALL_CENTER
    assert demo_staff["operator"].manager == supervisor
    assert demo_staff["operator2"].manager == supervisor
    assert permissions.has(supervisor, permissions.ANALYTICS_RETENTION)
    assert not permissions.has(demo_staff["operator"], permissions.ANALYTICS_RETENTION)
    assert not permissions.has(demo_staff["operator2"], permissions.ANALYTICS_RETENTION)


def test_the_menu_shows_the_retention_analysis_to_the_supervisor_only(client, demo_staff):
    url = reverse("analytics:retention")
    assert f'href="{url}"' in _menu(client, "supervisor1")
    assert client.get(url).status_code == 200
    assert client.get(reverse("analytics:retention_winback")).status_code == 200
    for operator in ("operator", "operator2"):
        assert f'href="{url}"' not in _menu(client, operator)
        assert client.get(url).status_code == 403


def test_demo_logins_lists_the_supervisor(demo_staff):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("supervisor1 "))
    assert STAFF_PASSWORD in line
    assert "コールセンター(部署)" in line


def test_the_managers_are_given_no_demo_work_and_other_users_keep_their_ids(demo_staff):
    workless = [d.username for d in DEMO_USERS if not d.takes_work]
    assert workless == ["supervisor1", "claims_manager", "policy_manager"]
    assert [d.username for d in DEMO_USERS[-len(workless) :]] == workless  # created last: the others keep their ids
    refs = ensure_org(demo_staff["admin"], 2_000)
    call_center = refs.staff_by_department[DepartmentKind.CALL_CENTER.value]
    assert call_center == [demo_staff["operator"].pk, demo_staff["operator2"].pk]
    assert refs.claims_handlers == [demo_staff["claims"].pk, demo_staff["claims2"].pk]
    assert refs.staff_by_department[DepartmentKind.POLICY_ADMIN.value] == [demo_staff["policy_admin"].pk]


def test_every_user_of_a_planted_anomaly_has_a_manager_to_ask(demo_staff):
    """The alert review's 照会 (business reason from the user's manager) can be walked on every planted
    anomaly: operator2, claims, claims2 and policy_admin each have a manager in their own department."""
    for username in ("operator2", "claims", "claims2", "policy_admin"):
        user = demo_staff[username]
        assert user.manager is not None, username
        assert user.manager.department_id == user.department_id, username
        assert user.manager != user
