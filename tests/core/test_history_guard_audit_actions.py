"""Audit action names are choices (core.choices.AuditAction), not free strings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tsunagu.core.audit import action_label, audit_action, record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"action", "audit_action"}


def _literal_codes(node: ast.expr) -> list[str]:
    """String constants an `action=` argument can evaluate to (plain or in a conditional)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_codes(node.body) + _literal_codes(node.orelse)
    return []


def _action_arguments() -> list[tuple[str, int, str]]:
    """Every string passed as action=/audit_action= to a call (record_event, AuditEvent(...),
    AuditRecord(...), filter(action=...)) in the code base and its tests, except argparse's."""
    found = []
    for base in ("tsunagu", "tests"):
        for path in sorted((ROOT / base).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                if isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
                    continue
                for keyword in node.keywords:
                    if keyword.arg in KEYWORDS:
                        for code in _literal_codes(keyword.value):
                            found.append((str(path.relative_to(ROOT)), node.lineno, code))
    return found


def test_every_action_string_in_the_code_base_is_an_audit_action():
    arguments = _action_arguments()
    unknown = [f"{path}:{line} {code!r}" for path, line, code in arguments if code not in AuditAction.values]
    assert not unknown, f"not members of tsunagu.core.choices.AuditAction: {unknown}"


def test_action_attributes_name_existing_members():
    """`AuditAction.X` in the code must exist (a typo would only fail when that path runs)."""
    missing = []
    for path in sorted((ROOT / "tsunagu").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "AuditAction"
                and not hasattr(AuditAction, node.attr)
            ):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} AuditAction.{node.attr}")
    assert not missing


def test_codes_are_unique_and_every_label_is_japanese():
    assert len(set(AuditAction.values)) == len(AuditAction.values)
    for member in AuditAction:
        assert member.label != member.value
        assert any("\u3040" <= ch <= "\u9fff" for ch in member.label), member


@pytest.mark.django_db
def test_record_event_refuses_an_unknown_action_and_writes_nothing(hq_operator):
    before = AuditEvent.objects.count()
    not_a_member = "customer.delete"  # a variable: the scan above reads only literal arguments
    with pytest.raises(ValueError, match=r"未登録の監査操作です: 'customer\.delete'"):
        record_event(actor=hq_operator, action=not_a_member, target=hq_operator, summary="x")
    assert AuditEvent.objects.count() == before
    # A member's code (what files not converted yet pass) is the member itself.
    event = record_event(actor=hq_operator, action="user.create", target=hq_operator, summary="登録")
    assert event.action == AuditAction.USER_CREATE
    event.refresh_from_db()
    assert action_label(event.action) == "ユーザーの登録"


def test_audit_action_and_label_helpers():
    assert audit_action(AuditAction.IDENTITY_UNMERGED) is AuditAction.IDENTITY_UNMERGED
    assert audit_action("identity.unmerged") is AuditAction.IDENTITY_UNMERGED
    assert action_label("identity.unmerged") == "顧客の統合解除(統合元)"
    assert action_label("legacy.code") == "legacy.code"  # rows written before a code was retired


@pytest.mark.django_db
def test_the_admin_shows_and_filters_actions_by_their_japanese_label(client, hq_operator):
    from tests.core.helpers import grant_admin_view

    record_event(actor=hq_operator, action=AuditAction.IDENTITY_UNMERGED, target=hq_operator, summary="解除")
    client.force_login(grant_admin_view(hq_operator, AuditEvent))
    page = client.get("/admin/core/auditevent/").content.decode()
    assert "顧客の統合解除(統合元)" in page
    assert ">identity.unmerged<" not in page
    filtered = client.get("/admin/core/auditevent/", {"action": "identity.unmerged"}).content.decode()
    results = filtered.split('id="result_list"')[1].split("</table>")[0]
    assert "顧客の統合解除(統合元)" in results
    assert "ユーザーの登録" not in results  # the personas' user.create events are filtered out
