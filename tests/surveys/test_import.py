"""Import of survey results: good rows kept, bad rows reported with row numbers and Japanese
reasons, the job row, the error report, and the exact CLI interface."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.conftest import make_customer, make_policy
from tests.surveys.factories import claim_survey, cs_manager
from tsunagu.core.choices import AuditAction
from tsunagu.core.models import AuditEvent
from tsunagu.surveys.choices import Channel
from tsunagu.surveys.models import Response, SurveyImport
from tsunagu.surveys.services.imports import error_report, survey_import_run

pytestmark = pytest.mark.django_db
HEADER = "policy_number,answered_on,nps,satisfaction,comment\n"


@pytest.fixture
def world(org, hq_operator):
    manager = cs_manager()
    survey = claim_survey(manager)
    customer = make_customer(hq_operator, agency=org["agency_a"])
    policies = [make_policy(hq_operator, customer, agency=org["agency_a"], number=f"IMP-{n}") for n in (1, 2)]
    return {"manager": manager, "survey": survey, "customer": customer, "policies": policies}


def _run(world, text: str, name: str = "results.csv"):
    return survey_import_run(
        actor=world["manager"], survey=world["survey"], data=text.encode("utf-8-sig"), file_name=name
    )


def test_good_and_bad_rows(world):
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    text = HEADER + (
        "IMP-1,2026-06-01,9,8,とても丁寧でした\n"  # row 2: good
        "IMP-2,2026-06-02,3,,\n"  # row 3: good (satisfaction, comment empty)
        "NOPE-9,2026-06-01,9,9,\n"  # row 4: unknown policy
        "IMP-1,2026/06/01,9,9,\n"  # row 5: bad date format
        f"IMP-1,{future},9,9,\n"  # row 6: future
        "IMP-2,2026-06-03,11,9,\n"  # row 7: out of range
        ",,,,\n"  # row 8: empty
        "IMP-1,2026-06-01,7,7,\n"  # row 9: duplicate of row 2
        "IMP-2,2026-02-30,5,5,\n"  # row 10: no such date
    )
    result = _run(world, text)
    row = result.survey_import
    assert (row.status, row.total, row.imported, row.rejected) == ("completed", 9, 2, 7)
    reasons = {e.row: e.reason for e in result.errors}
    assert "証券番号「NOPE-9」の契約が見つかりません" in reasons[4]
    assert "YYYY-MM-DD" in reasons[5]
    assert "未来の日付" in reasons[6]
    assert "0〜10の整数" in reasons[7]
    assert "空の行" in reasons[8]
    assert "ファイル内で重複しています(2行目)" in reasons[9]
    assert "存在しない日付" in reasons[10]
    assert [e["row"] for e in row.errors] == [4, 5, 6, 7, 8, 9, 10]
    good = Response.objects.order_by("answered_on")
    assert [(r.policy.number, r.nps, r.satisfaction, r.channel) for r in good] == [
        ("IMP1", 9, 8, Channel.IMPORT),
        ("IMP2", 3, None, Channel.IMPORT),
    ]
    assert good[0].comment == "とても丁寧でした"
    assert good[0].customer == world["customer"]
    assert all(r.import_batch == row for r in good)
    report = error_report(row)
    assert report.startswith("\ufeff".encode())
    assert "行番号,証券番号,理由" in report.decode("utf-8-sig")
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_IMPORT_COMPLETE).count() == 1


def test_a_second_import_of_the_same_answers_is_a_duplicate(world):
    _run(world, HEADER + "IMP-1,2026-06-01,9,8,\n")
    result = _run(world, HEADER + "IMP-1,2026-06-01,9,8,\n")
    assert result.survey_import.imported == 0
    assert "取込済み" in result.errors[0].reason
    assert Response.objects.count() == 1


def test_customer_number_must_be_the_policyholders(world):
    text = "policy_number,customer_number,answered_on,nps\nIMP-1,C-WRONG,2026-06-01,9\n"
    result = _run(world, text)
    assert "契約者と一致しません" in result.errors[0].reason


def test_unknown_column_fails_the_file_with_nothing_imported(world):
    with pytest.raises(ValidationError, match="列「foo」"):
        _run(world, "policy_number,answered_on,foo\nIMP-1,2026-06-01,1\n")
    assert SurveyImport.objects.get().status == "failed"
    assert "列「foo」" in SurveyImport.objects.get().failure_reason
    assert not Response.objects.exists()


def test_xlsx(world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["policy_number", "answered_on", "nps", "satisfaction"])
    sheet.append(["IMP-2", "2026-05-20", 10, 9])
    out = io.BytesIO()
    book.save(out)
    result = survey_import_run(actor=world["manager"], survey=world["survey"], data=out.getvalue(), file_name="r.xlsx")
    assert result.survey_import.imported == 1
    assert Response.objects.get().nps == 10


def test_agency_staff_may_not_import(world, agency_a_staff):
    with pytest.raises(PermissionDenied):
        survey_import_run(actor=agency_a_staff, survey=world["survey"], data=HEADER.encode(), file_name="x.csv")


def test_cli(world, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(HEADER + "IMP-1,2026-06-01,9,8,よかった\nNOPE,2026-06-01,9,8,\n", encoding="utf-8")
    out = io.StringIO()
    call_command("survey_import", str(path), "--survey", "claim", stdout=out)
    text = out.getvalue()
    assert "取込 1件・エラー 1件" in text
    assert "エラー 3行目: 証券番号「NOPE」の契約が見つかりません。" in text
    assert Response.objects.count() == 1


def test_cli_missing_file_and_unknown_survey(world, tmp_path):
    with pytest.raises(CommandError, match="が見つかりません"):
        call_command("survey_import", str(tmp_path / "none.csv"), "--survey", "claim")
    path = tmp_path / "r.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(CommandError, match="アンケート「nope」は登録されていません"):
        call_command("survey_import", str(path), "--survey", "nope")
