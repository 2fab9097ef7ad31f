"""Related candidates (関連候補(法人と代表者), issue 16): a full run stores person × corporation
pairs in review, one per two customers, never linked; resolution and the merge decision never
join them; the steward registers the relation (CustomerRelation, with history and an audit event)
or 関連なし; the review screen has its own tab; the customer page shows the relation through the
customer scoping."""

from __future__ import annotations

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import make_customer
from tsunagu.core import writes
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.customers.choices import CustomerKind
from tsunagu.identity.choices import PairKind, PairStatus, RelationRole
from tsunagu.identity.models import CandidatePair, CustomerRelation, MatchModel, SourceRecord
from tsunagu.identity.selectors import dashboard, review_counts, review_queue
from tsunagu.identity.services.golden import golden_create
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.matching import match_run_start
from tsunagu.identity.services.related import related_decide, related_store
from tsunagu.identity.services.resolution import resolve_all
from tsunagu.identity.services.review import pair_decide

from .conftest import csv_bytes, person
from .test_matching import _load

pytestmark = pytest.mark.django_db

HOME = "東京都世田谷区桜3-2-1"
LANDLINE = "03-3429-1111"


def owner_row(rid: str = "O1") -> list[str]:
    return person(
        rid,
        name="山田 一郎",
        kana="ヤマダ イチロウ",
        birth="1958-02-11",
        postal="156-0053",
        address=HOME,
        phone=LANDLINE,
        mobile="090-8765-4321",
        email="ichiro@example.jp",
    )


def company_row(rid: str = "K1", address: str = HOME, phone: str = LANDLINE) -> list[str]:
    return [
        "K" + rid[1:],
        "株式会社山田工務店",
        "カブシキガイシャヤマダコウムテン",
        "",
        "",
        "156-0053",
        address,
        phone,
        "",
        "",
    ]


def _records(steward, rows: list[list[str]]) -> list[SourceRecord]:
    records_import(actor=steward, source_code="AGENCY", data=csv_bytes(rows), file_name="r.csv", match=False)
    return [SourceRecord.objects.get(source__code="AGENCY", external_id=r[0]) for r in rows]


def _found(*pairs: tuple[SourceRecord, SourceRecord, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(str(p.pk), str(c.pk), reasons) for p, c, reasons in pairs],
        columns=["record_id_person", "record_id_corporation", "reasons"],
    )


@pytest.fixture
def owner_and_company(steward, sources):
    """An owner and the company run from the owner's home, each its own customer, and their
    related pair in review (as a full run leaves them)."""
    owner, company = _records(steward, [owner_row(), company_row()])
    person_customer = golden_create(actor=steward, records=[owner])
    corporate_customer = golden_create(actor=steward, records=[company])
    assert related_store(actor=steward, run=None, found=_found((owner, company, "address|landline|family_name"))) == 1
    pair = CandidatePair.objects.get(kind=PairKind.RELATED)
    return {
        "owner": owner,
        "company": company,
        "person": person_customer,
        "corporation": corporate_customer,
        "pair": pair,
    }


# --- the full run --------------------------------------------------------------------------------


