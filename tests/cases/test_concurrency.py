"""Lost updates: two operators working on one case. The second writer, whose version is stale, is
told in Japanese that someone else changed the case, and the first writer's change stays."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from tests.conftest import PASSWORD
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case, CaseEvent
from tsunagu.cases.services import CONFLICT_MESSAGE, CaseConflict, case_transition, inquiry_answer

from .conftest import open_case

CONFLICT = "他の担当者がこの案件を更新しました。最新の内容を確認してから、もう一度操作してください。"


def _logged_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def inquiry(hq_operator, holder, departments):
    customer, _policy = holder
    return open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="満期はいつですか")


def test_conflict_message_is_the_agreed_japanese_text():
    assert CONFLICT_MESSAGE == CONFLICT


@pytest.mark.django_db
def test_two_operators_answer_the_same_case_second_is_told_and_first_answer_stays(inquiry, hq_operator):
    first, second = _logged_in("hq_operator"), _logged_in("hq_operator")
    seen = []
    for client in (first, second):
        page = client.get(f"/cases/{inquiry.pk}/")
        assert page.status_code == 200
        seen.append(page.context["answer_form"].initial["version"])
        assert f'name="version" value="{inquiry.version}"' in page.content.decode()
    assert seen == [1, 1]
    ok = first.post(f"/cases/{inquiry.pk}/answer/", {"answer": "5月31日です", "version": seen[0]}, follow=True)
    assert "記録しました。" in ok.content.decode()
    late = second.post(f"/cases/{inquiry.pk}/answer/", {"answer": "6月1日です", "version": seen[1]}, follow=True)
    assert CONFLICT in late.content.decode()
    inquiry.refresh_from_db()
    inquiry.inquiry.refresh_from_db()
    assert inquiry.inquiry.answer == "5月31日です"
    assert inquiry.version == 2
    assert CaseEvent.objects.filter(case=inquiry, body="6月1日です").count() == 0


@pytest.mark.django_db
def test_form_without_version_is_refused(inquiry, hq_operator):
    client = _logged_in("hq_operator")
    response = client.post(f"/cases/{inquiry.pk}/transition/", {"to": "in_progress"}, follow=True)
    assert "案件の版が送信されていません" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == CaseStatus.RECEIVED


@pytest.mark.django_db
def test_two_screen_transitions_from_received_only_the_first_applies(inquiry, hq_operator):
    first, second = _logged_in("hq_operator"), _logged_in("hq_operator")
    first.post(f"/cases/{inquiry.pk}/transition/", {"to": "in_progress", "version": 1})
    late = second.post(
        f"/cases/{inquiry.pk}/transition/",
        {"to": "withdrawn", "resolution_summary": "取下げ", "version": 1},
        follow=True,
    )
    assert CONFLICT in late.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == CaseStatus.IN_PROGRESS


@pytest.mark.django_db
def test_stale_document_receipt_is_refused(hq_operator, holder, departments):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.POLICY_REISSUE)
    document = case.documents.first()
    client = _logged_in("hq_operator")
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)  # someone else, meanwhile
    response = client.post(f"/cases/{case.pk}/documents/{document.pk}/receive/", {"version": 1}, follow=True)
    assert CONFLICT in response.content.decode()
    document.refresh_from_db()
    assert document.received_on is None


@pytest.mark.django_db
def test_api_second_transition_with_stale_version_is_409(inquiry, hq_operator):
    first, second = _logged_in("hq_operator"), _logged_in("hq_operator")
    version = first.get(f"/api/cases/{inquiry.pk}/").json()["version"]
    assert second.get(f"/api/cases/{inquiry.pk}/").json()["version"] == version == 1
    url = f"/api/cases/{inquiry.pk}/transition/"
    ok = first.post(url, {"to": "in_progress", "expected_version": version}, "application/json")
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    late = second.post(
        url, {"to": "withdrawn", "resolution_summary": "取下げ", "expected_version": version}, "application/json"
    )
    assert late.status_code == 409
    assert late.json() == {"detail": CONFLICT}
    inquiry.refresh_from_db()
    assert inquiry.status == CaseStatus.IN_PROGRESS
    assert inquiry.version == 2


@pytest.mark.django_db
def test_api_transition_requires_expected_version(inquiry, hq_operator):
    client = _logged_in("hq_operator")
    response = client.post(f"/api/cases/{inquiry.pk}/transition/", {"to": "in_progress"}, "application/json")
    assert response.status_code == 422
    inquiry.refresh_from_db()
    assert inquiry.status == CaseStatus.RECEIVED


@pytest.mark.django_db
def test_every_changing_service_bumps_the_version(inquiry, hq_operator):
    inquiry_answer(actor=hq_operator, case=inquiry, answer="回答", expected_version=1)
    inquiry.refresh_from_db()
    assert inquiry.version == 2
    with pytest.raises(CaseConflict):
        inquiry_answer(actor=hq_operator, case=inquiry, answer="古い画面から", expected_version=1)
    case_transition(actor=hq_operator, case=inquiry, to=CaseStatus.IN_PROGRESS, expected_version=2)
    assert inquiry.version == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_from_received_on_two_connections(case_reference_data, hq_operator, holder, departments):
    """Two real transactions at once: the first holds the row while the second tries. On PostgreSQL
    the second blocks on the row lock and then sees the bumped version; on SQLite the IMMEDIATE
    transactions serialise and the second sees it too. Either way: one change, one conflict."""
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    threaded = connection.vendor != "sqlite"
    first_locked, second_started = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                case_transition(
                    actor=hq_operator, case=Case.objects.get(pk=case.pk), to="in_progress", expected_version=1
                )
                first_locked.set()
                second_started.wait(5)
                # Keep the lock a moment so the second writer is really waiting on it.
                threading.Event().wait(0.5)
            outcome["first"] = "ok"
        except Exception as error:
            outcome["first"] = error
            first_locked.set()
        finally:
            if threaded:
                connections.close_all()

    def second() -> None:
        first_locked.wait(5)
        second_started.set()
        try:
            case_transition(
                actor=hq_operator,
                case=Case.objects.get(pk=case.pk),
                to="withdrawn",
                resolution_summary="取下げ",
                expected_version=1,
            )
            outcome["second"] = "ok"
        except Exception as error:
            outcome["second"] = error
        finally:
            if threaded:
                connections.close_all()

    if not threaded:
        # One SQLite writer at a time: the second transaction cannot start until the first
        # commits, so run them one after the other with the same stale expectation.
        first_locked.set()
        second_started.set()
        first()
        second()
    else:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert outcome["first"] == "ok", outcome
    assert isinstance(outcome["second"], CaseConflict), outcome
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.version == 2
    assert CaseEvent.objects.filter(case=case, kind="status").count() == 1
