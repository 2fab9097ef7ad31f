"""A document is visible exactly when its policy (or, without one, its case) is.

A customer shared by agencies A and B: B's contract notice names B's premiums and sums insured, and
a reissued policy of B's case belongs to B's work. Agency A staff must see neither — not in the
customer's document list, not by id, not through the reply screen.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.cases import conftest as case_fixtures
from tests.conftest import PASSWORD, make_customer, make_policy, read
from tsunagu.cases.choices import CaseType
from tsunagu.core.models import AccessLog
from tsunagu.customers.services import customer_link_agency
from tsunagu.documents.choices import DeliveryChannel, DocumentType
from tsunagu.documents.models import Document
from tsunagu.documents.selectors import document_list_for_customer, document_open

departments = case_fixtures.departments  # the fixture: cases are routed to these departments


def _document(actor, customer, number, doc_type, *, policy=None, case=None):
    return Document.objects.create(
        number=number,
        doc_type=doc_type,
        customer=customer,
        policy=policy,
        case=case,
        issued_by=actor,
        issued_at=timezone.now(),
        delivery_channel=DeliveryChannel.POST,
        delivery_name=customer.name,
        storage_backend="local",
        storage_key=f"{number}.pdf",
        sha256="0" * 64,
        notice_for=dt.date(2026, 12, 1) if doc_type == DocumentType.CONTRACT_NOTICE else None,
    )


@pytest.fixture
def shared(hq_operator, org, departments):
    customer = make_customer(hq_operator, name="共有 花子", name_kana="キョウユウ ハナコ")
    customer_link_agency(actor=hq_operator, customer=customer, agency=org["agency_a"])
    a_policy = make_policy(hq_operator, customer, agency=org["agency_a"], number="PN-SCOPE-A1")
    b_policy = make_policy(hq_operator, customer, agency=org["agency_b"], number="PN-SCOPE-B1")
    b_case = case_fixtures.open_case(hq_operator, customer, b_policy, CaseType.INQUIRY, "contract", question="補償は？")
    docs = {
        "a_notice": _document(hq_operator, customer, "CN-A-0001", DocumentType.CONTRACT_NOTICE, policy=a_policy),
        "b_notice": _document(hq_operator, customer, "CN-B-0001", DocumentType.CONTRACT_NOTICE, policy=b_policy),
        # A document of B's case that names no policy: the case decides.
        "b_case_doc": _document(hq_operator, customer, "RI-B-0001", DocumentType.POLICY, case=b_case),
        # Neither policy nor case: the customer decides (both agencies serve the customer).
        "customer_doc": _document(hq_operator, customer, "CU-0001", DocumentType.POLICY),
    }
    return customer, docs


def test_agency_a_lists_only_documents_of_its_policies(agency_a_staff, agency_b_staff, hq_operator, shared):
    customer, _ = shared
    listed = {
        d.number for d in document_list_for_customer(user=agency_a_staff, customer=read(agency_a_staff, customer))
    }
    assert listed == {"CN-A-0001", "CU-0001"}
    listed_b = {
        d.number for d in document_list_for_customer(user=agency_b_staff, customer=read(agency_b_staff, customer))
    }
    assert listed_b == {"CN-B-0001", "RI-B-0001", "CU-0001"}
    assert len(document_list_for_customer(user=hq_operator, customer=read(hq_operator, customer))) == 4


@pytest.mark.parametrize("key", ["b_notice", "b_case_doc"])
def test_agency_a_cannot_open_agency_b_documents(agency_a_staff, shared, key):
    _, docs = shared
    before = AccessLog.objects.count()
    with pytest.raises(Http404):
        document_open(user=agency_a_staff, pk=docs[key].pk)
    assert AccessLog.objects.count() == before


def test_screens_answer_404_to_the_other_agency(client, agency_a_staff, shared):
    _, docs = shared
    client.login(username="agency_a_staff", password=PASSWORD)
    for key in ("b_notice", "b_case_doc"):
        assert client.get(f"/documents/{docs[key].pk}/").status_code == 404
    assert client.get(f"/documents/{docs['b_notice'].pk}/reply/").status_code == 404
    page = client.get(f"/customers/{shared[0].pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "CN-A-0001" in html
    assert "CN-B-0001" not in html
    assert "RI-B-0001" not in html


@pytest.fixture
def analyst(org):
    from tests.conftest import _user
    from tsunagu.core.choices import Role

    return _user("analyst", [Role.ANALYST], department=org["call_center"])


def test_a_role_that_sees_the_address_masked_cannot_open_the_pdf(client, analyst, hq_operator, shared):
    """The PDF prints the street and phone in full: a role that sees them masked on the customer
    page must not get them through the document (403 with a Japanese reason, nothing logged)."""
    customer, docs = shared
    before = AccessLog.objects.count()
    with pytest.raises(PermissionDenied):
        document_open(user=analyst, pk=docs["a_notice"].pk)
    assert AccessLog.objects.count() == before
    client.login(username="analyst", password=PASSWORD)
    response = client.get(f"/documents/{docs['a_notice'].pk}/")
    assert response.status_code == 403
    assert "伏せ字で表示されるため、帳票を開くことはできません" in response.content.decode()  # the reason
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "CN-A-0001" in page  # listed, so the analyst knows it exists …
    assert f'href="/documents/{docs["a_notice"].pk}/"' not in page  # … but not linked
    assert "あなたの権限では開けません" in page
