"""Branch staff (営業拠点, issue 14): the rows of every agency of their branch, through the one ladder.

The organisation of tests/conftest.py `org` has branch B01 (東京営業部) with agencies A and B; here a
second branch B02 (大阪支店) with agency C is added. Personas: `branch1` (B01's staff) must see exactly
what agency A's and agency B's staff see together, `branch2` (B02's staff) exactly what agency C's
staff see — for every scoped model, since the rules only receive a set of agencies instead of one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.conftest import _user, make_customer, make_policy
from tests.core.helpers import fill_book
from tsunagu.cases.choices import CaseChannel, CaseType
from tsunagu.cases.models import Case
from tsunagu.cases.services import CaseInput, case_create
from tsunagu.core import masking, permissions, scoping
from tsunagu.core.choices import AccessPurpose, Role
from tsunagu.core.models import AccessLog, Agency, Branch, User
from tsunagu.core.navigation import menu_for, user_label
from tsunagu.core.scoping import Reach
from tsunagu.core.services import user_create
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import customer_get
from tsunagu.customers.services import customer_link_agency
from tsunagu.documents.choices import DeliveryChannel, DocumentType
from tsunagu.documents.models import Document
from tsunagu.policies.models import Claim, Policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def osaka(org):
    """Branch B02 with its one agency C."""
    branch = Branch.objects.create(code="B02", name="大阪支店")
    return {"branch": branch, "agency_c": Agency.objects.create(code="C0001", name="なにわ保険企画", branch=branch)}


@pytest.fixture
def branch1(org) -> User:
    return _user("branch1", [Role.BRANCH_STAFF], branch=org["branch"])


@pytest.fixture
def branch2(osaka) -> User:
    return _user("branch2", [Role.BRANCH_STAFF], branch=osaka["branch"])


@pytest.fixture
def agency_c_staff(osaka) -> User:
    return _user("agency_c_staff", [Role.AGENCY_STAFF], agency=osaka["agency_c"])


@pytest.fixture
def book(hq_operator, org, osaka):
    """One customer per agency (A, B in B01; C in B02) with a row of every customer-related model, a
    case and a document each, and a direct customer no agency serves."""
    people = {
        "a": make_customer(hq_operator, name="山田 花子", name_kana="ヤマダ ハナコ"),
        "b": make_customer(hq_operator, name="鈴木 一郎", name_kana="スズキ イチロウ"),
        "c": make_customer(hq_operator, name="大阪 次郎", name_kana="オオサカ ジロウ"),
    }
    agencies = {"a": org["agency_a"], "b": org["agency_b"], "c": osaka["agency_c"]}
    rows = {key: fill_book(hq_operator, people[key], agency=agencies[key]) for key in people}
    for key, customer in people.items():
        rows[key]["case"] = _case(hq_operator, customer, rows[key]["policy"])
        rows[key]["document"] = _document(hq_operator, customer, rows[key]["policy"], f"DOC-{key}")
    rows["direct"] = {"customer": make_customer(hq_operator, name="直扱 三郎", name_kana="ジキアツカイ サブロウ")}
    return rows


def _case(actor: User, customer: Customer, policy: Policy) -> Case:
    return case_create(
        actor=actor,
        data=CaseInput(
            case_type=CaseType.INQUIRY,
            sub_type="contract",
            channel=CaseChannel.PHONE,
            customer=customer,
            policy=policy,
            subject="補償内容の問い合わせ",
            opened_on=dt.date(2026, 6, 1),
            extra={"question": "満期は？"},
        ),
    )


def _document(actor: User, customer: Customer, policy: Policy, number: str) -> Document:
    return Document.objects.create(
        number=number,
        doc_type=DocumentType.POLICY,
        customer=customer,
        policy=policy,
        issued_by=actor,
        issued_at=timezone.now(),
        delivery_channel=DeliveryChannel.POST,
        delivery_name=customer.name,
        storage_backend="local",
        storage_key=f"test/{number}.pdf",
        sha256="0" * 64,
    )


# --- the ladder ------------------------------------------------------------------------------------


def test_branch_staff_reach_their_branch_s_agencies(branch1, branch2, org, osaka, agency_a_staff, hq_operator):
    assert scoping.reach(branch1) is Reach.BRANCH
    assert scoping.sees_part(branch1)
    assert scoping.sees_part(agency_a_staff)
    assert not scoping.sees_part(hq_operator)
    assert not scoping.sees_all(branch1)
    assert set(scoping.visible_agencies(branch1)) == {org["agency_a"], org["agency_b"]}
    assert set(scoping.visible_agencies(branch2)) == {osaka["agency_c"]}
    assert set(scoping.visible_agencies(hq_operator)) == {org["agency_a"], org["agency_b"], osaka["agency_c"]}
    assert list(scoping.visible_agencies(agency_a_staff)) == [org["agency_a"]]
    assert scoping.covers_agency(branch1, org["agency_b"].pk)
    assert not scoping.covers_agency(branch1, osaka["agency_c"].pk)
    assert not scoping.covers_agency(branch1, None)
    assert scoping.covers_agency(hq_operator, osaka["agency_c"].pk)


def test_an_inactive_branch_user_sees_nothing(branch1, book):
    branch1.is_active = False
    assert scoping.reach(branch1) is Reach.NONE
    assert not Customer.objects.visible_to(branch1).exists()


def test_branch_staff_see_the_customers_of_every_agency_of_their_branch(branch1, branch2, book):
    assert set(Customer.objects.visible_to(branch1)) >= {book["a"]["customer"], book["b"]["customer"]}
    assert book["c"]["customer"] not in Customer.objects.visible_to(branch1)
    assert book["direct"]["customer"] not in Customer.objects.visible_to(branch1)
    assert book["c"]["customer"] in Customer.objects.visible_to(branch2)
    assert not Customer.objects.visible_to(branch2).filter(pk=book["a"]["customer"].pk).exists()


def test_policies_claims_cases_and_documents_follow(branch1, branch2, book):
    for model, key in ((Policy, "policy"), (Claim, "claim"), (Case, "case"), (Document, "document")):
        mine = set(model.objects.visible_to(branch1))
        assert {book["a"][key], book["b"][key]} <= mine, model
        assert book["c"][key] not in mine, model
        theirs = set(model.objects.visible_to(branch2))
        assert book["c"][key] in theirs, model
        assert not theirs & {book["a"][key], book["b"][key]}, model


@pytest.mark.parametrize("model", scoping.scoped_models(), ids=lambda m: m._meta.label)
def test_every_scoped_model_shows_branch_staff_the_union_of_their_agencies(
    model, book, branch1, branch2, agency_a_staff, agency_b_staff, agency_c_staff
):
    """The generalisation itself: for every scoped model in every app, a branch's view is exactly the
    union of its agencies' views (no app-level code for branches)."""
    union = set(model.objects.visible_to(agency_a_staff)) | set(model.objects.visible_to(agency_b_staff))
    assert set(model.objects.visible_to(branch1)) == union
    assert set(model.objects.visible_to(branch2)) == set(model.objects.visible_to(agency_c_staff))


