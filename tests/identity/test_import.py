"""Import: encodings, validation, the error report, idempotency, and files that change nothing."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.identity.models import ImportBatch, SourceRecord, StagedRow
from tsunagu.identity.services.importing import records_import

from .conftest import csv_bytes, person

pytestmark = pytest.mark.django_db


def _import(steward, data, source="AGENCY", name="agency.csv", **kw):
    return records_import(actor=steward, source_code=source, data=data, file_name=name, match=False, **kw)


def _snapshot():
    return [
        (r.pk, r.external_id, r.values, r.content_hash, r.changed_at, r.history.count())
        for r in SourceRecord.objects.order_by("pk")
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_encodings_are_detected(steward, sources, encoding):
    data = csv_bytes([person("A-1"), person("A-2", name="髙橋 花子", kana="たかはし はなこ")], encoding=encoding)
    result = _import(steward, data)
    assert result.batch.created_count == 2
    record = SourceRecord.objects.get(external_id="A-2")
    assert record.values["name_kanji"] == "髙橋 花子"  # the original is kept
    assert record.values["name_kana"] == "たかはし はなこ"
    assert record.features["name_kana"] == "タカハシ ハナコ"  # derived, canonical
    assert record.features["name_key"] == "高橋花子"


def test_stated_encoding_that_does_not_fit_changes_nothing(steward, sources):
    data = csv_bytes([person("A-1")], encoding="cp932")
    with pytest.raises(ValidationError) as error:
        _import(steward, data, encoding="utf-8")
    assert "指定された文字コード(UTF-8)で読み取れません" in str(error.value)
    assert not SourceRecord.objects.exists()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ファイルが空です"),
        (b"\x81\xff\xfe\x00\x80" * 20, "文字コードを判定できません"),
        ('顧客番号,氏名\n"A-1,山田\n'.encode(), "CSVファイルとして読み取れません"),
        (b"PK\x03\x04broken", "XLSXファイルとして読み取れません"),
        ("氏名,フリガナ\n山田,ヤマダ\n".encode(), "必須の列がありません: ソースID"),
        ("顧客番号,顧客番号\nA,B\n".encode(), "見出し「顧客番号」が重複しています"),
    ],
)
def test_unreadable_files_change_nothing(steward, sources, data, message):
    _import(steward, csv_bytes([person("A-1")]))
    before = _snapshot()
    with pytest.raises(ValidationError) as error:
        _import(steward, data, name="broken.csv")
    assert message in str(error.value)
    assert _snapshot() == before
    assert ImportBatch.objects.count() == 1


def test_unknown_source_and_profile(steward, sources):
    with pytest.raises(ValidationError, match="ソースシステム「NOPE」は登録されていません"):
        _import(steward, csv_bytes([person("A-1")]), source="NOPE")
    with pytest.raises(ValidationError, match="列マッピング「旧形式」"):
        _import(steward, csv_bytes([person("A-1")]), profile_name="旧形式")


def test_invalid_rows_are_staged_with_reasons(steward, sources):
    rows = [
        person("A-1"),
        person("A-2", birth="S45.3.1"),  # 和暦
        person("A-3", birth="2999-01-01"),
        person("A-4", phone="12345"),
        person("A-5", postal="1234"),
        person("A-6", email="not-an-email"),
        person("A-7", name=""),
        person("", name="山田 次郎"),
        person("A-9", kana="Yamada"),
        person("A-10", birth="平成31年2月30日"),
        person("A-11", gender="不明"),
    ]
    result = _import(steward, csv_bytes(rows))
    batch = result.batch
    assert (batch.created_count, batch.invalid_count) == (2, 9)
    assert SourceRecord.objects.get(external_id="A-2").features["birth_date"] == "1970-03-01"
    errors = {row.row_number: row.errors for row in StagedRow.objects.filter(batch=batch)}
    assert errors[4] == [{"column": "生年月日", "message": "生年月日に未来の日付は指定できません。"}]
    assert errors[5][0]["column"] == "電話番号"
    assert "0から始まる10桁または11桁" in errors[5][0]["message"]
    assert errors[6][0]["column"] == "郵便番号"
    assert errors[7][0]["column"] == "メール"
    assert "氏名が空です" in errors[8][0]["message"]
    assert errors[9][0]["message"] == "ソースIDが空です。"
    assert errors[10][0]["column"] == "フリガナ"
    assert "存在しない日付" in errors[11][0]["message"]
    assert errors[12][0]["column"] == "性別"
    staged = StagedRow.objects.get(batch=batch, row_number=4)
    assert staged.raw["生年月日"] == "2999-01-01"  # original values kept in staging


def test_duplicate_source_ids_in_one_file_are_all_staged(steward, sources):
    result = _import(steward, csv_bytes([person("A-1"), person("A-2"), person("A-1", name="山田 三郎")]))
    assert result.batch.created_count == 1
    messages = [r.errors[0]["message"] for r in StagedRow.objects.filter(batch=result.batch)]
    assert messages == ["ソースID「A-1」がこのファイルの中で重複しています(最初は2行目)。"] * 2


def test_importing_the_same_file_twice_changes_nothing(steward, sources):
    data = csv_bytes([person("A-1"), person("A-2", name="佐藤 一郎", kana="サトウ イチロウ"), person("A-3", phone="x")])
    first = _import(steward, data)
    before = _snapshot()
    second = _import(steward, data)
    assert _snapshot() == before
    assert (second.batch.created_count, second.batch.updated_count, second.batch.unchanged_count) == (0, 0, 2)
    assert second.batch.invalid_count == first.batch.invalid_count == 1
    assert second.changed_ids == []


def test_changed_rows_are_updated_with_history(steward, sources):
    _import(steward, csv_bytes([person("A-1"), person("A-2")]))
    result = _import(steward, csv_bytes([person("A-1", mobile="080-1111-2222"), person("A-2")]))
    assert (result.batch.updated_count, result.batch.unchanged_count) == (1, 1)
    record = SourceRecord.objects.get(external_id="A-1")
    assert record.features["mobile"] == "08011112222"
    assert record.history.count() == 2
    assert record.history.first().history_user == steward


def test_same_id_in_two_sources_are_two_records(steward, sources):
    _import(steward, csv_bytes([person("1")]), source="AGENCY")
    _import(steward, csv_bytes([person("1")]), source="POLICY")
    assert SourceRecord.objects.filter(external_id="1").count() == 2


def _xlsx(rows: list[list[str]]) -> bytes:
    strings: list[str] = []

    def ref(text):
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    def col(i):
        return chr(65 + i)

    sheet_rows = "".join(
        f'<row r="{r + 1}">'
        + "".join(f'<c r="{col(i)}{r + 1}" t="s"><v>{ref(v)}</v></c>' for i, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rel_ns}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>',
        )
        book.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{sheet_rows}</sheetData></worksheet>")
        book.writestr(
            "xl/sharedStrings.xml",
            f"<sst {ns}>" + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>",
        )
    return buffer.getvalue()


def test_xlsx_files(steward, sources):
    from .conftest import HEADER

    result = _import(steward, _xlsx([HEADER, person("X-1"), person("X-2", birth="昭和45年3月1日")]), name="a.xlsx")
    assert result.batch.file_format == "xlsx"
    assert result.batch.created_count == 2
    assert SourceRecord.objects.get(external_id="X-2").features["birth_date"] == "1970-03-01"


def test_only_stewards_import(hq_operator, agency_a_staff, sources):
    for user in (hq_operator, agency_a_staff):
        with pytest.raises(PermissionDenied):
            _import(user, csv_bytes([person("A-1")]))
    assert not SourceRecord.objects.exists()
