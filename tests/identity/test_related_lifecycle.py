"""The owner ↔ company relation over time (issue 16): merges are followed when the customer
page reads relations (the survivor shows the absorbed customer's relation, the other side shows
the survivor; an unmerge gives it back), an unmerge leaves related pairs alone, and a steward ends
a relation (関連の解除) with a reason: kept, ended, audited, no longer shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_customer
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.customers.choices import CustomerKind
from tsunagu.identity.choices import PairKind, PairStatus, RelationRole
from tsunagu.identity.models import CandidatePair, CustomerRelation
from tsunagu.identity.services.golden import golden_create
from tsunagu.identity.services.merging import customer_merge, customer_unmerge
from tsunagu.identity.services.related import related_decide, relation_end

from .conftest import person
from .test_related import _records

pytestmark = pytest.mark.django_db


def _company(actor, name: str = "株式会社山田工務店", **kw):
    return make_customer(
        actor,
        kind=CustomerKind.CORPORATE,
        name=name,
        name_kana=kw.pop("name_kana", "カブシキガイシャ ヤマダコウムテン"),
        birth_date=None,
        emails=[],
        **kw,
    )


def _relate(steward, person_customer, corporation, role=RelationRole.REPRESENTATIVE) -> CustomerRelation:
    return CustomerRelation.objects.create(
        person=person_customer, corporation=corporation, role=role, created_by=steward
    )


def _page(client, customer) -> str:
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def owner_twice(hq_operator, org, steward):
    """One owner as two customers (A, with the relation to the company C, and B), and C."""
    a = make_customer(hq_operator, agency=org["agency_a"], name="山田 一郎", name_kana="ヤマダ イチロウ")
    b = make_customer(
        hq_operator, agency=org["agency_a"], name="山田 一郎", name_kana="ヤマダ イチロウ", phones=[], emails=[]
    )
    c = _company(hq_operator)
    relation = _relate(steward, a, c)
    return a, b, c, relation


# --- merges are followed at read time -------------------------------------------------------------


def test_after_a_merge_the_survivor_shows_the_relation_and_the_company_shows_the_survivor(
    client, hq_operator, steward, owner_twice
):
    a, b, c, relation = owner_twice
    merge = customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    client.force_login(hq_operator)
    body = _page(client, b)
    assert "関連する法人" in body
    assert "株式会社山田工務店" in body
    assert f"{c.number}・代表者" in body
    company = _page(client, c)
    assert f"({b.number}・代表者)" in company
    assert a.number not in company  # the merged-away customer is not named
    # The row itself is not rewritten: its history has the one creation row.
    relation.refresh_from_db()
    assert (relation.person_id, relation.history.count()) == (a.pk, 1)
    # Unmerge: A has it again, B no longer.
    customer_unmerge(actor=steward, merge=merge, reason="別人でした")
    assert f"{c.number}・代表者" in _page(client, a)
    assert "関連する法人" not in _page(client, b)
    company = _page(client, c)
    assert f"({a.number}・代表者)" in company
    assert b.number not in company


def test_two_relations_to_one_company_after_a_merge_are_shown_once(client, hq_operator, steward, owner_twice):
    a, b, c, _ = owner_twice
    _relate(steward, b, c, role=RelationRole.ASSOCIATE)
    customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    client.force_login(hq_operator)
    body = _page(client, b)
    assert body.count(f"{c.number}・") == 1
    assert f"{c.number}・関係者" in body  # the survivor's own relation speaks first
    assert _page(client, c).count(f"{b.number}・") == 1


def test_chained_merges_and_a_merged_company_are_followed(client, hq_operator, steward, owner_twice):
    a, b, c, _ = owner_twice
    d = make_customer(hq_operator, name="山田 一郎", name_kana="ヤマダ イチロウ", phones=[], emails=[])
    c2 = _company(hq_operator, name="株式会社ヤマダ工務店", phones=[])
    customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    customer_merge(actor=steward, survivor=d, absorbed=b, reason="同一人物")
    customer_merge(actor=steward, survivor=c2, absorbed=c, reason="同一法人")
    client.force_login(hq_operator)
    body = _page(client, d)
    assert f"{c2.number}・代表者" in body
    assert c.number not in body
    company = _page(client, c2)
    assert f"({d.number}・代表者)" in company


def test_a_relation_whose_two_sides_are_one_customer_is_not_shown(hq_operator, steward, owner_twice):
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.customers.selectors import customer_get
    from tsunagu.identity.selectors import customer_relations

    a, b, c, _ = owner_twice
    # A person and a corporation are never merged (merge_check); the pointer is set directly to
    # stand for a steward's mixed cluster.
    a.merged_into = b
    a.save(update_fields=["merged_into"])
    c.merged_into = b
    c.save(update_fields=["merged_into"])
    customer = customer_get(user=hq_operator, pk=b.pk, purpose=AccessPurpose.VIEW, screen="test")
    relations = customer_relations(user=hq_operator, customer=customer)
    assert relations["related_corporations"] == relations["related_people"] == []


def test_the_relations_block_costs_one_query_without_relations(
    hq_operator, steward, owner_twice, django_assert_num_queries
):
    """The page's budget (tests/desk/test_customer360.py, a customer without relations) holds:
    following merges costs no query there; with relations, a few reads whatever their number."""
    from tsunagu.core.choices import AccessPurpose
    from tsunagu.customers.selectors import customer_get
    from tsunagu.identity.selectors import customer_relations

    a, b, c, _ = owner_twice
    customer = customer_get(user=hq_operator, pk=b.pk, purpose=AccessPurpose.VIEW, screen="test")
    with django_assert_num_queries(1):  # no relation: one query, merges included
        customer_relations(user=hq_operator, customer=customer)
    customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    customer = customer_get(user=hq_operator, pk=b.pk, purpose=AccessPurpose.VIEW, screen="test")
    customer_get(user=hq_operator, pk=c.pk, purpose=AccessPurpose.VIEW, screen="test")  # the chain head
    with CaptureQueriesContext(connection) as merged:
        assert customer_relations(user=hq_operator, customer=customer)["related_corporations"]
    # The relations (merges followed), both sides, the survivor of the merged side, the other's
    # scope; then the access log of its name (its own statements, as on every read).
    reads = [q["sql"] for q in merged.captured_queries if "accesslog" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert len(reads) == 4, "\n".join(q[:200] for q in reads)


# --- unmerge leaves related pairs alone -----------------------------------------------------------


def test_unmerge_marks_only_merge_candidates_as_two_people(steward, sources):
    # B's second record stands for a corporation's record on a person customer (a mixed cluster):
    # the only way a related pair lies between two customers that can be merged.
    r1, r2, r3 = _records(
        steward,
        [person("P1"), person("P2", name="山田 太朗", mobile="090-0000-1111"), person("P3", name="山田 太")],
    )
    a = golden_create(actor=steward, records=[r1])
    b = golden_create(actor=steward, records=[r2, r3])
    match = CandidatePair.objects.create(
        record_l=r1, record_r=r2, match_probability=0.9, match_weight=3.0, status=PairStatus.REVIEW,
        evidence={"dob": {"level": "exact", "weight": 5.0}},
    )  # fmt: skip
    related = CandidatePair.objects.create(
        kind=PairKind.RELATED, record_l=r1, record_r=r3, match_probability=0.0, match_weight=0.0,
        status=PairStatus.REVIEW, evidence={"related": {"person": r1.pk, "corporation": r3.pk, "reasons": ["address"]}},
    )  # fmt: skip
    merge = customer_merge(actor=steward, survivor=a, absorbed=b, reason="同一人物")
    customer_unmerge(actor=steward, merge=merge, reason="別人でした")
    match.refresh_from_db()
    related.refresh_from_db()
    assert match.status == PairStatus.NOT_LINKED
    assert related.status == PairStatus.REVIEW
    assert related.decided_by is None


# --- 関連の解除 -----------------------------------------------------------------------------------


def test_ending_a_relation_keeps_it_ended_with_history_and_audit(client, hq_operator, steward, owner_twice):
    a, _, c, relation = owner_twice
    ended = relation_end(actor=steward, relation=relation, reason="代表者の交代(登記簿で確認)")
    assert CustomerRelation.objects.filter(pk=relation.pk).exists()  # not deleted
    assert ended.ended_by == steward
    assert ended.ended_at is not None
    assert ended.end_reason == "代表者の交代(登記簿で確認)"
    last = ended.history.latest()
    assert (last.history_type, last.history_user, last.end_reason) == ("~", steward, "代表者の交代(登記簿で確認)")
    assert "関連の解除" in last.history_change_reason
    event = AuditEvent.objects.get(action=AuditAction.IDENTITY_RELATION_END)
    assert event.summary == f"{a.number} と {c.number} の関連(代表者)を解除した"
    assert event.data["reason"] == "代表者の交代(登記簿で確認)"
    assert event.data["customers"] == [a.pk, c.pk]
    assert AuditAction.IDENTITY_RELATION_END.label == "顧客の関連(法人と代表者)を解除"
    client.force_login(hq_operator)
    assert "関連する法人" not in _page(client, a)
    assert "代表者・関係者" not in _page(client, c)
    with pytest.raises(ValidationError, match="既に解除されています"):
        relation_end(actor=steward, relation=relation, reason="もう一度")


def test_ending_after_a_merge_ends_the_merged_away_customers_relation_too(client, hq_operator, steward, owner_twice):
    a, b, c, relation = owner_twice
    own = _relate(steward, b, c, role=RelationRole.ASSOCIATE)
    other = _company(hq_operator, name="株式会社山田商事", phones=[])
    elsewhere = _relate(steward, a, other)
    customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    relation_end(actor=steward, relation=own, reason="代表者の交代")
    relation.refresh_from_db()
    elsewhere.refresh_from_db()
    assert relation.ended_at is not None  # A's relation to C was the same one on B's page
    assert relation.end_reason == "代表者の交代"
    assert elsewhere.ended_at is None  # a relation to another company is not
    assert AuditEvent.objects.filter(action=AuditAction.IDENTITY_RELATION_END).count() == 2
    client.force_login(hq_operator)
    body = _page(client, b)
    assert f"{c.number}・" not in body
    assert f"{other.number}・代表者" in body


def test_ending_on_the_screen_after_a_merge_returns_to_the_survivor(client, steward, owner_twice):
    a, b, _c, relation = owner_twice
    customer_merge(actor=steward, survivor=b, absorbed=a, reason="同一人物")
    client.force_login(steward)
    response = client.post(f"/identity/relations/{relation.pk}/end/", {"reason": "代表者の交代"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{b.pk}/"


def test_ending_needs_a_steward_and_a_reason(hq_operator, agency_a_staff, steward, owner_twice):
    relation = owner_twice[3]
    for outsider in (hq_operator, agency_a_staff):
        with pytest.raises(PermissionDenied):
            relation_end(actor=outsider, relation=relation, reason="理由")
    with pytest.raises(ValidationError) as empty:
        relation_end(actor=steward, relation=relation, reason="  ")
    assert "関連を解除する理由を入力してください。" in str(empty.value)
    relation.refresh_from_db()
    assert relation.is_active


def test_a_steward_outside_the_scope_gets_404_from_the_service(steward, owner_twice, monkeypatch):
    from tsunagu.identity.models import CustomerRelationQuerySet

    relation = owner_twice[3]
    monkeypatch.setattr(CustomerRelationQuerySet, "visible_to", lambda self, user: self.none())
    with pytest.raises(Http404):
        relation_end(actor=steward, relation=relation, reason="理由")


def test_the_two_customers_may_be_related_again_after_the_end(steward, sources):
    from tsunagu.identity.services.related import related_store

    from .test_related import _found, company_row, owner_row

    owner, company = _records(steward, [owner_row(), company_row()])
    person_customer = golden_create(actor=steward, records=[owner])
    corporation = golden_create(actor=steward, records=[company])
    related_store(actor=steward, run=None, found=_found((owner, company, "address|landline")))
    pair = CandidatePair.objects.get(kind=PairKind.RELATED)
    related_decide(actor=steward, pair=pair, related=True)
    first = CustomerRelation.objects.get()
    relation_end(actor=steward, relation=first, reason="誤登録")
    # The decided pair is not asked again; a steward may register the two anew (a new row).
    assert related_store(actor=steward, run=None, found=_found((owner, company, "address|landline"))) == 0
    second = _relate(steward, person_customer, corporation)
    assert second.pk != first.pk
    with pytest.raises(IntegrityError), transaction.atomic():  # one active relation per two customers
        _relate(steward, person_customer, corporation)


def test_the_customer_page_offers_the_end_to_stewards_only(client, hq_operator, steward, owner_twice):
    a, _, c, relation = owner_twice
    url = f"/identity/relations/{relation.pk}/end/"
    client.force_login(hq_operator)
    assert url not in _page(client, a)
    client.force_login(steward)
    assert url in _page(client, a)
    assert url in _page(client, c)


def test_ending_on_the_screen(client, steward, owner_twice):
    a, _, _, relation = owner_twice
    client.force_login(steward)
    url = f"/identity/relations/{relation.pk}/end/"
    body = client.get(url).content.decode()
    assert "関連を解除する" in body
    assert "株式会社山田工務店" in body
    assert "山田 一郎" in body
    # An empty reason: the Japanese error on the page, nothing ended.
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "関連を解除する理由を入力してください。" in response.content.decode()
    response = client.post(url, {"reason": "x" * 301})
    assert "解除の理由は300文字以内で入力してください。" in response.content.decode()
    relation.refresh_from_db()
    assert relation.is_active
    response = client.post(url, {"reason": "代表者の交代"})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{a.pk}/"
    relation.refresh_from_db()
    assert not relation.is_active
    assert "関連する法人" not in _page(client, a)
    body = client.get(url).content.decode()
    assert "解除済み" in body
    assert "代表者の交代" in body
    assert 'name="reason"' not in body  # no form on an ended relation
    # Twice: a Japanese error, not a 500.
    response = client.post(url, {"reason": "もう一度"})
    assert response.status_code == 200
    assert "この関連は既に解除されています。" in response.content.decode()


def test_outsiders_get_403_or_404_and_no_name(client, hq_operator, agency_b_staff, steward, owner_twice):
    relation = owner_twice[3]
    url = f"/identity/relations/{relation.pk}/end/"
    for user in (hq_operator, agency_b_staff):
        client.force_login(user)
        for response in (client.get(url), client.post(url, {"reason": "理由"})):
            assert response.status_code in (403, 404)
            assert "株式会社山田工務店" not in response.content.decode()
            assert "山田 一郎" not in response.content.decode()
    client.force_login(steward)
    assert client.get("/identity/relations/999999/end/").status_code == 404
    relation.refresh_from_db()
    assert relation.is_active


def test_the_related_pair_page_links_to_the_end_and_shows_it_ended(client, steward, sources):
    from tsunagu.identity.services.related import related_store

    from .test_related import _found, company_row, owner_row

    owner, company = _records(steward, [owner_row(), company_row()])
    golden_create(actor=steward, records=[owner])
    golden_create(actor=steward, records=[company])
    related_store(actor=steward, run=None, found=_found((owner, company, "address|landline")))
    pair = CandidatePair.objects.get(kind=PairKind.RELATED)
    related_decide(actor=steward, pair=pair, related=True)
    relation = CustomerRelation.objects.get()
    client.force_login(steward)
    body = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert f"/identity/relations/{relation.pk}/end/" in body
    relation_end(actor=steward, relation=relation, reason="誤登録")
    body = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "解除済み" in body
    assert "誤登録" in body
