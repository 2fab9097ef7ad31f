"""The customer's contact edit screens: phones, e-mails, relatives and consent flags.

Personas: the HQ operator and agency A's staff edit agency A's customer; agency B's staff see
nothing of it (404); an auditor may read the customer but not edit (403); a merged customer is
read-only. Invalid input re-renders the page (200) with the values kept and the errors once each.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from tests.conftest import make_customer
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.customers.choices import Relation
from tsunagu.customers.models import Customer, Email, Phone, Relative
from tsunagu.customers.services import customer_set_merged_into, relative_add

pytestmark = pytest.mark.django_db


def url(name: str, customer: Customer, *args: object) -> str:
    return reverse(f"desk:{name}", args=[customer.pk, *args])


def test_add_a_phone_normalises_and_keeps_history(client, agency_a_staff, customer_a):
    client.force_login(agency_a_staff)
    response = client.post(url("contact_new", customer_a, "phones"), {"kind": "home", "number": "０３１２３４５６７８"})
    assert response.status_code == 302
    assert response["Location"] == url("contacts", customer_a)
    phone = Phone.objects.get(customer=customer_a, digits="0312345678")
    assert phone.number == "03-1234-5678"
    assert phone.history.latest().history_user == agency_a_staff
    assert AuditEvent.objects.filter(summary__contains="電話番号(自宅)を追加した").exists()
    page = client.get(url("contacts", customer_a)).content.decode()
    assert "電話番号を追加しました。" in page
    assert "03-1234-5678" in page


def test_invalid_phone_keeps_the_value_and_shows_each_error_once(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    response = client.post(url("contact_new", customer_a, "phones"), {"kind": "home", "number": "12-34"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="12-34"' in page  # nothing typed is lost
    message = "電話番号は0から始まる10桁または11桁で入力してください"
    assert page.count(message) == 2  # the summary's link and beside the field, nothing more
    assert '<a href="#id_number">電話番号: ' in page
    assert 'aria-invalid="true"' in page
    assert Phone.objects.filter(customer=customer_a).count() == 1


def test_duplicate_phone_is_refused(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    response = client.post(url("contact_new", customer_a, "phones"), {"kind": "mobile", "number": "09012345678"})
    assert response.status_code == 200
    assert "この電話番号はすでに登録されています。" in response.content.decode()


def test_edit_primary_and_delete_a_phone(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    client.post(url("contact_new", customer_a, "phones"), {"kind": "home", "number": "03-1111-2222"})
    home = Phone.objects.get(customer=customer_a, digits="0311112222")
    edit = client.get(url("contact_edit", customer_a, "phones", home.pk)).content.decode()
    assert 'value="03-1111-2222"' in edit
    response = client.post(
        url("contact_edit", customer_a, "phones", home.pk),
        {"kind": "work", "number": "03-1111-2223", "is_primary": "on"},
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert (home.kind, home.number, home.is_primary) == ("work", "03-1111-2223", True)
    assert Phone.objects.filter(customer=customer_a, is_primary=True).count() == 1
    confirm = client.get(url("contact_delete", customer_a, "phones", home.pk))
    assert "03-1111-2223" in confirm.content.decode()
    assert client.post(url("contact_delete", customer_a, "phones", home.pk)).status_code == 302
    assert not Phone.objects.filter(pk=home.pk).exists()
    assert Phone.history.filter(id=home.pk, history_type="-").get().history_user == hq_operator


def test_emails(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    bad = client.post(url("contact_new", customer_a, "emails"), {"kind": "work", "address": "taro@"})
    assert bad.status_code == 200
    assert "メールアドレスの形式が正しくありません" in bad.content.decode()
    ok = client.post(url("contact_new", customer_a, "emails"), {"kind": "work", "address": "taro@work.example.jp"})
    assert ok.status_code == 302
    email = Email.objects.get(customer=customer_a, address="taro@work.example.jp")
    assert client.post(url("contact_delete", customer_a, "emails", email.pk)).status_code == 302
    assert not Email.objects.filter(pk=email.pk).exists()


def test_relatives(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    data = {"name": "山田 一郎", "name_kana": "やまだ いちろう", "relation": "child", "phone": "09055556666"}
    bad = client.post(url("contact_new", customer_a, "relatives"), {**data, "consent_date": future})
    assert bad.status_code == 200
    assert "同意日に未来の日付は指定できません。" in bad.content.decode()
    assert 'value="山田 一郎"' in bad.content.decode()
    ok = client.post(url("contact_new", customer_a, "relatives"), {**data, "consent_date": "2026-01-10"})
    assert ok.status_code == 302
    relative = Relative.objects.get(customer=customer_a)
    assert (relative.name_kana, relative.phone) == ("ヤマダ イチロウ", "090-5555-6666")
    changed = client.post(
        url("contact_edit", customer_a, "relatives", relative.pk),
        {**data, "relation": "spouse", "consent_date": "2026-01-11"},
    )
    assert changed.status_code == 302
    relative.refresh_from_db()
    assert relative.relation == Relation.SPOUSE
    assert client.post(url("contact_delete", customer_a, "relatives", relative.pk)).status_code == 302
    assert not Relative.objects.filter(pk=relative.pk).exists()


def test_consent_flags(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    response = client.post(url("contacts", customer_a), {"dm_consent": "on", "preferred_channel": "email"})
    assert response.status_code == 302
    customer_a.refresh_from_db()
    assert (customer_a.contact_consent, customer_a.dm_consent, customer_a.preferred_channel) == (False, True, "email")
    assert AuditEvent.objects.filter(summary="顧客情報を変更した", target_id=str(customer_a.pk)).exists()
    bad = client.post(url("contacts", customer_a), {"preferred_channel": "pigeon"})
    assert bad.status_code == 200
    assert "希望連絡方法を一覧から選んでください。" in bad.content.decode()


def test_every_input_has_a_label(client, hq_operator, customer_a):
    """Defect 11 "inputs without labels": on the edit pages and the customer page."""
    relative_add(
        actor=hq_operator, customer=customer_a, name="山田 一郎", relation=Relation.CHILD, phone="090-5555-6666",
        consent_date=dt.date(2026, 1, 10),
    )  # fmt: skip
    client.force_login(hq_operator)
    pages = [
        url("contacts", customer_a),
        url("contact_new", customer_a, "phones"),
        url("contact_new", customer_a, "emails"),
        url("contact_new", customer_a, "relatives"),
        reverse("desk:customer_detail", args=[customer_a.pk]),
        reverse("search:customers"),
    ]
    for page_url in pages:
        page = client.get(page_url).content.decode()
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
            if re.search(r'type="(hidden|submit|button)"', tag) or "aria-label=" in tag:
                continue
            found = re.search(r'\bid="([^"]+)"', tag)
            if 'type="radio"' in tag or 'type="checkbox"' in tag:
                # Django wraps each choice of a list in its own <label>; single boxes use <label for>.
                assert found is not None, (page_url, tag)
                continue
            assert found is not None, (page_url, tag)
            assert found[1] in labelled, (page_url, tag)


def test_the_customer_page_links_to_the_edit_screens_for_editors_only(client, hq_operator, auditor, customer_a):
    client.force_login(hq_operator)
    page = client.get(reverse("desk:customer_detail", args=[customer_a.pk])).content.decode()
    assert url("contacts", customer_a) in page
    client.force_login(auditor)
    page = client.get(reverse("desk:customer_detail", args=[customer_a.pk])).content.decode()
    assert url("contacts", customer_a) not in page


def test_auditor_may_not_edit(client, auditor, customer_a):
    client.force_login(auditor)
    assert client.get(url("contacts", customer_a)).status_code == 403
    response = client.post(url("contact_new", customer_a, "phones"), {"kind": "home", "number": "0312345678"})
    assert response.status_code == 403
    assert Phone.objects.filter(customer=customer_a).count() == 1


def test_outsider_gets_404_and_no_log(client, agency_b_staff, customer_a):
    client.force_login(agency_b_staff)
    phone = Phone.objects.get(customer=customer_a)
    for target in (
        url("contacts", customer_a),
        url("contact_new", customer_a, "phones"),
        url("contact_edit", customer_a, "phones", phone.pk),
        url("contact_delete", customer_a, "phones", phone.pk),
    ):
        assert client.get(target).status_code == 404
        assert client.post(target, {"kind": "home", "number": "0312345678"}).status_code == 404
    assert Phone.objects.filter(customer=customer_a).count() == 1
    assert not AccessLog.objects.filter(user=agency_b_staff).exists()


def test_a_row_of_another_customer_is_404(client, hq_operator, customer_a):
    other = make_customer(hq_operator, name="佐藤 次郎", name_kana="サトウ ジロウ", phones=[("home", "0311119999")])
    client.force_login(hq_operator)
    phone = Phone.objects.get(customer=other)
    assert client.get(url("contact_edit", customer_a, "phones", phone.pk)).status_code == 404
    assert client.post(url("contact_delete", customer_a, "phones", phone.pk)).status_code == 404
    assert client.get(url("contact_new", customer_a, "faxes")).status_code == 404
    assert Phone.objects.filter(pk=phone.pk).exists()


def test_reads_are_access_logged(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    before = AccessLog.objects.filter(customer_id=customer_a.pk).count()
    client.get(url("contacts", customer_a))
    assert AccessLog.objects.filter(customer_id=customer_a.pk).count() == before + 1


def test_a_merged_customer_is_read_only(client, hq_operator, customer_a):
    survivor = make_customer(hq_operator, name="山田 花子", name_kana="ヤマダ ハナコ", phones=[("home", "0311110000")])
    customer_set_merged_into(actor=hq_operator, customer=customer_a, into=survivor, reason="名寄せ統合")
    client.force_login(hq_operator)
    page = client.get(url("contacts", customer_a)).content.decode()
    assert "統合されているため変更できません" in page
    assert url("contact_new", customer_a, "phones") not in page
    response = client.post(url("contact_new", customer_a, "phones"), {"kind": "home", "number": "0312345678"})
    assert response.status_code == 200
    assert "統合されているため変更できません" in response.content.decode()
    phone = Phone.objects.get(customer=customer_a)
    assert client.post(url("contact_delete", customer_a, "phones", phone.pk)).status_code == 200
    assert Phone.objects.filter(pk=phone.pk).exists()
    assert client.post(url("contacts", customer_a), {"preferred_channel": "email"}).status_code == 200
    customer_a.refresh_from_db()
    assert customer_a.preferred_channel == "phone"


def test_log_a_call_without_javascript_uses_the_one_error_path(client, hq_operator, customer_a):
    """Defect 11 "errors shown twice and one stage at a time": the form's errors once each, at once."""
    client.force_login(hq_operator)
    target = reverse("desk:interaction_create", args=[customer_a.pk])
    bad = client.post(target, {"channel": "phone", "direction": "inbound", "subject": "", "notes": "折り返し希望"})
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "<h1>山田 花子" in page  # the whole customer page, not a fragment
    assert page.count("件名を入力してください。") == 2  # summary link + beside the field
    assert "折り返し希望" in page  # what was typed is kept
    ok = client.post(target, {"channel": "phone", "direction": "inbound", "subject": "住所変更の相談"})
    assert ok.status_code == 302
    assert "コンタクトを記録しました。" in client.get(ok["Location"]).content.decode()
    htmx = client.post(target, {"channel": "phone", "direction": "inbound", "subject": ""}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert "<h1>" not in htmx.content.decode()  # htmx still gets the panel only
