"""Bad input on the case screens and API: a Japanese 400/422 and nothing written, never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import Case, CaseEvent, ComplaintCategory

from .conftest import open_case

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def assert_japanese_400(response, words):
    """The error page (tsunagu/templates/400.html) is rendered with the specific reason as `message`."""
    assert response.status_code == 400
    # Shown in the body by the fallback page, passed as `message` when 400.html exists.
    shown = response.content.decode() if response.context is None else response.context["message"]
    assert words in shown


@pytest.fixture
def api(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    return client


def _post(client, payload):
    return client.post("/api/cases/", payload, content_type="application/json")


def _case_payload(customer, policy, case_type, sub_type="", **extra):
    return {
        "case_type": case_type,
        "sub_type": sub_type,
        "channel": "phone",
        "customer_id": customer.pk,
        "policy_id": policy.pk if policy else None,
        "subject": "API の案件",
        "extra": extra,
    }


# --- text --------------------------------------------------------------------------------------


def test_api_refuses_lone_surrogate_in_subject(api, holder, departments):
    customer, _policy = holder
    # Raw JSON text: json.dumps would escape it the same way; the client must send "\ud800".
    body = (
        '{"case_type": "inquiry", "sub_type": "other", "channel": "phone", '
        f'"customer_id": {customer.pk}, "subject": "\\ud800", "extra": {{"question": "?"}}}}'
    )
    response = api.post("/api/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "サロゲート" in response.json()["detail"]
    assert "subject" in response.json()["detail"]
    assert not Case.objects.exists()


def test_api_refuses_nul_in_subject_as_the_form_does(api, holder, departments):
    customer, _policy = holder
    payload = _case_payload(customer, None, "inquiry", "other", question="?")
    payload["subject"] = "件名\x00"
    response = _post(api, payload)
    assert response.status_code == 400
    assert "制御文字" in response.json()["detail"]
    assert not Case.objects.exists()
    form = api.post(
        f"/cases/new/?customer={customer.pk}&type=inquiry",
        {"channel": "phone", "sub_type": "other", "subject": "件名\x01", "priority": "normal", "question": "?"},
    )
    assert form.status_code == 200
    assert "制御文字" in form.content.decode()
    assert not Case.objects.exists()


def test_service_refuses_control_characters_without_a_request(hq_operator, holder, departments):
    from django.core.exceptions import ValidationError

    from tsunagu.cases.services import CaseInput, case_create

    customer, _policy = holder

    with pytest.raises(ValidationError) as error:
        case_create(
            actor=hq_operator,
            data=CaseInput(case_type="inquiry", sub_type="other", channel="phone", customer=customer, subject="a\x00"),
        )
    assert "制御文字" in error.value.message_dict["subject"][0]
    assert not Case.objects.exists()


# --- extra, per case type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"effective_date": 12345, "new_values": {"description": "x"}}, "effective_date", "YYYY-MM-DD"),
        ({"effective_date": "2026-13-45", "new_values": {"description": "x"}}, "effective_date", "YYYY-MM-DD"),
        ({"new_values": "abc"}, "new_values", "項目名と値の組"),
        ({"new_values": ["abc"]}, "new_values", "項目名と値の組"),
        ({"new_values": {"description": {"a": 1}}}, "new_values", "文字列"),
        ({"new_values": {"description": "x"}, "premium_difference": "abc"}, "premium_difference", "整数"),
        ({"new_values": {"description": "x"}, "premium_difference": 10**30}, "premium_difference", "大きすぎ"),
    ],
)
def test_api_change_case_with_malformed_extra_is_400(api, holder, departments, extra, field, words):
    customer, policy = holder
    response = _post(api, _case_payload(customer, policy, "change", "other", **extra))
    assert response.status_code == 400, response.content
    assert words in response.json()["errors"][field][0]
    assert not Case.objects.exists()


@pytest.mark.parametrize("category", ["abc", [1], True, -1, 2**70, {"id": 1}])
def test_api_complaint_with_malformed_category_is_400(api, holder, departments, category):
    customer, policy = holder
    payload = _case_payload(customer, policy, "complaint", category=category, customer_request="説明して")
    response = _post(api, payload)
    assert response.status_code == 400, response.content
    assert "苦情分類" in response.json()["errors"]["category"][0]
    assert not Case.objects.exists()


def test_api_accident_with_malformed_fields_is_400(api, holder, departments):
    customer, policy = holder
    payload = _case_payload(
        customer, policy, "accident", "auto", occurred_at=5, place=["x"], accident_type="対物", description="接触"
    )
    response = _post(api, payload)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert "ISO 8601" in errors["occurred_at"][0]
    assert "文字列" in errors["place"][0]
    assert not Case.objects.exists()


def test_api_extra_must_be_an_object(api, holder, departments):
    customer, policy = holder
    payload = _case_payload(customer, policy, "complaint")
    payload["extra"] = "abc"
    response = _post(api, payload)
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_api_well_formed_change_and_complaint_still_created(api, holder, departments):
    customer, policy = holder
    change = _post(
        api,
        _case_payload(
            customer,
            policy,
            "change",
            "other",
            effective_date="2026-07-01",
            new_values={"description": "車両入替"},
            premium_difference=-1200,
        ),
    )
    assert change.status_code == 201, change.content
    assert Case.objects.get(pk=change.json()["id"]).change.effective_date.isoformat() == "2026-07-01"
    category = ComplaintCategory.objects.get(code="C1-01").pk
    complaint = _post(api, _case_payload(customer, policy, "complaint", category=category, customer_request="説明"))
    assert complaint.status_code == 201, complaint.content


# --- integer query parameters --------------------------------------------------------------------


@pytest.mark.parametrize("param", ["page", "customer_id", "assignee_id", "department_id"])
@pytest.mark.parametrize("value", [HUGE, "-1", "abc", str(2**63)])
def test_api_list_bounds_integer_filters(api, holder, departments, param, value):
    response = api.get("/api/cases/", {param: value})
    assert response.status_code == 422, (param, value, response.content)


@pytest.mark.parametrize("url", ["/api/cases/{}/", "/api/cases/{}/transition/"])
def test_api_huge_case_id_is_422_not_500(api, url):
    path = url.format(HUGE[:19])  # 9999999999999999999 > 2**63 - 1, still matched by the int converter
    response = api.get(path) if "transition" not in url else api.post(path, {"to": "x"}, "application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("url", ["/cases/mine/", "/cases/queue/", "/cases/overdue/"])
@pytest.mark.parametrize(("param", "value"), [("page", HUGE), ("page", "-1"), ("page", "abc"), ("department", HUGE)])
def test_screens_refuse_bad_integer_params_with_japanese_400(client, hq_operator, departments, url, param, value):
    if param == "department" and url == "/cases/mine/":
        pytest.skip("my cases has no department filter")
    client.login(username="hq_operator", password=PASSWORD)
    response = client.get(url, {param: value})
    assert response.status_code == 400
    assert_japanese_400(response, "整数で指定してください")


def test_screens_accept_good_integer_params(client, hq_operator, departments):
    client.login(username="hq_operator", password=PASSWORD)
    assert client.get("/cases/queue/", {"department": departments["claims"].pk, "page": "2"}).status_code == 200
    assert client.get("/cases/overdue/", {"department": ""}).status_code == 200


def test_case_new_refuses_huge_customer(client, hq_operator):
    client.login(username="hq_operator", password=PASSWORD)
    response = client.get("/cases/new/", {"customer": HUGE, "type": "inquiry"})
    assert response.status_code == 400


def test_linking_a_bad_faq_id_is_refused(client, hq_operator, holder, departments):
    """FAQ articles are linked by searching them; a forged huge or unknown id is a Japanese error."""
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    client.login(username="hq_operator", password=PASSWORD)
    response = client.post(f"/cases/{case.pk}/faq/", {"article": HUGE, "version": case.version})
    assert_japanese_400(response, "FAQ(article)")
    response = client.post(f"/cases/{case.pk}/faq/", {"article": 999999, "version": case.version}, follow=True)
    assert "そのFAQは見つからないか、公開されていません。" in response.content.decode()
    assert not case.inquiry.articles.exists()


# --- undecodable form bodies ---------------------------------------------------------------------


def test_cp932_form_post_is_refused_and_nothing_is_appended(client, hq_operator, holder, departments):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    client.login(username="hq_operator", password=PASSWORD)
    before = CaseEvent.objects.filter(case=case).count()
    # 「東京」 in CP932: not UTF-8; Django would store it as U+FFFD in the append-only timeline.
    response = client.post(
        f"/cases/{case.pk}/note/", b"text=\x93\x8c\x8b\x9e", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert_japanese_400(response, "UTF-8")
    assert CaseEvent.objects.filter(case=case).count() == before
    assert not CaseEvent.objects.filter(body__contains="\ufffd").exists()