def test_a_full_run_stores_the_owner_and_company_as_a_related_pair_never_linked(
    steward, sources, trained_model, django_capture_on_commit_callbacks
):
    _load(steward)
    stranger = person(
        "S1", name="佐藤 花子", kana="サトウ ハナコ", birth="1980-07-07", postal="156-0053", address=HOME, phone=""
    )
    owner, company, _ = _records(steward, [owner_row(), company_row(), stranger])
    MatchModel.objects.create(
        version=1, model_json=trained_model["json"], auto_link=trained_model["auto_link"],
        review=trained_model["review"], trained_by=steward, is_active=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        run = match_run_start(actor=steward)
    run.refresh_from_db()
    assert run.status == "done", run.message
    related = list(CandidatePair.objects.filter(kind=PairKind.RELATED))
    assert len(related) == 1  # the owner's ledger copy is the same customer: one question
    pair = related[0]
    assert pair.status == PairStatus.REVIEW
    assert {pair.record_l_id, pair.record_r_id} == {owner.pk, company.pk}
    assert pair.evidence["related"]["reasons"] == ["address", "landline", "family_name"]
    assert run.related_found == 1
    owner.refresh_from_db()
    company.refresh_from_db()
    assert owner.customer_id != company.customer_id  # never merged
    assert company.customer is not None
    assert company.customer.kind == CustomerKind.CORPORATE
    # Counts of pairs to review for a merge leave the related pair out.
    assert (
        dashboard(user=steward)["review_count"]
        == CandidatePair.objects.filter(kind=PairKind.MATCH, status=PairStatus.REVIEW).count()
    )
    assert dashboard(user=steward)["related_count"] == 1
    assert review_counts(user=steward)["related"] == 1
    assert all(p.kind == PairKind.MATCH for p in review_queue(user=steward, limit=500))
    assert [p.pk for p in review_queue(user=steward, kind=PairKind.RELATED)] == [pair.pk]
    # 関連なし is kept: the next run does not ask again, and still links nothing.
    related_decide(actor=steward, pair=pair, related=False)
    with django_capture_on_commit_callbacks(execute=True):
        again = match_run_start(actor=steward)
    again.refresh_from_db()
    assert again.status == "done", again.message
    assert CandidatePair.objects.filter(kind=PairKind.RELATED).count() == 1
    assert CandidatePair.objects.get(pk=pair.pk).status == PairStatus.UNRELATED
    owner.refresh_from_db()
    company.refresh_from_db()
    assert owner.customer_id != company.customer_id


def test_storing_again_keeps_one_pair_per_two_customers(steward, owner_and_company):
    owner, company = owner_and_company["owner"], owner_and_company["company"]
    # A second record of the owner (another system) on the same customer: the same question.
    (copy,) = _records(steward, [owner_row("O2")])
    copy.customer = owner.customer
    writes.save(copy, actor=steward, reason="test", clean=False, update_fields=["customer"])
    found = _found((owner, company, "address|landline"), (copy, company, "address|landline|family_name"))
    assert related_store(actor=steward, run=None, found=found) == 0  # asked already through the owner's record
    assert CandidatePair.objects.filter(kind=PairKind.RELATED).count() == 1


def test_two_records_of_one_customer_or_related_customers_are_not_asked(steward, owner_and_company):
    owner, company = owner_and_company["owner"], owner_and_company["company"]
    CandidatePair.objects.filter(kind=PairKind.RELATED).delete()
    CustomerRelation.objects.create(
        person=owner_and_company["person"], corporation=owner_and_company["corporation"], created_by=steward
    )
    assert related_store(actor=steward, run=None, found=_found((owner, company, "address|landline"))) == 0


# --- never a merge --------------------------------------------------------------------------------


def test_resolution_never_joins_a_related_pair_whatever_its_status(steward, owner_and_company):
    pair = owner_and_company["pair"]
    pair.status = PairStatus.LINKED  # not a status a related pair gets: resolution must ignore it anyway
    writes.save(pair, actor=steward, reason="test")
    resolve_all(actor=steward)
    owner, company = owner_and_company["owner"], owner_and_company["company"]
    owner.refresh_from_db()
    company.refresh_from_db()
    assert owner.customer_id == owner_and_company["person"].pk
    assert company.customer_id == owner_and_company["corporation"].pk


def test_the_merge_decision_refuses_a_related_pair(steward, owner_and_company):
    with pytest.raises(ValidationError, match="統合はできません"):
        pair_decide(actor=steward, pair=owner_and_company["pair"], link=True)
    assert CandidatePair.objects.get(pk=owner_and_company["pair"].pk).status == PairStatus.REVIEW


# --- the decision services ------------------------------------------------------------------------


def test_registering_the_relation_with_history_and_audit(steward, owner_and_company):
    pair = related_decide(
        actor=steward,
        pair=owner_and_company["pair"],
        related=True,
        role=RelationRole.REPRESENTATIVE,
        note="登記簿で確認",
    )
    assert pair.status == PairStatus.RELATED
    assert pair.decided_by == steward
    relation = CustomerRelation.objects.get()
    assert (relation.person, relation.corporation) == (owner_and_company["person"], owner_and_company["corporation"])
    assert relation.role == RelationRole.REPRESENTATIVE
    assert relation.get_role_display() == "代表者"
    assert relation.pair == pair
    created = relation.history.get()
    assert (created.history_type, created.history_user) == ("+", steward)
    assert "関連として登録" in created.history_change_reason
    assert pair.history.latest().history_user == steward
    event = AuditEvent.objects.get(action=AuditAction.IDENTITY_PAIR_RELATED)
    assert event.summary == f"関連候補 #{pair.pk} を関連として登録した(代表者)"
    assert event.data["relation"] == relation.pk
    # Two customers still, nothing merged.
    assert owner_and_company["person"].pk != owner_and_company["corporation"].pk
    assert not SourceRecord.objects.filter(customer=owner_and_company["corporation"], pk=owner_and_company["owner"].pk)
    with pytest.raises(ValidationError, match="判定済み"):
        related_decide(actor=steward, pair=pair, related=False)


def test_unrelated_records_no_relation(steward, owner_and_company):
    pair = related_decide(actor=steward, pair=owner_and_company["pair"], related=False, note="同姓の別人")
    assert pair.status == PairStatus.UNRELATED
    assert pair.get_status_display() == "関連なし(確認済み)"
    assert not CustomerRelation.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.IDENTITY_PAIR_UNRELATED).count() == 1


