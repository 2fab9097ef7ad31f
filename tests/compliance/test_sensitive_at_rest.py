"""機微情報 at rest (issue 15): ciphertext in the tables and their history, key rotation, visibility by
purpose, and never in analytics, exports or the search index — on SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.cases.conftest import claims_handler, complaints_officer, departments, holder, open_case  # noqa: F401
from tests.conftest import PASSWORD
from tsunagu.cases.choices import CaseType
from tsunagu.cases.models import AccidentReport, ComplaintCategory, ComplaintDetail
from tsunagu.cases.services import complaint_update
from tsunagu.compliance.disclosure import disclosure_build
from tsunagu.core import crypto, masking

pytestmark = pytest.mark.django_db

INJURY = "運転者が右足を骨折し○○病院に入院(全治3か月)"
FACT = "お客さまは持病の通院中で、信仰上の理由により輸血を拒否と申出"
NEW_KEY = "new-field-key-" + "n" * 40
OTHER_KEY = "someone-elses-key-" + "x" * 40


@pytest.fixture
def accident(hq_operator, holder):  # noqa: F811
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.ACCIDENT,
        "auto",
        occurred_at=timezone.make_aware(dt.datetime(2026, 5, 30, 14, 0)),
        place="東京都千代田区 交差点",
        accident_type="対人",
        description="交差点で歩行者と接触",
        injuries=INJURY,
    )
    return case


@pytest.fixture
def complaint(hq_operator, holder, complaints_officer, case_reference_data):  # noqa: F811
    customer, policy = holder
    case = open_case(
        hq_operator,
        customer,
        policy,
        CaseType.COMPLAINT,
        category=ComplaintCategory.objects.get(code="C1-01").pk,
        customer_request="説明が足りなかった",
    )
    complaint_update(actor=complaints_officer, case=case, fact_finding=FACT)
    return case


def _raw(table: str, column: str) -> list[str]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")
        return [row[0] for row in cursor.fetchall()]


def _stored_values() -> dict[str, list[str]]:
    out = {}
    for model, column in ((AccidentReport, "injuries"), (ComplaintDetail, "fact_finding")):
        out[model._meta.db_table] = _raw(model._meta.db_table, column)
        history = model.history.model._meta.db_table  # type: ignore[attr-defined]
        out[history] = _raw(history, column)
    return out


def test_the_tables_and_their_history_hold_ciphertext_only(accident, complaint):
    stored = _stored_values()
    assert all(stored.values()), stored  # every table (and its history) has the value ...
    for table, values in stored.items():
        for value in values:
            assert value.startswith(f"enc:{crypto.current_key().id}:"), table
            assert "病院" not in value
            assert "持病" not in value
    # ... and the application reads the clear text.
    assert AccidentReport.objects.get(case=accident).injuries == INJURY
    assert ComplaintDetail.objects.get(case=complaint).fact_finding == FACT
    assert accident.accident.history.first().injuries == INJURY


@pytest.mark.usefixtures("auditor", "claims_handler", "complaints_officer")
def test_only_roles_with_a_purpose_see_the_clear_text(accident, complaint, client):
    for username, case, visible in (
        ("claims_handler", accident, True),
        ("auditor", accident, True),
        ("hq_operator", accident, False),
        ("complaints_officer", complaint, True),
        ("hq_operator", complaint, False),
        ("claims_handler", complaint, False),
    ):
        client.login(username=username, password=PASSWORD)
        response = client.get(f"/cases/{case.pk}/")
        body = response.content.decode()
        assert response.status_code == 200
        clear = INJURY if case is accident else FACT
        assert (clear in body) is visible, username
        assert (masking.SENSITIVE_HIDDEN in body) is not visible, username
        assert "enc:" not in body


def test_rotation_reencrypts_everything_and_the_old_key_can_then_be_removed(accident, complaint, settings, capsys):
    old = list(settings.TSUNAGU_FIELD_KEYS)
    settings.TSUNAGU_FIELD_KEYS = [NEW_KEY, *old]
    call_command("rotate_field_keys", "--chunk", "1")
    out = capsys.readouterr().out
    assert "合計 4 行を鍵ID" in out  # two rows and their two history rows (+ the complaint's update)
    new_id = crypto.key_id_of(NEW_KEY)
    for values in _stored_values().values():
        assert all(v.startswith(f"enc:{new_id}:") for v in values)
    call_command("rotate_field_keys")
    assert "合計 0 行" in capsys.readouterr().out  # a second run changes nothing
    call_command("rotate_field_keys", "--check")
    assert "すべての値が現在の鍵で暗号化されています" in capsys.readouterr().out
    settings.TSUNAGU_FIELD_KEYS = [NEW_KEY]
    assert AccidentReport.objects.get(case=accident).injuries == INJURY
    assert ComplaintDetail.history.filter(case=complaint).first().fact_finding == FACT


def test_a_wrong_key_is_a_japanese_notice_not_a_server_error_and_loses_nothing(
    accident, client, auditor, settings, capsys
):
    stored = _raw(AccidentReport._meta.db_table, "injuries")
    settings.TSUNAGU_FIELD_KEYS = [OTHER_KEY]
    client.login(username="auditor", password=PASSWORD)
    response = client.get(f"/cases/{accident.pk}/")
    assert response.status_code == 200
    assert crypto.UNREADABLE in response.content.decode()
    report = AccidentReport.objects.get(case=accident)
    report.save()  # saving a row that could not be decrypted writes the ciphertext back
    assert _raw(AccidentReport._meta.db_table, "injuries") == stored
    with pytest.raises(CommandError, match="復号できなかったため、そのままにしました"):
        call_command("rotate_field_keys")
    assert "の鍵が設定されていません" in capsys.readouterr().err
    with pytest.raises(CommandError, match="現在の鍵で暗号化されていない値"):
        call_command("rotate_field_keys", "--check")
    settings.TSUNAGU_FIELD_KEYS = []
    with pytest.raises(CommandError, match="暗号鍵が設定されていません"):
        call_command("rotate_field_keys")


def test_the_migration_encrypts_rows_written_in_plain_text_and_is_idempotent(accident):
    table = AccidentReport._meta.db_table
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {qn(table)} SET {qn('injuries')} = %s", [INJURY])
    assert AccidentReport.objects.get(case=accident).injuries == INJURY  # legacy plain text still reads
    migration = importlib.import_module("tsunagu.cases.migrations.0007_sensitive_at_rest")
    from django.apps import apps

    migration.encrypt_rows(apps, None)
    [value] = _raw(table, "injuries")
    assert value.startswith("enc:")
    assert "病院" not in value
    migration.encrypt_rows(apps, None)
    assert _raw(table, "injuries") == [value]
    assert AccidentReport.objects.get(case=accident).injuries == INJURY


def test_the_persons_own_disclosure_includes_their_sensitive_data_in_clear_text(accident, complaint, auditor):
    # Decision (docs/compliance.md): APPI 開示 covers all retained personal data, 要配慮 included; the
    # export goes to the person only, so it carries the clear text — never the ciphertext.
    disclosure = disclosure_build(user=auditor, customer=accident.customer)
    text = disclosure.as_json()
    assert INJURY in text
    assert FACT in text
    assert "enc:" not in text


def test_analytics_never_reads_the_sensitive_values(accident, complaint):
    from tsunagu.analytics import features as F

    book = F.load_book()
    for f in dataclasses.fields(book):
        frame = getattr(book, f.name)
        dumped = frame.write_csv() if hasattr(frame, "write_csv") else json.dumps(frame, default=str)
        for text in ("病院", "持病", "enc:"):
            assert text not in dumped, f.name


def test_the_search_index_never_holds_the_sensitive_values(accident, complaint, hq_operator, auditor):
    from tsunagu.search.models import CustomerDoc, SearchTerm
    from tsunagu.search.selectors import search_customers
    from tsunagu.search.services import search_index_rebuild

    search_index_rebuild()
    indexed = json.dumps(
        [
            list(CustomerDoc.objects.values_list("names", "keys")),
            list(SearchTerm.objects.values_list("key", flat=True)),
        ],
        ensure_ascii=False,
    )
    assert accident.customer.name.split()[0] in indexed  # the index is there ...
    assert "病院" not in indexed
    assert "骨折" not in indexed
    assert "持病" not in indexed
    assert search_customers(user=auditor, q="右足を骨折").rows == []


def test_exports_never_carry_the_sensitive_values(accident, complaint, client):
    client.login(username="complaints_officer", password=PASSWORD)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/voice/complaints/export/?format={fmt}")
        assert response.status_code == 200, fmt
        body = response.content.decode("utf-8", errors="replace")
        assert "持病" not in body
        assert "enc:" not in body


def test_the_demo_writer_encrypts_the_sensitive_columns():
    from tsunagu.demo.operations.cases.tables import ACCIDENT_COLUMNS
    from tsunagu.demo.writer import TableSpec, _encrypt_columns

    spec = TableSpec(AccidentReport, ACCIDENT_COLUMNS)
    assert spec.encrypted == (ACCIDENT_COLUMNS.index("injuries"),)
    row = tuple("けが" if c == "injuries" else c for c in ACCIDENT_COLUMNS)
    written = _encrypt_columns(row, spec.encrypted)
    assert written[spec.encrypted[0]].startswith("enc:")
    assert crypto.decrypt(written[spec.encrypted[0]]) == "けが"
