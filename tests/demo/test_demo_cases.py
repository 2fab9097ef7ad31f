"""`manage.py demo_data`: a year of cases of every type (open, overdue, closed), the documents the
reissues issued, 30+ FAQ articles linked to inquiries, deterministic per seed, and demo cases the
services can carry on with."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.conftest import seed_case_reference_data
from tsunagu.cases.choices import CancellationOutcome, CaseStatus, CaseType
from tsunagu.cases.models import (
    CancellationRequest,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNumberSequence,
    ChangeRequest,
    ComplaintDetail,
    InquiryDetail,
    KnowledgeArticle,
)
from tsunagu.cases.services import case_transition
from tsunagu.cases.workflow import CLOSED_STATUSES, check_transition, next_statuses
from tsunagu.core.models import User
from tsunagu.customers.choices import AddressKind
from tsunagu.demo.operations.cases import CaseGenerator, _page, _refs, _simulate
from tsunagu.demo.org import ensure_org
from tsunagu.documents.choices import DocumentType
from tsunagu.documents.models import Document
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, ClaimStatus, PolicyStatus
from tsunagu.policies.models import Claim

N = 600
# The mark makes pytest-django create the test database (it sets up databases only for sessions
# with tests that ask for one); each test then runs in a transaction rolled back after it.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """One load for the module, dated today (so 期限超過 means what the screens mean)."""
    from django.test import override_settings

    checkpoints = tmp_path_factory.mktemp("checkpoints") / "checkpoints.jsonl"
    with (
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TSUNAGU_ACCESS_LOG_CHECKPOINT_FILE=str(checkpoints),
            TSUNAGU_DOCUMENT_DIR=tmp_path_factory.mktemp("documents"),
        ),
        django_db_blocker.unblock(),
    ):
        seed_case_reference_data()  # an earlier transactional test may have flushed it
        out = StringIO()
        call_command(
            "demo_data",
            customers=N,
            seed=5,
            as_of=timezone.localdate(),
            no_progress=True,
            no_search_index=True,
            stdout=out,
        )
        yield out.getvalue()
        call_command("flush", interactive=False, verbosity=0)
        seed_case_reference_data()  # the flush removed what the migrations seeded: later tests need it


@pytest.fixture
def loaded(demo, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        yield demo


def test_cases_of_all_seven_types_most_closed_some_open_and_overdue(loaded):
    by_type = Counter(Case.objects.values_list("case_type", flat=True))
    assert set(by_type) == set(CaseType.values), by_type
    assert by_type[CaseType.INQUIRY] > by_type[CaseType.CHANGE] > by_type[CaseType.COMPLAINT]
    total = sum(by_type.values())
    assert 0.1 * N < total < 0.6 * N  # a year of a 600-customer book
    today = timezone.localdate()
    open_cases = Case.objects.filter(is_open=True)
    overdue = open_cases.filter(paused_since__isnull=True, due_date__lt=today)
    closed = Case.objects.filter(is_open=False)
    assert open_cases.count() >= 3
    assert overdue.count() >= 2
    assert closed.count() > 0.85 * total
    assert all(c.closed_at is not None and c.resolution_summary for c in closed)
    assert set(closed.values_list("status", flat=True)) <= set(CLOSED_STATUSES)
    assert "案件:" in loaded
    assert "期限超過" in loaded
    # A year: opened over the last twelve months, nothing after the reference date.
    first = Case.objects.order_by("opened_on").first()
    assert first is not None
    assert first.opened_on >= today - dt.timedelta(days=366)
    assert not CaseEvent.objects.filter(at__gte=timezone.now()).exists()


def test_timelines_follow_the_workflow_and_versions_count_the_changes(loaded):
    for case in Case.objects.order_by("id")[:150]:
        events = list(case.events.order_by("at", "id"))
        assert events[0].kind == "created"
        status = CaseStatus.RECEIVED
        for event in events:
            if event.kind == "status":
                assert event.data["from"] == status
                check_transition(case.case_type, status, event.data["to"])
                status = event.data["to"]
            elif event.kind == "handoff":
                status = CaseStatus.ESCALATED  # case_handoff moves it there without a status entry
        assert status == case.status, case.number
        assert case.version >= 1 + sum(1 for e in events if e.kind == "status")
        assert case.history.count() >= 1
    # Closed cases with documents have every required document received and no open 不備.
    closed_docs = CaseDocument.objects.filter(case__status=CaseStatus.COMPLETED)
    assert not closed_docs.filter(received_on__isnull=True).exists()
    assert CaseDocument.objects.exclude(deficiency_note="").exists()  # some were deficient


def test_assignees_are_demo_users_who_may_see_the_case(loaded):
    assigned = Case.objects.exclude(assignee=None).select_related("assignee")
    usernames = set(assigned.values_list("assignee__username", flat=True))
    assert {"operator", "policy_admin", "complaints"} <= usernames
    assert usernames & {"claims", "claims2"}
    for case in assigned.filter(assignee__username__in=["agency1", "agency2"])[:30]:
        assert Case.objects.visible_to(case.assignee).filter(pk=case.pk).exists()


def test_complaints_and_cancellations_carry_their_records(loaded):
    done = ComplaintDetail.objects.filter(case__status=CaseStatus.COMPLETED)
    assert done.exists()
    assert all(c.cause and c.countermeasure and c.category_id for c in done)
    outcomes = Counter(CancellationRequest.objects.exclude(outcome="").values_list("outcome", flat=True))
    decided = sum(outcomes.values())
    retained = outcomes[CancellationOutcome.RETAINED] + outcomes[CancellationOutcome.RETAINED_CHANGED]
    assert decided >= 5
    assert outcomes[CancellationOutcome.CANCELLED] > 0
    assert 0.05 <= retained / decided <= 0.6
    for request in CancellationRequest.objects.filter(
        outcome=CancellationOutcome.CANCELLED, case__status=CaseStatus.COMPLETED
    ).select_related("case__policy"):
        assert request.offer_made
        assert request.effective_date is not None
        policy = request.case.policy
        assert policy is not None
        if request.effective_date < timezone.localdate():
            assert policy.status == PolicyStatus.CANCELLED


def test_reissues_issued_documents_and_the_faq_is_used(loaded):
    reissued = Document.objects.filter(case__isnull=False)
    assert reissued.filter(doc_type=DocumentType.POLICY).exists()
    assert reissued.filter(doc_type=DocumentType.DEDUCTION_CERTIFICATE).exists()
    for document in reissued.select_related("case"):
        assert document.case is not None
        assert document.case.status == CaseStatus.COMPLETED
        assert document.case.case_type in (CaseType.POLICY_REISSUE, CaseType.CERTIFICATE_REISSUE)
    assert KnowledgeArticle.objects.filter(is_published=True).count() >= 30
    linked = InquiryDetail.objects.filter(articles__isnull=False).distinct().count()
    assert linked > 0.5 * InquiryDetail.objects.exclude(answer="").count()


def test_applied_changes_keep_what_they_replaced(loaded):
    applied = ChangeRequest.objects.filter(
        case__status=CaseStatus.COMPLETED, case__sub_type__in=["address", "name", "payment"]
    ).select_related("case__customer")
    assert applied.exists()
    today = timezone.localdate()
    for change in applied:
        # A 異動 dated after today is 反映予定 (the daily apply_scheduled_changes applies it on its date).
        assert (change.applied_at is None) == (change.effective_date > today)
        if change.applied_at is not None:
            assert timezone.localtime(change.applied_at).date() >= change.effective_date
        assert change.previous_values
        if change.case.sub_type == "address":
            customer = change.case.customer
            primary = customer.addresses.get(is_primary=True)
            assert primary.postal_code == change.new_values["postal_code"]
            assert customer.addresses.filter(
                is_primary=False, kind=AddressKind.FORMER, postal_code=change.previous_values["postal_code"]
            ).exists()


def test_numbering_continues_after_the_demo_cases(loaded):
    """The sequence of each year sits on the last number the demo used, for a case or a claim (a
    claim registered later is numbered "J" + its case's number, so it must not meet a demo claim)."""
    years = CaseNumberSequence.objects.values_list("year", "last")
    assert years
    for year, last in years:
        used = [
            int(n.removeprefix(f"C-{year}-"))
            for n in Case.objects.filter(number__startswith=f"C-{year}-").values_list("number", flat=True)
        ]
        used += [
            int(n.removeprefix(f"J{year}"))
            for n in Claim.objects.filter(number__startswith=f"J{year}").values_list("number", flat=True)
        ]
        assert used
        assert max(used) == last


def test_demo_claims_are_numbered_like_the_product_and_a_new_one_does_not_collide(loaded):
    numbers = list(Claim.objects.values_list("number", "reported_on"))
    assert numbers
    for number, reported_on in numbers:
        assert re.fullmatch(rf"J{reported_on.year}\d{{6}}", number), number
    case = Case.objects.filter(case_type=CaseType.ACCIDENT).order_by("id").first()
    assert case is not None
    year = timezone.localdate().year
    from tsunagu.cases.services.common import next_number

    with transaction.atomic():
        fresh = next_number(year)
    assert not Claim.objects.filter(number=f"J{fresh.removeprefix('C-')}".replace("-", "")).exists()
    assert not Case.objects.filter(number=fresh).exists()


def test_claims_agree_with_their_accident_cases(loaded):
    cases = Case.objects.filter(case_type=CaseType.ACCIDENT, claim__isnull=False).select_related("claim")
    assert cases.filter(is_open=False).exists()
    for case in cases:
        claim = case.claim
        if case.is_open:
            assert claim.status not in CLOSED_CLAIM_STATUSES, case.number
        else:
            assert claim.status != ClaimStatus.REPORTED, (case.number, claim.number)
            assert claim.handler_id is not None, (case.number, claim.number)
        if claim.status == ClaimStatus.PAID:
            assert claim.amount_paid > 0


def test_a_demo_case_can_be_advanced_by_the_services(loaded):
    """An open demo case carries on through the services, with the version the screen showed."""
    case = Case.objects.filter(is_open=True).exclude(status=CaseStatus.AWAITING_ISSUE).order_by("id").first()
    assert case is not None
    operator = User.objects.get(username="admin")
    if CaseStatus.WITHDRAWN not in next_statuses(case.case_type, case.status):
        version = case.version
        case_transition(actor=operator, case=case, to=CaseStatus.IN_PROGRESS, expected_version=version)
        assert case.version == version + 1
    version = case.version
    case_transition(
        actor=operator,
        case=case,
        to=CaseStatus.WITHDRAWN,
        resolution_summary="お客さまのご意向により取り下げた。",
        expected_version=version,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert not case.is_open
    assert case.version == version + 1
    assert case.events.filter(kind="status", data__to=CaseStatus.WITHDRAWN).exists()


def test_the_screens_show_the_demo_year(loaded, settings):
    """Every role's case screens open on demo data: a case of each type, the queues, the FAQ."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.get(username="complaints"))
    for case_type in CaseType.values:
        case = Case.objects.filter(case_type=case_type).order_by("-is_open", "id").first()
        assert case is not None
        response = client.get(f"/cases/{case.pk}/")
        assert response.status_code == 200, case.number
        assert case.number in response.content.decode()
    for username, url in (
        ("operator", "/cases/mine/"),
        ("policy_admin", "/cases/queue/"),
        ("policy_admin", "/cases/overdue/"),
        ("agency1", "/cases/mine/"),
        ("operator", "/cases/faq/?q=車両入替"),
    ):
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, url
    assert "車を買い替えたとき" in client.get("/cases/faq/?q=車両入替").content.decode()
    overdue = Case.objects.filter(is_open=True, paused_since__isnull=True, due_date__lt=timezone.localdate()).first()
    assert overdue is not None
    client.force_login(User.objects.get(username="admin"))
    assert overdue.number in client.get("/cases/overdue/").content.decode()


def test_the_simulation_is_deterministic_per_seed(loaded):
    """The same seed (and reference date) gives the same cases; another seed other cases."""
    org = ensure_org(User.objects.get(username="system"), N)
    refs = _refs(org, {})
    from tsunagu.cases.business_calendar import current_calendar

    def rows(seed: str) -> list[object]:
        generator = CaseGenerator(seed=seed, as_of=timezone.localdate(), refs=refs, cal=current_calendar())
        _simulate(generator, _page(1, N + 1, generator.start))
        return [generator.rows[name] for name in sorted(generator.rows)]

    assert rows("a") == rows("a")
    assert rows("a") != rows("b")
