"""契約内容のお知らせ: selection by anniversary, the notice's content, per-agency mailing lists,
exceptions, no duplicates on re-run or after a crash, and replies that open 異動 cases."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests.conftest import make_customer
from tsunagu.cases.choices import CaseType, ChangeKind
from tsunagu.cases.models import Case, CaseTask
from tsunagu.core import writes
from tsunagu.core.models import AccessLog, AuditEvent
from tsunagu.documents import notices as notices_module
from tsunagu.documents.choices import BatchStatus, DocumentType
from tsunagu.documents.config import get_storage
from tsunagu.documents.models import ContractNoticeReply, Document
from tsunagu.documents.notice_replies import contract_notice_reply_record
from tsunagu.documents.notices import anniversary, mailing_list_key, month_start, run_contract_notices
from tsunagu.documents.selectors import document_file
from tsunagu.policies.models import Policy
from tsunagu.policies.services import CoverageInput

from .conftest import D, fire_policy

MAY = D(2026, 5, 1)
ISSUE = D(2026, 4, 20)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def read_csv(key: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(get_storage().read(key).decode("utf-8-sig"))))


@pytest.fixture
def long_term(hq_operator, org, document_dir):
    op = hq_operator
    a = make_customer(op, name="長期 一郎", name_kana="チョウキ イチロウ")
    b = make_customer(op, name="直扱 花子", name_kana="ジカアツカイ ハナコ")
    nobody = make_customer(op, name="住所 なし", name_kana="ジュウショ ナシ", addresses=[])
    five = {"inception": D(2024, 5, 10), "expiry": D(2029, 5, 10), "contract_date": D(2024, 4, 1)}
    policies = {
        # agency A, with earthquake cover: notice
        "agency": fire_policy(op, a, agency=org["agency_a"], **five),
        # direct, no earthquake cover: notice with the 地震保険未付帯 item marked
        "direct": fire_policy(
            op,
            b,
            inception=D(2023, 5, 1),
            expiry=D(2028, 5, 1),
            contract_date=D(2023, 4, 1),
            coverages=[CoverageInput(name="火災", premium=30_000, sum_insured=20_000_000)],
            annual_premium=30_000,
        ),
        # one-year contract, first year, other month: not selected
        "one_year": fire_policy(op, a, inception=D(2025, 5, 1), expiry=D(2026, 5, 1), contract_date=D(2025, 4, 1)),
        "first_year": fire_policy(op, a, inception=D(2026, 5, 1), expiry=D(2031, 5, 1), contract_date=D(2026, 4, 1)),
        "june": fire_policy(op, a, inception=D(2024, 6, 1), expiry=D(2029, 6, 1), contract_date=D(2024, 5, 1)),
        # exceptions
        "no_address": fire_policy(op, nobody, agency=org["agency_a"], **five),
        "bad_dates": fire_policy(op, a, agency=org["agency_a"], **five),
        "no_premium": fire_policy(op, a, agency=org["agency_a"], coverages=[], annual_premium=0, **five),
    }
    writes.update_rows(Policy.objects.filter(pk=policies["bad_dates"].pk), actor=op, contract_date=D(2024, 6, 1))
    return {"a": a, "b": b, **policies}


def test_month_and_anniversary_rules():
    assert month_start("2026-05") == MAY
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_start("2026-13")
    assert anniversary(D(2024, 2, 29), 2026) == D(2026, 2, 28)
    assert anniversary(D(2024, 2, 29), 2028) == D(2028, 2, 29)


def test_notices_for_the_month(hq_operator, long_term):
    batch = run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    assert batch.status == BatchStatus.COMPLETED
    docs = {doc.policy_id: doc for doc in Document.objects.filter(doc_type=DocumentType.CONTRACT_NOTICE)}
    assert set(docs) == {long_term["agency"].pk, long_term["direct"].pk}
    doc = docs[long_term["agency"].pk]
    assert (doc.number, doc.notice_for, doc.page) == (f"JN202605-{long_term['agency'].number}", D(2026, 5, 10), 1)
    assert (batch.total, batch.processed, batch.documents_issued, batch.skipped) == (5, 5, 2, 3)

    meta = PdfReader(io.BytesIO(document_file(doc, get_storage()))).metadata
    assert meta is not None
    assert (meta["/Title"], meta["/Subject"], meta["/Creator"]) == (
        f"契約内容のお知らせ {doc.number}",
        "契約内容のお知らせ",
        "つなぐ",
    )
    text = pdf_text(document_file(doc, get_storage()))
    for expected in (
        "契約内容のお知らせ",
        "長期 一郎 様",
        long_term["agency"].number,
        "2024年5月10日 〜 2029年5月10日(5年)",
        "2026年5月10日(3年目)",
        "東京都千代田区千代田1-1",
        "42,000円(口座振替・年払)",
        "付帯あり",
        "あおぞら保険サービス(A0001)",
        "転居",
        "氏名変更",
        "増改築",
        "用途変更",
        "空き家",
        "地震保険未付帯",
        "変更があるときのご連絡方法",
    ):
        assert expected in text, expected
    direct = pdf_text(document_file(docs[long_term["direct"].pk], get_storage()))
    assert "付帯なし" in direct
    assert "このご契約には地震保険が付いていません" in direct

    report = {row[1]: row[2] for row in read_csv(batch.exceptions_key)[1:]}
    assert "住所が登録されていません" in report[long_term["no_address"].number]
    assert "日付が不正です" in report[long_term["bad_dates"].number]
    assert "保険料・補償のデータがありません" in report[long_term["no_premium"].number]

    agency_rows = read_csv(mailing_list_key(MAY, "A0001"))
    assert agency_rows[0][:3] == ["代理店コード", "代理店名", "帳票番号"]
    assert [r[3] for r in agency_rows[1:]] == [long_term["agency"].number]
    assert agency_rows[1][10] == "有"
    direct_rows = read_csv(mailing_list_key(MAY, "DIRECT"))
    assert [(r[3], r[10]) for r in direct_rows[1:]] == [(long_term["direct"].number, "無")]

    assert AuditEvent.objects.filter(action="document.issue_contract_notice").count() == 2
    assert AccessLog.objects.filter(screen="contract_notices", purpose="export").exists()


def test_rerun_never_duplicates(hq_operator, long_term):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    again = run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    assert again.documents_issued == 0
    assert Document.objects.filter(doc_type=DocumentType.CONTRACT_NOTICE).count() == 2
    assert len(read_csv(mailing_list_key(MAY, "A0001"))) == 2  # header + one notice, not two


def test_crash_then_resume(hq_operator, long_term, monkeypatch):
    real = notices_module.register_notices
    calls = {"n": 0}

    def crash_on_second(plan, result, batch, actor):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(plan, result, batch, actor)

    monkeypatch.setattr(notices_module, "register_notices", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE, chunk_size=1)
    assert Document.objects.filter(doc_type=DocumentType.CONTRACT_NOTICE).count() == 1
    failed = notices_module.DocumentBatch.objects.get()
    assert failed.status == BatchStatus.FAILED
    assert "KeyboardInterrupt" in failed.error
    monkeypatch.setattr(notices_module, "register_notices", real)
    resumed = run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE, chunk_size=1)
    assert resumed.status == BatchStatus.COMPLETED
    assert Document.objects.filter(doc_type=DocumentType.CONTRACT_NOTICE).count() == 2


def test_reply_with_changes_opens_a_change_case_and_an_agency_task(
    hq_operator, agency_a_staff, agency_b_staff, long_term
):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    notice = Document.objects.get(policy=long_term["agency"], doc_type=DocumentType.CONTRACT_NOTICE)
    with pytest.raises(PermissionDenied):
        contract_notice_reply_record(actor=agency_b_staff, document=notice, has_changes=True, triggers=["moved"])
    with pytest.raises(ValidationError, match="確認項目にない変更"):
        contract_notice_reply_record(actor=agency_a_staff, document=notice, has_changes=True, triggers=["x"])
    reply = contract_notice_reply_record(
        actor=agency_a_staff,
        document=notice,
        has_changes=True,
        triggers=["moved", "extension"],
        note="6月に大阪へ転居予定、離れを増築",
    )
    case = reply.case
    assert (case.case_type, case.sub_type, case.policy, case.agency) == (
        CaseType.CHANGE,
        ChangeKind.OTHER,
        long_term["agency"],
        long_term["agency"].agency,
    )
    assert "転居、増改築" in case.subject
    assert "離れを増築" in case.change.new_values["description"]
    task = CaseTask.objects.get(case=case)
    assert "代理店「あおぞら保険サービス」" in task.title
    assert Case.objects.visible_to(agency_a_staff).filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(action="document.record_notice_reply").count() == 1
    with pytest.raises(ValidationError, match="既に記録されています"):
        contract_notice_reply_record(actor=hq_operator, document=notice, has_changes=False)


def test_reply_without_changes_opens_nothing(hq_operator, long_term):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    notice = Document.objects.get(policy=long_term["direct"], doc_type=DocumentType.CONTRACT_NOTICE)
    before = Case.objects.count()
    reply = contract_notice_reply_record(actor=hq_operator, document=notice, has_changes=False)
    assert reply.case is None
    assert Case.objects.count() == before
    assert ContractNoticeReply.objects.count() == 1


def test_command(hq_operator, long_term):
    out = io.StringIO()
    call_command("contract_notices", "--month", "2026-05", "--issue-date", "2026-04-20", stdout=out)
    assert "2026-05: 作成 2件、例外 3件" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("contract_notices", "--month", "5月")


def test_reply_screen_records_the_answer_and_the_customer_page_shows_it(
    client, hq_operator, agency_a_staff, agency_b_staff, long_term
):
    run_contract_notices(actor=hq_operator, month=MAY, issue_date=ISSUE)
    notice = Document.objects.get(policy=long_term["agency"], doc_type=DocumentType.CONTRACT_NOTICE)
    url = f"/documents/{notice.pk}/reply/"

    client.force_login(agency_b_staff)
    assert client.get(url).status_code == 404  # another agency's customer

    client.force_login(agency_a_staff)
    page = client.get(url)
    assert page.status_code == 200
    assert "転居" in page.content.decode()
    assert AccessLog.objects.filter(
        user=agency_a_staff, screen="お知らせ回答の記録", customer_id=notice.customer_id
    ).exists()

    bad = client.post(url, {"triggers": ["moved"], "note": "書きかけ", "channel": "phone"})
    assert bad.status_code == 200  # the same page, the form bound (the kit's one error path)
    body = bad.content.decode()
    assert "「変更あり」か「変更なし」を選んでください" in body
    assert "書きかけ" in body  # what was typed is kept
    assert 'value="moved" id="id_triggers_0" checked' in body  # the ticked item stays ticked
    empty = client.post(url, {"has_changes": "yes", "channel": "post"})
    assert empty.status_code == 200
    assert "該当する項目か変更内容を入力してください" in empty.content.decode()
    odd = client.post(url, {"has_changes": "no", "channel": "pigeon"})
    assert "受付経路が正しくありません" in odd.content.decode()
    assert not ContractNoticeReply.objects.exists()

    done = client.post(url, {"has_changes": "yes", "triggers": ["moved"], "note": "来月転居", "channel": "phone"})
    assert done.status_code == 302
    reply = ContractNoticeReply.objects.get()
    assert reply.case is not None
    assert reply.case.channel == "phone"
    customer_page = client.get(done.url).content.decode()
    assert reply.case.number in customer_page
    assert "回答を記録しました" in customer_page
    again = client.get(url).content.decode()
    assert "記録済みの回答" in again
    assert 'id="notice-reply-form"' not in again
