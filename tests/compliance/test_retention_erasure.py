"""Retention's erasure (issue 15, the gaps of the first retention stop): every clear and delete through
core.writes with a history row per row (the row history's "~"/"-" with actor and reason, or an audit
event per row for tables without one), set-based (statements do not grow with rows); accident-report
free text, free-text survey answers, the voice term index and identity blocking keys erased; the
PDF files of documents deleted from storage after commit (a print file shared with others kept)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.conftest import departments  # noqa: F401
from tests.compliance.conftest import closed_accident_case, closed_complaint_case
from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tests.voice.conftest import record as voice_record
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import AccidentReport, Case, CaseEvent, ComplaintDetail
from tsunagu.compliance import retention, retention_steps
from tsunagu.compliance import retention_services as services
from tsunagu.core import writes
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AppendOnlyError, AuditEvent
from tsunagu.customers.models import Customer, Phone
from tsunagu.documents.models import Document
from tsunagu.documents.storage import LocalDirectoryStorage
from tsunagu.identity.models import BlockingKey, SourceRecord, SourceSystem
from tsunagu.interactions.models import Interaction
from tsunagu.interactions.services import interaction_log
from tsunagu.policies.models import Claim
from tsunagu.surveys.models import Response, SurveyVersion
from tsunagu.voice.models import Voice, VoiceTerm, VoiceTermStat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_periods")]

MASTER_DUE = dt.date(2037, 4, 1)  # make_policy's policies end 2027-04-01: every type is due by then
RUN = AuditAction.COMPLIANCE_RETENTION_RUN


def _row_events(model: type[models.Model], ids) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type=model._meta.label_lower, target_id__in=[str(pk) for pk in ids]).order_by(
            "id"
        )
    )


def _contacts(actor, customer, n: int) -> list[int]:
    for i in range(n):
        interaction_log(actor=actor, customer=customer, channel="phone", subject=f"相談{i}", notes=f"長男の連絡先{i}")
    return sorted(Interaction.objects.filter(customer=customer).values_list("pk", flat=True))


def _source(customer: Customer, keys: int, external_id: str = "A-1") -> SourceRecord:
    system, _ = SourceSystem.objects.get_or_create(code="agency", defaults={"name": "代理店システム"})
    record = SourceRecord.objects.create(
        source=system,
        external_id=external_id,
        values={"name": "保存 満了", "birth_date": "1960-08-15"},
        features={"name_key": "ホゾンマンリョウ"},
        content_hash="x" * 64,
        customer=customer,
        changed_at=timezone.now(),
    )
    for i in range(keys):
        BlockingKey.objects.create(record=record, key=f"nm:ホゾン|dob:1960-08-{i:02d}")
    return record


# --- core.writes: clear_rows / delete_rows -------------------------------------------------------


def test_clearing_append_only_contacts_leaves_one_audit_row_per_row(hq_operator, auditor, customer_a):
    ids = _contacts(hq_operator, customer_a, 3)
    rows = models.QuerySet(Interaction).filter(customer=customer_a)
    cleared = writes.clear_rows(rows, actor=auditor, reason="テストの消去", action=RUN, data={"run": 7}, notes="")
    assert cleared == 3
    assert set(Interaction.objects.filter(pk__in=ids).values_list("notes", flat=True)) == {""}
    events = _row_events(Interaction, ids)
    assert sorted(int(e.target_id) for e in events) == ids
    assert {(e.actor_id, e.action, e.summary) for e in events} == {(auditor.pk, RUN.value, "テストの消去")}
    assert all(e.data == {"history_type": "~", "fields": ["notes"], "run": 7} for e in events)
    assert all("長男" not in str(e.data) for e in events)  # the history row names fields, never values
    # the table stays append-only for everything else
    with pytest.raises(AppendOnlyError):
        Interaction.objects.filter(customer=customer_a).update(notes="x")


def test_deleting_history_tracked_rows_leaves_a_deletion_row_each(hq_operator, auditor):
    customer = make_customer(hq_operator, phones=[("mobile", "090-1111-2222"), ("home", "03-3333-4444")])
    ids = sorted(Phone.objects.filter(customer=customer).values_list("pk", flat=True))
    assert writes.delete_rows(Phone.objects.filter(customer=customer), actor=auditor, reason="テストの削除") == 2
    assert not Phone.objects.filter(pk__in=ids).exists()
    deleted = Phone.history.filter(id__in=ids, history_type="-")
    assert sorted(deleted.values_list("id", flat=True)) == ids
    assert set(deleted.values_list("history_user_id", "history_change_reason")) == {(auditor.pk, "テストの削除")}


def test_deleting_rows_without_history_leaves_one_audit_row_per_row(hq_operator, auditor):
    customer = make_customer(hq_operator)
    record = _source(customer, keys=3)
    ids = sorted(BlockingKey.objects.filter(record=record).values_list("pk", flat=True))
    rows = models.QuerySet(BlockingKey).filter(record=record)
    assert writes.delete_rows(rows, actor=auditor, reason="テストの削除", action=RUN) == 3
    assert not BlockingKey.objects.filter(pk__in=ids).exists()
    events = _row_events(BlockingKey, ids)
    assert sorted(int(e.target_id) for e in events) == ids
    assert {(e.summary, e.data["history_type"]) for e in events} == {("テストの削除", "-")}


def test_a_table_without_history_needs_an_action_and_one_others_point_at_is_refused(hq_operator, auditor, customer_a):
    ids = _contacts(hq_operator, customer_a, 1)
    with pytest.raises(ValueError, match="action を指定"):
        writes.clear_rows(models.QuerySet(Interaction).filter(pk__in=ids), actor=auditor, reason="x", notes="")
    assert Interaction.objects.get(pk=ids[0]).notes == "長男の連絡先0"
    with pytest.raises(ValueError, match="参照されるため"):
        writes.delete_rows(Customer.objects.filter(pk=customer_a.pk), actor=auditor, reason="x")
    assert Customer.objects.filter(pk=customer_a.pk).exists()


def test_clears_and_deletes_stay_set_based(hq_operator, auditor):
    """The number of statements does not grow with the number of rows (one chunk either way)."""

    def clear(n: int) -> int:
        customer = make_customer(hq_operator, name=f"件数 {n}")
        _contacts(hq_operator, customer, n)
        rows = models.QuerySet(Interaction).filter(customer=customer)
        with CaptureQueriesContext(connection) as queries:
            assert writes.clear_rows(rows, actor=auditor, reason="r", action=RUN, notes="") == n
        return len(queries)

    def delete_tracked(n: int) -> int:
        phones = [("mobile", f"090-0000-{i:04d}") for i in range(n)]
        customer = make_customer(hq_operator, name=f"電話 {n}", phones=phones)
        with CaptureQueriesContext(connection) as queries:
            assert writes.delete_rows(Phone.objects.filter(customer=customer), actor=auditor, reason="r") == n
        return len(queries)

    def delete_untracked(n: int) -> int:
        record = _source(make_customer(hq_operator, name=f"鍵 {n}"), keys=n, external_id=f"K-{n}")
        with CaptureQueriesContext(connection) as queries:
            rows = models.QuerySet(BlockingKey).filter(record=record)
            assert writes.delete_rows(rows, actor=auditor, reason="r", action=RUN) == n
        return len(queries)

    assert clear(2) == clear(40)
    assert delete_tracked(2) == delete_tracked(40)
    assert delete_untracked(2) == delete_untracked(40)


# --- the run: every table of the customer ------------------------------------------------------


@pytest.fixture
def gone(hq_operator, org, departments, case_reference_data):  # noqa: F811
    """A customer whose relationship ended 2027-04-01, with contacts, a closed accident case (its
    claim), a closed complaint, a voice, a survey response with a free-text answer, and a source
    record with keys."""
    customer = make_customer(hq_operator, name="保存 満了", name_kana="ホゾン マンリョウ")
    policy = make_policy(hq_operator, customer, agency=org["agency_a"])
    _contacts(hq_operator, customer, 2)
    closed_accident_case(hq_operator, customer, policy)
    closed_complaint_case(hq_operator, customer, policy)
    voice_record(hq_operator, "説明が遅くて困った。入院中の母に連絡が来なかった", customer=customer, policy=policy)
    survey = claim_survey(cs_manager())
    version = SurveyVersion.objects.get(survey=survey, is_current=True)
    Response.objects.create(
        version=version,
        survey=survey,
        customer=customer,
        channel="web",
        answered_on=dt.date(2026, 6, 1),
        nps=9,
        comment="担当の鈴木さんが親切",
        answers={"nps": 9, "speed": "良い", "comment": "担当の鈴木さんが親切"},
    )
    _source(customer, keys=2)
    return customer


def test_the_run_erases_free_text_indexes_and_keys_with_a_history_row_each(auditor, gone):
    contact_ids = sorted(Interaction.objects.filter(customer=gone).values_list("pk", flat=True))
    event_ids = sorted(CaseEvent.objects.filter(case__customer=gone).values_list("pk", flat=True))
    voice = Voice.objects.get(customer=gone)
    term_ids = sorted(VoiceTerm.objects.filter(voice=voice).values_list("pk", flat=True))
    terms = set(VoiceTerm.objects.filter(voice=voice).values_list("term", flat=True))
    df_before = dict(VoiceTermStat.objects.filter(term__in=terms).values_list("term", "df"))
    key_ids = sorted(BlockingKey.objects.filter(record__customer=gone).values_list("pk", flat=True))
    assert all((contact_ids, event_ids, term_ids, key_ids))

    result = services.retention_execute(actor=auditor, on=MASTER_DUE)
    run = result.run

    # contacts and case timelines (append-only): cleared, an audit row per row naming the run
    assert set(Interaction.objects.filter(pk__in=contact_ids).values_list("notes", flat=True)) == {""}
    assert set(CaseEvent.objects.filter(pk__in=event_ids).values_list("body", flat=True)) == {""}
    for model, ids in ((Interaction, contact_ids), (CaseEvent, event_ids)):
        events = _row_events(model, ids)
        assert sorted(int(e.target_id) for e in events) == ids
        assert {(e.actor_id, e.summary, e.data["history_type"], e.data["run"]) for e in events} == {
            (auditor.pk, retention_steps.REASON, "~", run.pk)
        }

    # the accident report's free text, and its history
    report = AccidentReport.objects.get(case__customer=gone)
    assert (report.description, report.parties, report.injuries, report.place, report.police_report_number) == (
        retention.CLEARED_TEXT,
        "",
        "",
        "",
        "",
    )
    assert (report.accident_type, report.line) == ("対人", "auto")  # codes stay for statistics
    history = AccidentReport.history.filter(id=report.pk)
    assert set(history.values_list("parties", flat=True)) == {""}
    assert not history.exclude(injuries="").exists()
    last = history.order_by("-history_id").first()
    assert (last.history_type, last.history_user_id, last.history_change_reason) == ("~", auditor.pk, services.REASON)
    claim = Claim.objects.get(policy__policyholder=gone)
    assert claim.accident_place == ""
    assert set(Claim.history.filter(id=claim.pk).values_list("accident_place", flat=True)) == {""}

    # the complaint: the customer's request and the fact finding cleared, cause and countermeasure kept
    complaint = ComplaintDetail.objects.get(case__customer=gone)
    assert (complaint.customer_request, complaint.fact_finding) == (retention.CLEARED_TEXT, "")
    assert (complaint.cause, complaint.countermeasure) == ("担当者の連絡漏れ", "週次の進捗連絡を必須化")
    assert not ComplaintDetail.history.filter(id=complaint.pk).exclude(fact_finding="").exists()
    assert Case.objects.get(customer=gone, case_type=CaseType.COMPLAINT).subject == retention.CLEARED_TEXT
    assert result.counts["complaint"]["customers"] == 1

    # the survey's free text (comment and the TEXT answer), other answers kept
    response = Response.objects.get(customer=gone)
    assert response.comment == ""
    assert response.answers == {"nps": 9, "speed": "良い", "comment": ""}
    assert not any("鈴木" in str(answers) for answers in Response.history.filter(id=response.pk).values_list("answers"))

    # the voice: text cleared, its postings deleted (an audit row each), document frequencies in step
    voice.refresh_from_db()
    assert (voice.text, voice.term_norm) == (retention.CLEARED_TEXT, 0.0)
    assert not VoiceTerm.objects.filter(voice=voice).exists()
    assert sorted(int(e.target_id) for e in _row_events(VoiceTerm, term_ids)) == term_ids
    df_after = dict(VoiceTermStat.objects.filter(term__in=terms).values_list("term", "df"))
    assert all(df_after[term] == df_before[term] - 1 for term in terms)

    # identity: the source record's values cleared, its blocking keys deleted (an audit row each)
    assert not BlockingKey.objects.filter(pk__in=key_ids).exists()
    key_events = _row_events(BlockingKey, key_ids)
    assert sorted(int(e.target_id) for e in key_events) == key_ids
    assert {(e.summary, e.data["history_type"]) for e in key_events} == {(retention_steps.DELETE_REASON, "-")}
    assert SourceRecord.objects.get(customer=gone).values == {}

    # the run's own event is still one, and the counts include the new tables
    assert AuditEvent.objects.filter(action=RUN, target_type="compliance.retentionrun").count() == 1
    assert result.counts["voice"]["rows"] == 1 + len(term_ids)
    # the master goes first: its step deletes the keys (customer, address, phone, e-mail, claim, keys)
    assert result.counts["customer"]["rows"] == 5 + len(key_ids)
    assert result.counts["source"]["rows"] == 1


def test_a_rerun_writes_no_further_history(auditor, gone):
    services.retention_execute(actor=auditor, on=MASTER_DUE)
    events, histories = AuditEvent.objects.count(), AccidentReport.history.count()
    again = services.retention_execute(actor=auditor, on=MASTER_DUE)
    assert all(v["rows"] == 0 for v in again.counts.values())
    assert AuditEvent.objects.count() == events + 1  # the second run's own event only
    assert AccidentReport.history.count() == histories


def test_the_dry_run_counts_the_new_tables_and_writes_nothing(auditor, gone):
    before = (AuditEvent.objects.count(), VoiceTerm.objects.count(), BlockingKey.objects.count())
    result = services.retention_execute(actor=auditor, on=MASTER_DUE, dry_run=True)
    assert result.counts["voice"]["rows"] == 1 + VoiceTerm.objects.filter(voice__customer=gone).count()
    assert (AuditEvent.objects.count(), VoiceTerm.objects.count(), BlockingKey.objects.count()) == before


def test_survey_free_text_alone_makes_the_survey_type_due(auditor, hq_operator, org):
    """A response whose comment is empty but whose version has a free-text question is still due."""
    from tsunagu.compliance.retention_selectors import due_preview

    customer = make_customer(hq_operator, name="回答 のみ")
    make_policy(hq_operator, customer, agency=org["agency_a"])
    survey = claim_survey(cs_manager())
    Response.objects.create(
        version=SurveyVersion.objects.get(survey=survey, is_current=True),
        survey=survey,
        customer=customer,
        channel="web",
        answered_on=dt.date(2026, 6, 1),
        answers={"nps": 3},
    )
    survey_due = next(t for t in due_preview(on=MASTER_DUE).types if t.record_type == "survey")
    assert survey_due.due == 1


# --- document files ------------------------------------------------------------------------------


def _document(customer, actor, number: str, key: str, *, page: int | None = None) -> Document:
    return Document.objects.create(
        number=number,
        doc_type="contract_notice",
        customer=customer,
        issued_by=actor,
        issued_at=timezone.now(),
        delivery_channel="post" if page else "electronic",
        delivery_name=customer.name,
        delivery_postal_code="100-0001",
        delivery_address="東京都千代田区千代田1-1",
        storage_backend="local",
        storage_key=key,
        page=page,
        sha256="0" * 64,
    )


@pytest.mark.django_db(transaction=True)
def test_document_files_are_deleted_after_commit_and_counted(client, settings, tmp_path, hq_operator, auditor, org):
    settings.TSUNAGU_DOCUMENT_DIR = tmp_path / "documents"
    storage = LocalDirectoryStorage(tmp_path / "documents")
    customer = make_customer(hq_operator, name="帳票 満了")
    make_policy(hq_operator, customer, agency=org["agency_a"])
    other = make_customer(hq_operator, name="帳票 継続")
    make_policy(hq_operator, other, agency=org["agency_a"], expiry=dt.date(2040, 4, 1))
    for key in ("electronic/A1.pdf", "electronic/A2.pdf", "print/batch1.pdf"):
        storage.put(key, b"%PDF-1.4 test")
    own = [
        _document(customer, hq_operator, "D-A1", "electronic/A1.pdf"),
        _document(customer, hq_operator, "D-A2", "electronic/A2.pdf"),
        _document(customer, hq_operator, "D-A3", "print/batch1.pdf", page=1),
    ]
    _document(other, hq_operator, "D-B1", "print/batch1.pdf", page=2)  # the same print file, kept

    result = services.retention_execute(actor=auditor, on=MASTER_DUE)

    assert not storage.exists("electronic/A1.pdf")
    assert not storage.exists("electronic/A2.pdf")
    assert storage.exists("print/batch1.pdf")  # another customer's document is in it
    assert result.counts["document"]["files"] == 2
    assert result.run.counts["document"]["files"] == 2
    assert next(t for t in result.as_json()["types"] if t["record_type"] == "document")["files"] == 2
    for document in own:
        document.refresh_from_db()
        assert (document.storage_key, document.page, document.delivery_address) == ("", None, "")
        assert document.number.startswith("D-A")  # the row keeps its number and dates
        assert not Document.history.filter(id=document.pk).exclude(storage_key="").exists()
    assert Document.objects.get(number="D-B1").storage_key == "print/batch1.pdf"
    # the documents app says so on every screen instead of trying the cleared reference
    assert all(document.file_erased_at is not None for document in own)
    assert not Document.objects.get(number="D-B1").file_erased
    client.force_login(hq_operator)
    page = client.get(f"/documents/{own[0].pk}/")
    assert page.status_code == 410
    assert "保存期間満了により削除済み" in page.content.decode()
    assert f"{timezone.localdate(own[0].file_erased_at):%Y/%m/%d}" in page.content.decode()
    customer_page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert customer_page.count("保存期間満了により削除済み") == 3