def test_decisions_need_a_steward_a_related_pair_a_role_and_two_customers(
    steward, hq_operator, owner_and_company, sources
):
    pair = owner_and_company["pair"]
    with pytest.raises(PermissionDenied):
        related_decide(actor=hq_operator, pair=pair, related=True)
    with pytest.raises(ValidationError) as bad_role:
        related_decide(actor=steward, pair=pair, related=True, role="owner")
    assert "代表者" in str(bad_role.value)
    (a, b) = _records(steward, [person("X1"), person("X2", name="山田 次郎", kana="ヤマダ ジロウ")])
    merge_pair = CandidatePair.objects.create(
        record_l=a, record_r=b, match_probability=0.9, match_weight=3.0, status=PairStatus.REVIEW
    )
    with pytest.raises(ValidationError, match="名寄せ候補"):
        related_decide(actor=steward, pair=merge_pair, related=True)
    # A record without a customer yet: the relation waits.
    owner2, company2 = _records(steward, [owner_row("O3"), company_row("K3", address="東京都世田谷区桜3-2-9")])
    related_store(actor=steward, run=None, found=_found((owner2, company2, "address|family_name")))
    waiting = CandidatePair.objects.get(kind=PairKind.RELATED, record_l__in=[owner2, company2])
    with pytest.raises(ValidationError, match="顧客がまだ登録されていない"):
        related_decide(actor=steward, pair=waiting, related=True)


# --- the screens ----------------------------------------------------------------------------------


def test_the_review_screen_has_a_related_tab(client, steward, owner_and_company):
    client.force_login(steward)
    body = client.get("/identity/review/").content.decode()
    assert "関連候補(法人と代表者) 1件" in body
    assert f'href="/identity/review/{owner_and_company["pair"].pk}/"' not in body  # not among merge candidates
    body = client.get("/identity/review/?kind=related").content.decode()
    assert f'href="/identity/review/{owner_and_company["pair"].pk}/"' in body
    assert "山田 一郎" in body
    assert "株式会社山田工務店" in body
    assert "住所が一致・固定電話が一致・個人の姓が商号に含まれる" in body
    home = client.get("/identity/").content.decode()
    assert "関連候補(法人と代表者) 1 件" in home


