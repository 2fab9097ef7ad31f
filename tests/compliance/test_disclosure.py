"""The disclosure export (開示): every app's rows about the person, nothing about anyone else, no
secrets, who viewed them, logged as an export; the command's files and its Japanese errors."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests.conftest import make_customer, make_policy, read
from tsunagu.compliance.disclosure import disclosure_build
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog
from tsunagu.interactions.services import interaction_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(hq_operator, org):
    customer = make_customer(hq_operator, name="開示 花子", agency=org["agency_a"])
    make_policy(hq_operator, customer, agency=org["agency_a"], number="POL-DSR-1")
    interaction_log(actor=hq_operator, customer=customer, channel="phone", subject="住所変更のご相談")
    read(hq_operator, customer)
    return customer


def test_everything_about_the_person_and_nothing_else(auditor, hq_operator, org, person):
    other = make_customer(hq_operator, name="別人 次郎", agency=org["agency_a"])
    other_policy = make_policy(hq_operator, other, agency=org["agency_a"], number="POL-OTHER-1")
    disclosure = disclosure_build(user=auditor, customer=person)
    tables = {s.label: s for s in disclosure.sections}
    assert tables["customers.Customer"].rows[0]["氏名・名称"] == "開示 花子"
    assert "policies.Policy" in tables
    assert "interactions.Interaction" in tables
    assert any("住所変更のご相談" in json.dumps(r, ensure_ascii=False) for r in tables["interactions.Interaction"].rows)
    text = disclosure.as_json()
    assert person.policies.get().number in text
    assert "対人賠償" in text  # the policy's coverage: one level below the customer's rows
    assert "別人 次郎" not in text
    assert other_policy.number not in text
    assert "token_hash" not in text
    # Who saw the person: the operator's read is listed.
    seen = tables["core.AccessLog"].rows
    assert any(r["利用者"] == str(hq_operator) for r in seen)
    # The export itself is logged as the auditor's export of this customer.
    assert AccessLog.objects.filter(user=auditor, customer_id=person.pk, purpose=AccessPurpose.EXPORT).count() == 1


def test_only_auditors_may_export(hq_operator, person):
    with pytest.raises(PermissionDenied):
        disclosure_build(user=hq_operator, customer=person)


def test_the_command_writes_json_and_pdf(auditor, person, tmp_path):
    call_command("dsr_export", person.number, "--out", str(tmp_path), "--user", auditor.username)
    data = json.loads((tmp_path / f"{person.number}.json").read_text(encoding="utf-8"))
    assert data["customer"] == person.number
    assert {s["table"] for s in data["sections"]} >= {"customers.Customer", "policies.Policy", "core.AccessLog"}
    pdf_text = "".join(page.extract_text() for page in PdfReader(tmp_path / f"{person.number}.pdf").pages)
    assert "保有個人データの開示" in pdf_text
    assert "開示 花子" in pdf_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["XYZ", "--user", "auditor"], "顧客番号の形式が正しくありません"),
        (["K999999999", "--user", "auditor"], "顧客 K999999999 は見つかりません。"),
        (["K000000001", "--user", "nobody"], "ユーザー名「nobody」の有効な利用者が見つかりません。"),
    ],
)
def test_the_command_says_what_is_wrong_in_japanese(auditor, person, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("dsr_export", args[0], "--out", str(tmp_path), *args[1:])


def test_a_user_without_the_permission_gets_a_japanese_error(hq_operator, person, tmp_path):
    with pytest.raises(CommandError, match="コンプライアンス監査担当とシステム管理者だけ"):
        call_command("dsr_export", person.number, "--out", str(tmp_path), "--user", hq_operator.username)


def test_the_export_reads_each_table_once_not_each_row(auditor, hq_operator, person, django_assert_max_num_queries):
    """Related rows (staff, agency, product …) come with their table's query: more contacts do not
    mean more queries."""
    for i in range(5):
        interaction_log(actor=hq_operator, customer=person, channel="phone", subject=f"ご相談 {i}")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        disclosure_build(user=auditor, customer=person)
    for i in range(20):
        interaction_log(actor=hq_operator, customer=person, channel="phone", subject=f"追加 {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        disclosure_build(user=auditor, customer=person)