def test_the_book_covers_the_main_scoped_models(book, branch1):
    """The union test above means something: the book has rows the branch sees in each main model."""
    for model in (Customer, Policy, Claim, Case, Document):
        assert model.objects.visible_to(branch1).count() >= 2, model


def test_a_branch_with_no_agency_sees_nothing(book):
    empty = Branch.objects.create(code="B03", name="名古屋支店")
    staff = _user("branch3", [Role.BRANCH_STAFF], branch=empty)
    assert scoping.reach(staff) is Reach.BRANCH
    for model in (Customer, Policy, Claim, Case, Document):
        assert not model.objects.visible_to(staff).exists(), model


def test_a_new_agency_of_the_branch_is_seen_at_once(hq_operator, branch2, osaka, book):
    """The branch's agencies are a subquery, not a list cached on the user."""
    added = Agency.objects.create(code="C0002", name="堺保険サービス", branch=osaka["branch"])
    customer = make_customer(hq_operator, name="堺 四郎", name_kana="サカイ シロウ")
    make_policy(hq_operator, customer, agency=added)
    assert customer in Customer.objects.visible_to(branch2)


# --- the customer page, access log and masking --------------------------------------------------------


def test_another_branch_s_customer_is_a_404_and_not_logged(client, branch1, book):
    client.force_login(branch1)
    other = book["c"]["customer"]
    response = client.get(reverse("desk:customer_detail", args=[other.pk]))
    assert response.status_code == 404
    assert other.name not in response.content.decode()
    assert not AccessLog.objects.filter(customer_id=other.pk).exists()
    with pytest.raises(Http404):
        customer_get(user=branch1, pk=other.pk, purpose=AccessPurpose.VIEW)


