"""Issue 11 (DESK COMPLETE) for cases: defects 4–7, correcting 異動 details, assignment, FAQ linking
by search, and the one error-display path (invalid → the same page, 200, the bound form)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.conftest import PASSWORD, _user
from tsunagu.cases.choices import CaseStatus, CaseType, ChangeKind, EventKind
from tsunagu.cases.models import Case, CaseEvent, ComplaintCategory, KnowledgeArticle
from tsunagu.cases.services import (
    case_assign,
    case_transition,
    change_update,
    complaint_update,
    document_receive,
)
from tsunagu.core.choices import Role

from .conftest import open_case

pytestmark = pytest.mark.django_db

ADDRESS = {"postal_code": "530-0001", "prefecture": "大阪府", "city": "大阪市北区", "street": "梅田1-1"}


def _login(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def _address_case(actor, holder, **extra):
    customer, policy = holder
    return open_case(actor, customer, policy, CaseType.CHANGE, ChangeKind.ADDRESS, new_values=ADDRESS, **extra)


# --- defect 4: 異動 validated at intake, correctable while open ---------------------------------


@pytest.mark.parametrize(
    ("values", "extra", "field", "words"),
    [
        ({**ADDRESS, "postal_code": "12-34"}, {}, "postal_code", "7桁"),
        ({**ADDRESS, "prefecture": "東京県"}, {}, "prefecture", "47都道府県"),
        (ADDRESS, {"premium_difference": 99_999_999_999_999}, "premium_difference", "以内"),
        (ADDRESS, {"effective_date": dt.date(1800, 1, 1)}, "effective_date", "前後1年以内"),
        (ADDRESS, {"effective_date": dt.date(2026, 3, 1)}, "effective_date", "始期"),  # policy from 4/1
    ],
)
def test_change_is_validated_at_intake(hq_operator, holder, values, extra, field, words):
    customer, policy = holder
    with pytest.raises(ValidationError) as error:
        open_case(hq_operator, customer, policy, CaseType.CHANGE, ChangeKind.ADDRESS, new_values=values, **extra)
    assert words in " ".join(error.value.message_dict[field])
    assert not Case.objects.exists()


def test_change_intake_screen_shows_inline_errors_and_keeps_values(hq_operator, holder, departments, client):
    customer, policy = holder
    _login(client, "hq_operator")
    response = client.post(
        f"/cases/new/?customer={customer.pk}&type=change",
        {
            "channel": "phone",
            "policy": policy.pk,
            "sub_type": "address",
            "subject": "転居",
            "priority": "normal",
            "new_postal_code": "12-34",
            "new_prefecture": "東京都",
            "new_city": "千代田区",
            "new_street": "丸の内1-1",
            "premium_difference": "99999999999999",
            "effective_date": "1800-01-01",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力内容を確認してください" in body  # the summary at the top
    form = response.context["form"]
    assert "7桁" in form.errors["new_postal_code"][0]
    assert "premium_difference" in form.errors
    assert "前後1年以内" in form.errors["effective_date"][0]
    assert 'value="丸の内1-1"' in body  # nothing typed is lost
    assert not Case.objects.exists()
    # An unknown prefecture cannot even be chosen on the screen.
    response = client.post(
        f"/cases/new/?customer={customer.pk}&type=change",
        {"channel": "phone", "policy": policy.pk, "sub_type": "address", "subject": "転居", "priority": "normal"}
        | {"new_postal_code": "1000001", "new_prefecture": "東京県", "new_city": "千代田区", "new_street": "1-1"},
    )
    assert "new_prefecture" in response.context["form"].errors


def test_change_details_are_corrected_on_their_own_screen(hq_operator, holder, departments, client):
    case = _address_case(hq_operator, holder, premium_difference=1000)
    _login(client, "hq_operator")
    page = client.get(f"/cases/{case.pk}/change/")
    assert page.status_code == 200
    assert 'value="梅田1-1"' in page.content.decode()
    form = {
        "new_postal_code": "1500001",
        "new_prefecture": "東京都",
        "new_city": "渋谷区",
        "new_street": "神宮前1-1",
        "premium_difference": "-500",
        "effective_date": "2026-06-15",
        "version": case.version,
    }
    bad = client.post(f"/cases/{case.pk}/change/", {**form, "new_postal_code": "12-34"})
    assert bad.status_code == 200
    assert "7桁" in bad.context["form"].errors["new_postal_code"][0]
    assert 'value="神宮前1-1"' in bad.content.decode()
    done = client.post(f"/cases/{case.pk}/change/", form)
    assert done.status_code == 302
    case.change.refresh_from_db()
    assert case.change.new_values["postal_code"] == "1500001"
    assert case.change.premium_difference == -500
    assert case.change.history.count() == 2
    entry = CaseEvent.objects.filter(case=case, kind=EventKind.DETAIL).get()
    assert "郵便番号: 5300001 → 1500001" in entry.body
    # Clearing the date is a correction too; an unchanged form records nothing.
    change_update(actor=hq_operator, case=case, effective_date=None)
    with pytest.raises(ValidationError, match="変更された項目はありません"):
        change_update(actor=hq_operator, case=case, effective_date=None)


def test_change_details_are_corrected_through_the_api(hq_operator, holder, departments, client):
    case = _address_case(hq_operator, holder)
    _login(client, "hq_operator")
    url = f"/api/cases/{case.pk}/change/"
    bad = client.post(
        url,
        {"new_values": {**ADDRESS, "prefecture": "東京県"}, "premium_difference": 10**14, "expected_version": 1},
        "application/json",
    )
    assert bad.status_code == 400
    assert "47都道府県" in bad.json()["errors"]["prefecture"][0]
    ok = client.post(url, {"premium_difference": -800, "expected_version": 1}, "application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2
    case.change.refresh_from_db()
    assert case.change.premium_difference == -800
    assert case.change.new_values["postal_code"] == "5300001"  # left as it was
    stale = client.post(url, {"premium_difference": 1, "expected_version": 1}, "application/json")
    assert stale.status_code == 409


def test_change_cannot_be_corrected_after_completion(hq_operator, holder):
    case = _address_case(hq_operator, holder)
    case_transition(actor=hq_operator, case=case, to=CaseStatus.IN_PROGRESS)
    for document in case.documents.all():
        document_receive(actor=hq_operator, document=document)
    case_transition(actor=hq_operator, case=case, to=CaseStatus.COMPLETED, resolution_summary="反映")
    with pytest.raises(ValidationError, match="反映済み"):
        change_update(actor=hq_operator, case=case, premium_difference=1)


# --- defect 5: Japanese labels and before → after ------------------------------------------------


def test_change_page_shows_japanese_labels_and_before_after(hq_operator, holder, departments, client):
    customer, policy = holder
    name = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.CHANGE,
        ChangeKind.NAME,
        new_values={"name": "鈴木 一郎", "name_kana": "スズキ イチロウ", "reason": "marriage"},
    )
    address = _address_case(hq_operator, holder)
    _login(client, "hq_operator")
    body = client.get(f"/cases/{name.pk}/").content.decode()
    panel = body[body.index('id="change-values"') :]
    panel = panel[: panel.index("</table>")]
    for raw in ("postal_code", "prefecture", "street", "reason", "marriage", "name_kana"):
        assert not re.search(rf"\b{raw}\b", panel), raw
    assert "氏名変更の理由" in panel
    assert "婚姻" in panel
    assert "佐藤 一郎" in panel
    assert "鈴木 一郎" in panel
    body = client.get(f"/cases/{address.pk}/").content.decode()
    panel = body[body.index('id="change-values"') :]
    assert "〒100-0001" in panel
    assert "〒530-0001" in panel
    assert "都道府県" in panel
    # After completion the page still shows what was replaced.
    case_transition(actor=hq_operator, case=address, to=CaseStatus.IN_PROGRESS)
    for document in address.documents.all():
        document_receive(actor=hq_operator, document=document)
    case_transition(actor=hq_operator, case=address, to=CaseStatus.COMPLETED, resolution_summary="反映")
    body = client.get(f"/cases/{address.pk}/").content.decode()
    assert "変更前" in body
    assert "〒100-0001" in body
    assert "千代田区" in body


# --- defect 6: one 内容 box on the accident form ------------------------------------------------


def test_accident_form_has_one_description_box(hq_operator, holder, departments, client):
    customer, policy = holder
    _login(client, "hq_operator")
    body = client.get(f"/cases/new/?customer={customer.pk}&type=accident").content.decode()
    assert len(re.findall(r'name="description"', body)) == 1
    assert len(re.findall(r'name="accident_description"', body)) == 1
    response = client.post(
        f"/cases/new/?customer={customer.pk}&type=accident",
        {
            "channel": "phone",
            "policy": policy.pk,
            "sub_type": "auto",
            "subject": "追突",
            "priority": "normal",
            "occurred_at": "2026-05-30T10:00",
            "place": "交差点",
            "accident_type": "対物",
            "accident_description": "後方から追突",
            "description": "お客さまは動揺されていた",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get().description == "お客さまは動揺されていた"


# --- defect 7: complaint 説明日 and お詫び ---------------------------------------------------------


@pytest.fixture
def complaint(hq_operator, holder):
    customer, policy = holder
    return open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C1-01").pk,
        customer_request="説明が足りなかった",
    )


def test_complaint_explained_on_cannot_be_in_the_future_and_can_be_cleared(complaint, complaints_officer, client):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="未来の日付"):
        complaint_update(actor=complaints_officer, case=complaint, explained_on=tomorrow)
    _login(client, "complaints_officer")
    response = client.post(
        f"/cases/{complaint.pk}/complaint/",
        {"explained_on": tomorrow.isoformat(), "cause": "確認不足", "version": complaint.version},
    )
    assert response.status_code == 200
    assert "未来の日付" in response.context["complaint_form"].errors["explained_on"][0]
    assert 'value="確認不足"' in response.content.decode() or "確認不足</textarea>" in response.content.decode()
    today = timezone.localdate()
    complaint_update(actor=complaints_officer, case=complaint, explained_on=today)
    complaint.complaint.refresh_from_db()
    assert complaint.complaint.explained_by == complaints_officer
    complaint_update(actor=complaints_officer, case=complaint, explained_on=None)
    complaint.complaint.refresh_from_db()
    assert complaint.complaint.explained_on is None
    assert complaint.complaint.explained_by is None


def test_complaint_save_logs_only_real_changes(complaint, complaints_officer, client):
    _login(client, "complaints_officer")
    page = client.get(f"/cases/{complaint.pk}/")
    initial = page.context["complaint_form"].initial
    form = {k: ("" if v is None else v) for k, v in initial.items() if k != "apologized"}
    form["cause"] = "説明資料の不備"
    assert client.post(f"/cases/{complaint.pk}/complaint/", form).status_code == 302
    entry = CaseEvent.objects.filter(case=complaint, kind=EventKind.DETAIL).get()
    assert entry.summary == "苦情の記録を更新した: 原因"  # not お詫び
    complaint.refresh_from_db()
    form["version"] = complaint.version
    client.post(f"/cases/{complaint.pk}/complaint/", form)  # the same values again
    assert CaseEvent.objects.filter(case=complaint, kind=EventKind.DETAIL).count() == 1
    complaint.refresh_from_db()
    client.post(f"/cases/{complaint.pk}/complaint/", {**form, "apologized": "on", "version": complaint.version})
    assert CaseEvent.objects.filter(case=complaint, kind=EventKind.DETAIL).first().summary.endswith("お詫び")


# --- assignment ----------------------------------------------------------------------------------


def test_department_staff_assign_and_my_cases_list(hq_operator, holder, departments, client):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="switch")
    assert case.department == departments["policy_admin"]
    pa_staff = _user("pa_staff", [Role.OPERATOR], department=departments["policy_admin"])
    pa_other = _user("pa_other", [Role.OPERATOR], department=departments["policy_admin"])
    # The call centre operator is not of the case's department: refused, nothing changed.
    with pytest.raises(PermissionDenied, match="担当部署"):
        case_assign(actor=hq_operator, case=case, assignee=pa_staff)
    with pytest.raises(ValidationError, match="担当部署・代理店の担当者ではない"):
        case_assign(actor=pa_staff, case=case, assignee=hq_operator)
    _login(client, "pa_staff")
    assert case.number not in client.get("/cases/mine/").content.decode()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "自分が担当する" in page
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": pa_staff.pk, "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == pa_staff
    assert case.number in client.get("/cases/mine/").content.decode()
    case_assign(actor=pa_staff, case=case, assignee=pa_other)
    summaries = list(CaseEvent.objects.filter(case=case, kind=EventKind.ASSIGN).values_list("summary", flat=True))
    assert summaries == ["担当者をpa_staffからpa_otherに変更した", "担当者を未割当からpa_staffに変更した"]
    assert case.history.first().assignee_id == pa_other.pk
    # Invalid (stale version) is refused without a change.
    response = client.post(f"/cases/{case.pk}/assign/", {"assignee": pa_staff.pk, "version": 1}, follow=True)
    assert "他の担当者がこの案件を更新しました" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == pa_other


def test_overdue_list_filters_my_cases(hq_operator, holder, departments, client):
    customer, _policy = holder
    mine = open_case(
        hq_operator, customer, None, CaseType.INQUIRY, "other", question="?", opened_on=dt.date(2026, 1, 5)
    )
    other = open_case(
        hq_operator, customer, None, CaseType.INQUIRY, "other", question="?", opened_on=dt.date(2026, 1, 5)
    )
    case_assign(actor=hq_operator, case=mine, assignee=hq_operator)
    _login(client, "hq_operator")
    everyone = client.get("/cases/overdue/").content.decode()
    assert mine.number in everyone
    assert other.number in everyone
    only_mine = client.get("/cases/overdue/", {"mine": "1"}).content.decode()
    assert mine.number in only_mine
    assert other.number not in only_mine
    assert "期限超過 " in only_mine  # the badge carries the number of days


def test_supervisor_assigns_any_case(hq_operator, holder, departments, org):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="switch")
    admin = _user("supervisor", [Role.ADMIN], department=org["call_center"])
    pa_staff = _user("pa_staff", [Role.OPERATOR], department=departments["policy_admin"])
    case_assign(actor=admin, case=case, assignee=pa_staff)
    case.refresh_from_db()
    assert case.assignee == pa_staff


def test_agency_staff_take_their_agency_cases(hq_operator, agency_a_staff, agency_b_staff, holder, departments):
    customer, policy = holder
    case = open_case(hq_operator, customer, policy, CaseType.CANCELLATION, reason="switch")
    assert case.agency == policy.agency
    case_assign(actor=agency_a_staff, case=case, assignee=agency_a_staff)
    case.refresh_from_db()
    assert case.assignee == agency_a_staff
    with pytest.raises(PermissionDenied):  # another agency: not even visible
        case_assign(actor=agency_b_staff, case=case, assignee=None)
    case_transition(actor=hq_operator, case=case, to=CaseStatus.WITHDRAWN, resolution_summary="取下げ")
    with pytest.raises(ValidationError, match="完了・取下げ済み"):
        case_assign(actor=agency_a_staff, case=case, assignee=None)


# --- FAQ linked by searching ---------------------------------------------------------------------


def test_faq_is_linked_by_search(hq_operator, holder, departments, client):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="控除証明書が届かない")
    _login(client, "hq_operator")
    page = client.get(f"/cases/{case.pk}/", {"faq_q": "控除証明書"}).content.decode()
    article = KnowledgeArticle.objects.get(title__contains="地震保険料控除証明書の再発行")
    assert article.title in page
    assert "紐付ける" in page
    assert "ID, カンマ区切り" not in page  # no more typing ids
    fragment = client.get(f"/cases/{case.pk}/faq/", {"faq_q": "控除証明書"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert article.title in fragment.content.decode()
    response = client.post(
        f"/cases/{case.pk}/faq/", {"article": article.pk, "op": "link", "version": case.version, "faq_q": "控除"}
    )
    assert response.status_code == 302
    assert list(case.inquiry.articles.all()) == [article]
    assert CaseEvent.objects.filter(case=case, summary__contains="紐付けた").exists()
    case.refresh_from_db()
    client.post(f"/cases/{case.pk}/faq/", {"article": article.pk, "op": "unlink", "version": case.version})
    assert not case.inquiry.articles.exists()


# --- one error-display path ----------------------------------------------------------------------


def test_invalid_case_form_is_redisplayed_with_its_errors(hq_operator, holder, departments, client):
    customer, _policy = holder
    case = open_case(hq_operator, customer, None, CaseType.INQUIRY, "other", question="?")
    _login(client, "hq_operator")
    response = client.post(f"/cases/{case.pk}/handoff/", {"reason": "至急の確認", "version": case.version})
    assert response.status_code == 200
    body = response.content.decode()
    assert "入力内容を確認してください" in body
    assert 'value="至急の確認"' in body
    refused = client.post(
        f"/cases/{case.pk}/transition/", {"to": "completed", "resolution_summary": "対応済み", "version": case.version}
    )
    assert refused.status_code == 200
    assert "「受付」から「完了」に変更できません" in refused.content.decode()
    assert "対応済み" in refused.content.decode()