def test_the_related_pair_page_offers_related_or_not_never_same_person(client, steward, owner_and_company):
    client.force_login(steward)
    url = f"/identity/review/{owner_and_company['pair'].pk}/"
    body = client.get(url).content.decode()
    assert "関連として登録" in body
    assert "関連なし" in body
    assert "同一人物" not in body
    assert "代表者" in body
    assert "個人: 代理店システム" in body
    response = client.post(url, {"decision": "related", "role": "associate", "note": "取締役"})
    assert response.status_code == 302
    assert response["Location"] == "/identity/review/?kind=related"
    relation = CustomerRelation.objects.get()
    assert relation.role == RelationRole.ASSOCIATE
    page = client.get(url).content.decode()
    assert "関連として登録済み" in page
    assert "の関係者" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "link"}, "判定は「関連として登録」か「関連なし」を選んでください"),
        ({}, "「関連として登録」か「関連なし」を選んでください。"),
        ({"decision": "related", "role": "owner"}, "個人の立場は「代表者」か「関係者」を選んでください。"),
        ({"decision": "related", "note": "x" * 301}, "メモは300文字以内で入力してください。"),
    ],
)
def test_bad_input_gets_a_japanese_error(client, steward, owner_and_company, data, message):
    client.force_login(steward)
    response = client.post(f"/identity/review/{owner_and_company['pair'].pk}/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CandidatePair.objects.get(pk=owner_and_company["pair"].pk).status == PairStatus.REVIEW


def test_deciding_twice_is_a_japanese_error_not_a_500(client, steward, owner_and_company):
    client.force_login(steward)
    url = f"/identity/review/{owner_and_company['pair'].pk}/"
    client.post(url, {"decision": "unrelated"})
    response = client.post(url, {"decision": "related"})
    assert response.status_code == 200
    assert "この関連候補は判定済みです" in response.content.decode()


def test_only_stewards_decide(client, hq_operator, owner_and_company):
    client.force_login(hq_operator)
    url = f"/identity/review/{owner_and_company['pair'].pk}/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "related"}).status_code == 403
    assert client.get("/identity/review/?kind=related").status_code == 403
    assert not CustomerRelation.objects.exists()


# --- the customer page ----------------------------------------------------------------------------


@pytest.fixture
def related_customers(hq_operator, org, steward):
    owner = make_customer(hq_operator, agency=org["agency_a"], name="山田 一郎", name_kana="ヤマダ イチロウ")
    company = make_customer(
        hq_operator,
        kind=CustomerKind.CORPORATE,
        name="株式会社山田工務店",
        name_kana="カブシキガイシャ ヤマダコウムテン",
        birth_date=None,
        emails=[],
    )
    CustomerRelation.objects.create(person=owner, corporation=company, created_by=steward)
    return owner, company


def test_the_customer_page_shows_the_related_corporation_and_its_representative(client, hq_operator, related_customers):
    owner, company = related_customers
    client.force_login(hq_operator)
    body = client.get(f"/customers/{owner.pk}/").content.decode()
    assert "関連する法人" in body
    assert "株式会社山田工務店" in body
    assert f"{company.number}・代表者" in body
    body = client.get(f"/customers/{company.pk}/").content.decode()
    assert "代表者・関係者" in body
    assert "山田 一郎" in body


def test_a_relation_to_a_customer_outside_the_scope_shows_no_name(client, agency_a_staff, related_customers):
    owner, company = related_customers  # the owner is agency A's; the company is nobody's
    client.force_login(agency_a_staff)
    body = client.get(f"/customers/{owner.pk}/").content.decode()
    assert "関連する法人" in body
    assert "株式会社山田工務店" not in body
    assert company.number not in body
    assert "ほかに担当外の法人が 1 件あります(名称は表示しません)。" in body
    assert client.get(f"/customers/{company.pk}/").status_code == 404


def test_no_relation_no_block(client, hq_operator, org):
    customer = make_customer(hq_operator, agency=org["agency_a"])
    client.force_login(hq_operator)
    body = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "関連する法人" not in body
    assert "代表者・関係者" not in body


def test_the_api_neither_lists_nor_merges_a_related_pair(client, steward, owner_and_company):
    from .test_api import bearer

    auth = bearer(steward, steward)
    listed = client.get("/api/identity/review/", **auth).json()["results"]
    assert owner_and_company["pair"].pk not in [p["id"] for p in listed]
    response = client.post(
        f"/api/identity/review/{owner_and_company['pair'].pk}/decision/",
        {"decision": "link"},
        content_type="application/json",
        **auth,
    )
    assert 400 <= response.status_code < 500
    assert "統合はできません" in response.content.decode()
    owner, company = owner_and_company["owner"], owner_and_company["company"]
    owner.refresh_from_db()
    company.refresh_from_db()
    assert owner.customer_id != company.customer_id