def test_the_branch_s_customer_page_opens_and_the_read_is_logged(client, branch1, book):
    client.force_login(branch1)
    mine = book["b"]["customer"]
    response = client.get(reverse("desk:customer_detail", args=[mine.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.name in body
    assert book["b"]["policy"].number in body
    assert "090-1234-5678" in body  # contact data in full, like agency staff (core.masking)
    assert AccessLog.objects.filter(user=branch1, customer_id=mine.pk).exists()


def test_branch_staff_see_contact_data_like_agency_staff(branch1):
    for field in ("customer.phone", "customer.email", "customer.street", "customer.birth_date"):
        assert masking.sees_full(branch1, field), field
    assert masking.sees_documents(branch1)


# --- roles, permissions and the menu -----------------------------------------------------------------


def test_branch_staff_get_target_lists_and_kpis_but_not_agency_or_head_office_functions(branch1):
    assert permissions.has(branch1, permissions.ANALYTICS_SCORES)
    assert permissions.has(branch1, permissions.KPIS_VIEW)
    for name in (
        permissions.CASES_WORK,
        permissions.CUSTOMERS_EDIT_CONTACTS,
        permissions.KPIS_MANAGE,
        permissions.ANALYTICS_MODELS,
        permissions.DOCUMENT_MAILING_LISTS,
        permissions.DOCUMENT_BATCHES_VIEW,
        permissions.VOICE_RECORD,
        permissions.PRACTICE_VIEW,
        permissions.SURVEY_RESULTS,
        permissions.ACCESS_LOG_VIEW,
        permissions.CASES_ASSIGN,
    ):
        assert not permissions.has(branch1, name), name


def test_branch_functions_need_both_the_branch_and_the_role(org):
    """A branch member without any role sees no row and no branch function (a role grants the work;
    the branch only places the rows); head-office staff given the role are head office (every row),
    not branch staff."""
    bare = User.objects.create_user(username="bare_branch", password="kaigan-dori-hikari-9", branch=org["branch"])
    assert scoping.reach(bare) is Reach.NONE
    assert not permissions.has(bare, permissions.ANALYTICS_SCORES)
    assert not permissions.has(bare, permissions.KPIS_VIEW)
    hq = _user("hq_with_branch_role", [Role.OPERATOR], department=org["call_center"])
    hq.groups.add(Group.objects.get_or_create(name=Role.BRANCH_STAFF.value)[0])  # a flush may have removed it
    hq = User.objects.get(pk=hq.pk)
    assert scoping.reach(hq) is Reach.ALL
    assert not permissions._branch_staff(hq)


def test_the_menu_and_the_header_name_the_branch(branch1):
    labels = [item.label for item in menu_for(branch1, "/")]
    assert "ターゲットリスト" in labels
    assert "KPI" in labels
    assert "案件" not in labels
    assert "予測モデル" not in labels
    assert user_label(branch1) == ("branch1", "東京営業部")


# --- one organisation per user -------------------------------------------------------------------------


def test_user_create_with_a_branch_and_its_japanese_refusals(org, osaka):
    staff = user_create(
        actor=None,
        username="tokyo_branch",
        password="kaigan-dori-hikari-7",
        display_name="東京 拠点",
        roles=[Role.BRANCH_STAFF],
        branch=org["branch"],
    )
    assert (staff.branch, staff.agency, staff.department) == (org["branch"], None, None)
    refusals = [
        (
            {"roles": [Role.BRANCH_STAFF], "branch": org["branch"], "agency": org["agency_a"]},
            "ユーザーは部署・代理店・営業拠点のいずれか一つに所属させてください。",
        ),
        ({"roles": [Role.BRANCH_STAFF], "agency": org["agency_a"]}, "営業拠点担当は営業拠点に所属させてください。"),
        (
            {"roles": [Role.OPERATOR], "branch": org["branch"]},
            "営業拠点所属のユーザーに付与できるのは営業拠点担当のロールだけです。",
        ),
    ]
    for kwargs, message in refusals:
        with pytest.raises(ValidationError) as caught:
            user_create(actor=None, username="x", password="kaigan-dori-hikari-8", display_name="x", **kwargs)
        assert caught.value.messages == [message], kwargs
    assert not User.objects.filter(username="x").exists()


ONE_ORGANISATION = "ユーザーの所属は部署・代理店・営業拠点のいずれか一つだけにしてください。"


@pytest.mark.parametrize("pair", [("department", "branch"), ("agency", "branch"), ("department", "agency")])
def test_two_organisations_are_refused_by_the_model_in_japanese(org, pair):
    values = {"department": org["call_center"], "agency": org["agency_a"], "branch": org["branch"]}
    user = User(username="two_orgs", **{name: values[name] for name in pair})
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert ONE_ORGANISATION in caught.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="two_orgs", **{name: values[name] for name in pair})


def test_the_admin_user_form_offers_the_branch_and_refuses_two_organisations(admin_user, branch1, org):
    model_admin = admin.site._registry[User]
    request = RequestFactory().get("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, branch1, change=True)
    assert "branch" in form_class.base_fields
    data = {
        k: v for k, v in model_to_dict(branch1).items() if v is not None and k not in ("groups", "user_permissions")
    }
    data.update(date_joined=branch1.date_joined.strftime("%Y-%m-%d %H:%M:%S"), agency=org["agency_a"].pk)
    data["groups"] = [g.pk for g in branch1.groups.all()]
    form = form_class(data=data, instance=branch1)
    assert not form.is_valid()
    assert ONE_ORGANISATION in str(form.errors)


# --- writes: a branch user acts only for its agencies ------------------------------------------------


def test_branch_staff_may_link_a_customer_only_to_an_agency_of_their_branch(branch1, book, org, osaka):
    customer = book["a"]["customer"]
    with pytest.raises(PermissionDenied):
        customer_link_agency(actor=branch1, customer=customer, agency=osaka["agency_c"])
    link = customer_link_agency(actor=branch1, customer=customer, agency=org["agency_b"])
    assert link.agency == org["agency_b"]
    with pytest.raises(PermissionDenied):  # a customer the branch does not see is not written at all
        customer_link_agency(actor=branch1, customer=book["c"]["customer"], agency=org["agency_a"])
