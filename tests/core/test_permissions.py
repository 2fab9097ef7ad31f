"""Named permissions (core.permissions): who may use which function, asked in one place.

Every persona reads as a sentence; the last test keeps role checks from spreading again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template

from tests.conftest import _user
from tsunagu.core import permissions
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward(org):
    crm = Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM)
    return _user("steward", [Role.DATA_STEWARD], department=crm)


@pytest.fixture
def policy_admin(org):
    pa = Department.objects.create(code="PA", name="契約管理部", kind=DepartmentKind.POLICY_ADMIN)
    return _user("policy_admin", [Role.OPERATOR], department=pa)


@pytest.fixture
def complaints_officer(org):
    cr = Department.objects.create(code="CR", name="お客様相談室", kind=DepartmentKind.CUSTOMER_RELATIONS)
    return _user("complaints", [Role.COMPLAINTS_OFFICER], department=cr)


def test_only_stewards_do_identity_work(steward, hq_operator, agency_a_staff):
    assert permissions.has(steward, permissions.IDENTITY_STEWARD)
    assert not permissions.has(hq_operator, permissions.IDENTITY_STEWARD)
    assert not permissions.has(agency_a_staff, permissions.IDENTITY_STEWARD)
    with pytest.raises(PermissionDenied, match="データスチュワード"):
        permissions.require(hq_operator, permissions.IDENTITY_STEWARD)


def test_head_office_sees_batches_but_only_policy_admin_starts_them(hq_operator, policy_admin, agency_a_staff):
    assert permissions.has(hq_operator, permissions.DOCUMENT_BATCHES_VIEW)
    assert not permissions.has(agency_a_staff, permissions.DOCUMENT_BATCHES_VIEW)
    assert permissions.has(policy_admin, permissions.DOCUMENT_BATCHES_START)
    assert not permissions.has(hq_operator, permissions.DOCUMENT_BATCHES_START)


def test_complaint_details_for_complaints_officers_and_compliance(complaints_officer, auditor, hq_operator):
    assert permissions.has(complaints_officer, permissions.COMPLAINT_SENSITIVE)
    assert permissions.has(auditor, permissions.COMPLAINT_SENSITIVE)
    assert not permissions.has(hq_operator, permissions.COMPLAINT_SENSITIVE)


def test_an_inactive_or_anonymous_user_has_no_permission(steward):
    from django.contrib.auth.models import AnonymousUser

    steward.is_active = False
    for name in permissions.REGISTRY:
        assert not permissions.has(steward, name)
        assert not permissions.has(AnonymousUser(), name)


def test_templates_ask_the_registry(steward, hq_operator):
    template = Template('{% load tsunagu %}{% can "identity.steward" as ok %}{{ ok }}')
    assert template.render(Context({"user": steward})) == "True"
    assert template.render(Context({"user": hq_operator})) == "False"


def test_role_checks_live_only_in_core():
    """A role check written into an app (or a template) would bypass the registry."""
    root = Path(__file__).resolve().parents[2] / "tsunagu"
    allowed = {root / "core" / name for name in ("permissions.py", "scoping.py", "models.py", "masking.py")}
    pattern = re.compile(r"has_role\(|\buser\.roles\b|in user\.roles|is_superuser or")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in [*root.rglob("*.py"), *root.rglob("*.html")]
        if path not in allowed and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == [], f"role checks outside core.permissions: {offenders}"
