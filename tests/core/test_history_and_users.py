"""Readable row history (core.history) and the user service (core.services)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tsunagu.core.choices import Role
from tsunagu.core.context import history_user
from tsunagu.core.history import change_rows
from tsunagu.core.models import Agency, Agent, AuditEvent, User
from tsunagu.core.services import system_user, user_create

pytestmark = pytest.mark.django_db


def test_change_rows_show_foreign_keys_by_name_and_survive_a_deleted_target(org, hq_operator):
    old_agency = Agency.objects.create(code="X0001", name="閉店代理店", branch=org["branch"])
    agent = Agent.objects.create(registration_number="R-X-1", name="移籍 一郎", agency=old_agency)
    agent.agency = org["agency_b"]
    history_user(agent, hq_operator)
    agent.save()

    [change] = change_rows(agent.history.all())[0].changes
    assert (change.field, change.old, change.new) == ("代理店", "閉店代理店(X0001)", "みどり保険事務所(B0001)")

    old_pk = old_agency.pk
    old_agency.delete()
    [change] = change_rows(agent.history.all())[0].changes
    assert (change.old, change.new) == (str(old_pk), "みどり保険事務所(B0001)")


def test_a_change_without_a_request_or_actor_has_no_user_but_one_with_an_actor_names_it(org, hq_operator):
    agency = org["agency_a"]
    agency.name = "あおぞら保険サービス株式会社"
    agency.save()
    assert agency.history.latest().history_user is None
    history_user(agency, hq_operator)
    agency.is_active = False
    agency.save()
    latest = change_rows(agency.history.all())[0]
    assert latest.user == hq_operator
    assert [(c.field, c.old, c.new) for c in latest.changes] == [("有効", "はい", "いいえ")]


def test_user_create_records_the_roles_and_an_audit_event(org, hq_operator):
    user = user_create(
        actor=hq_operator,
        username="claims1",
        password="pw-claims-2026",
        display_name="損害 太郎",
        roles=[Role.CLAIMS_HANDLER],
        department=org["call_center"],
    )
    assert user.roles == frozenset({"claims_handler"})
    assert user.has_role(Role.CLAIMS_HANDLER)
    assert not user.has_role(Role.ADMIN)
    assert user.check_password("pw-claims-2026")
    assert user.history.get().history_user == hq_operator
    event = AuditEvent.objects.get(action="user.create", target_id=str(user.pk))
    assert (event.actor, event.summary, event.data) == (
        hq_operator,
        "ユーザー「claims1」を登録した",
        {"roles": ["claims_handler"]},
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"roles": [Role.OPERATOR]}, "ユーザーは部署・代理店・営業拠点のいずれか一つに所属させてください。"),
        (
            {"roles": [Role.OPERATOR], "department": "cc", "agency": "a"},
            "ユーザーは部署・代理店・営業拠点のいずれか一つに所属させてください。",
        ),
        ({"roles": [Role.AGENCY_STAFF], "department": "cc"}, "代理店スタッフは代理店に所属させてください。"),
        (
            {"roles": [Role.OPERATOR], "agency": "a"},
            "代理店所属のユーザーに付与できるのは代理店スタッフのロールだけです。",
        ),
    ],
)
def test_user_create_refuses_impossible_affiliations_in_japanese(org, kwargs, message):
    kwargs = dict(kwargs)
    if kwargs.get("department"):
        kwargs["department"] = org["call_center"]
    if kwargs.get("agency"):
        kwargs["agency"] = org["agency_a"]
    with pytest.raises(ValidationError) as caught:
        user_create(actor=None, username="x", password="pw-x-2026-long", display_name="x", **kwargs)
    assert caught.value.messages == [message]
    assert not User.objects.filter(username="x").exists()


def test_the_admin_role_makes_a_superuser(org):
    user = user_create(
        actor=None,
        username="root2",
        password="pw-root-2026",
        display_name="管理者",
        roles=[Role.ADMIN],
        department=org["call_center"],
    )
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_the_system_user_exists_once_and_cannot_log_in(db):
    first = system_user()
    assert system_user() == first
    assert not first.is_active
    assert not first.has_usable_password()
