"""Source-system conventions declared in the mapping profile (issue 16): kana-only names,
era-coded birth dates, old postal codes, phones without the leading 0, no e-mail. With the
declaration the import accepts such rows; without it they stay row errors (Japanese, with a hint
at the convention, the row kept in the error report). The matcher reads a field the source lacks
as missing: no evidence either way. Also 法人番号 (corporate_number) through the import."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import PASSWORD
from tsunagu.core import normalize
from tsunagu.core.models import AuditEvent
from tsunagu.identity import engine
from tsunagu.identity.models import BlockingKey, CandidatePair, ImportBatch, MappingProfile, SourceRecord, StagedRow
from tsunagu.identity.records import (
    CONVENTIONS,
    ERA_CODE_DATES,
    KANA_ONLY,
    NO_EMAIL,
    OLD_POSTAL_CODES,
    PHONE_WITHOUT_ZERO,
    validate_row,
)
from tsunagu.identity.services.importing import records_import
from tsunagu.identity.services.sources import mapping_profile_save, source_system_register

from .conftest import csv_bytes, person

TODAY = dt.date(2026, 6, 1)
ALL = tuple(CONVENTIONS)


def _row(**values: str) -> dict[str, str]:
    return {"record_id": "H-1", "name_kanji": "山田 太郎", **values}


def _check(conventions=(), **values: str):
    return validate_row(_row(**values), today=TODAY, conventions=conventions)


def _messages(row) -> str:
    return " ".join(e.message for e in row.errors)


def _corporate_number(body12: str) -> str:
    return f"{normalize.corporate_number_check_digit(body12)}{body12}"


# --- validation, one convention at a time (pure) ---------------------------------------------


@pytest.mark.parametrize("kana", ["ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ", "やまだ たろう"])
def test_kana_only_names_accepted_with_the_declaration(kana):
    row = validate_row({"record_id": "H-1", "name_kana": kana}, today=TODAY, conventions=[KANA_ONLY])
    assert not row.errors
    assert row.canonical["name_kana"] == "ヤマダ タロウ"
    assert (row.canonical["family_kana"], row.canonical["given_kana"]) == ("ヤマダ", "タロウ")
    assert "name_kanji" not in row.canonical  # absent, not invented
    assert "name_key" not in row.features


def test_kana_only_names_refused_without_the_declaration():
    row = validate_row({"record_id": "H-1", "name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ"}, today=TODAY)
    assert "氏名が空です" in _messages(row)
    assert "「氏名はカナのみ(漢字氏名なし)」" in _messages(row)  # the hint names the convention


def test_kana_only_still_needs_a_name_of_some_kind():
    row = validate_row({"record_id": "H-1"}, today=TODAY, conventions=[KANA_ONLY])
    assert "氏名もフリガナも空です" in _messages(row)
    row = validate_row({"record_id": "H-1", "name_kana": "ﾔﾏﾀﾞ1"}, today=TODAY, conventions=[KANA_ONLY])
    assert "フリガナはカタカナまたはひらがなで入力してください" in _messages(row)
    # A source declared kana-only may still carry a kanji name on some rows.
    assert _check([KANA_ONLY], name_kana="ヤマダ タロウ").canonical["name_kanji"] == "山田 太郎"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S550102", "1980-01-02"),
        ("3550102", "1980-01-02"),  # the era's number: 3 昭和
        ("H010108", "1989-01-08"),
        ("4010108", "1989-01-08"),
        ("R020229", "2020-02-29"),
        ("ｓ５５０１０２", "1980-01-02"),  # full width, lower case
        ("1980-01-02", "1980-01-02"),  # ordinary dates still read
        ("S55.1.2", "1980-01-02"),
    ],
)
def test_era_code_dates_accepted_with_the_declaration(text, expected):
    row = _check([ERA_CODE_DATES], birth_date=text)
    assert not row.errors, row.errors
    assert row.canonical["birth_date"] == expected


@pytest.mark.parametrize("text", ["S550102", "3550102"])
def test_era_code_dates_refused_without_the_declaration(text):
    row = _check(birth_date=text)
    assert "日付として読み取れません" in _messages(row)
    assert "「生年月日は元号コード(S550102・3550102)」" in _messages(row)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("S640108", "元号コードとして存在しない日付です"),  # 昭和 ended on 1989-01-07
        ("H310230", "元号コードとして存在しない日付です"),
        ("R991231", "未来の日付"),
        ("M300101", "古すぎます"),
        ("X550102", "日付として読み取れません"),
    ],
)
def test_impossible_era_codes_are_row_errors(text, message):
    assert message in _messages(_check([ERA_CODE_DATES], birth_date=text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("123", "123"), ("123-45", "12345"), ("〒123-45", "12345"), ("１２３", "123"), ("100-0001", "1000001")],
)
def test_old_postal_codes_accepted_with_the_declaration(text, expected):
    row = _check([OLD_POSTAL_CODES], postal_code=text)
    assert not row.errors, row.errors
    assert row.canonical["postal_code"] == expected  # an old code keeps its 3 or 5 digits


@pytest.mark.parametrize("text", ["123", "123-45"])
def test_old_postal_codes_refused_without_the_declaration(text):
    message = _messages(_check(postal_code=text))
    assert "7桁の数字で入力してください" in message
    assert "「旧郵便番号(3桁・5桁)」" in message


@pytest.mark.parametrize("text", ["1234", "12", "123456"])
def test_other_postal_codes_stay_errors_with_the_declaration(text):
    assert "旧郵便番号の3桁・5桁" in _messages(_check([OLD_POSTAL_CODES], postal_code=text))


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("mobile", "90-1234-5678", "09012345678"),
        ("phone", "3-1234-5678", "0312345678"),
        ("phone", "312345678", "0312345678"),
        ("phone", "03-1234-5678", "0312345678"),  # with its 0: unchanged
        ("mobile", "+81 90-1234-5678", "09012345678"),
    ],
)
def test_phones_without_the_leading_zero_accepted_with_the_declaration(field, text, expected):
    row = _check([PHONE_WITHOUT_ZERO], **{field: text})
    assert not row.errors, row.errors
    assert row.canonical[field] == expected


def test_phones_without_the_leading_zero_refused_without_the_declaration():
    message = _messages(_check(mobile="90-1234-5678"))
    assert "0から始まる10桁または11桁で入力してください" in message
    assert "「電話番号の先頭の0なし」" in message
    # Not a number with a lost 0 (too short, or 0 then 00): no hint, an error with the declaration too.
    assert "先頭の0なし" not in _messages(_check(phone="1234-5678"))
    assert "0から始まる" in _messages(_check([PHONE_WITHOUT_ZERO], phone="1234-5678"))
    assert "0から始まる" in _messages(_check([PHONE_WITHOUT_ZERO], phone="00-1234-5678"))


def test_no_email_source_reads_no_email():
    row = _check([NO_EMAIL], email="not an address")
    assert not row.errors
    assert "email" not in row.values
    assert "email" not in row.canonical
    assert "形式が正しくありません" in _messages(_check(email="not an address"))


def test_all_conventions_together_as_a_mainframe_writes_them():
    row = validate_row(
        {
            "record_id": "H-1",
            "name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
            "birth_date": "3550102",
            "postal_code": "100",
            "address": "東京都千代田区千代田1-1",
            "phone": "3-1234-5678",
            "mobile": "90-1234-5678",
        },
        today=TODAY,
        conventions=ALL,
    )
    assert not row.errors, row.errors
    record = engine.record_for(1, "HOST", row.features)
    assert record["name_kanji"] is None
    assert record["email"] is None
    assert (record["birth_date"], record["postal_code"], record["phone"], record["mobile"]) == (
        "1980-01-02",
        "100",
        "0312345678",
        "09012345678",
    )


# --- a company's 全銀-style reading ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "カブシキガイシャヤマダシヨウジ"),  # 前株
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ヤマダシヨウジカブシキガイシャ"),  # 後株
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)", "ヤマダシヨウジカブシキガイシャ"),
        ("(ﾕ)ﾔﾏｸﾞﾁｻﾝｷﾞﾖｳ", "ユウゲンガイシャヤマグチサンギヨウ"),
        ("ﾄﾞ)ﾏﾙｴｲｺｳｷﾞﾖｳ", "ゴウドウガイシャマルエイコウギヨウ"),
        ("ｼﾔ)ﾐﾗｲｷﾖｳｶｲ", "イッパンシャダンホウジンミライキヨウカイ"),
    ],
)
def test_a_zengin_reading_is_spelled_out_to_the_same_key(reading, expected):
    row = validate_row({"record_id": "H-1", "name_kana": reading}, today=TODAY, conventions=[KANA_ONLY])
    assert not row.errors, row.errors
    assert row.canonical["name_kana"] == expected
    assert row.values["name_kana"] == reading  # the original kept
    # The matcher reads the spelled-out reading as it reads the 全銀 one: same trade name, same form.
    assert normalize.split_legal_form_kana(expected) == normalize.split_legal_form_kana(reading)


@pytest.mark.parametrize("reading", ["ｶ)", "ｶ)山田", "ﾔﾏﾀﾞ(ｼﾖｳｼﾞ)"])
def test_other_readings_with_parentheses_stay_errors(reading):
    row = validate_row({"record_id": "H-1", "name_kana": reading}, today=TODAY, conventions=[KANA_ONLY])
    assert f"フリガナはカタカナまたはひらがなで入力してください(「{reading}」)" in _messages(row)


# --- 法人番号 ---------------------------------------------------------------------------------


def test_corporate_number_validated_with_its_check_digit():
    number = _corporate_number("123456789012")
    row = _check(name_kanji="株式会社山田商事", corporate_number=number)
    assert not row.errors
    assert row.canonical["corporate_number"] == number
    assert row.warnings == []
    wide = _check(
        name_kanji="株式会社山田商事",
        corporate_number=number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    assert wide.canonical["corporate_number"] == number  # full width → ASCII digits
    bad = str((int(number[0]) % 9) + 1) + number[1:]
    assert "チェックデジット" in _messages(_check(name_kanji="株式会社山田商事", corporate_number=bad))
    assert "13桁" in _messages(_check(name_kanji="株式会社山田商事", corporate_number="12345"))


def test_corporate_number_on_a_person_is_kept_with_a_warning():
    row = _check(corporate_number=_corporate_number("123456789012"))
    assert not row.errors
    assert "照合には使いません" in row.warnings[0]


# --- the matcher: declared absence is no evidence ------------------------------------------------


def _levels(left: dict, right: dict) -> dict[str, str]:
    """The comparison level of each comparison for one pair (the matcher's own SQL, on DuckDB)."""
    import duckdb

    from tsunagu.identity.matching import FEATURE_COLUMNS, comparisons, prepare

    prepared = prepare(engine.frame([left, right]), learn=True)
    row = prepared.to_dict("records")
    values = {}
    for column in FEATURE_COLUMNS:
        for side, index in (("l", 0), ("r", 1)):
            value = row[index][column]
            values[f"{column}_{side}"] = None if value is None or value != value else str(value)
    con = duckdb.connect()
    select = ", ".join(f"CAST(? AS VARCHAR) AS {name}" for name in values)
    con.execute(f"CREATE TABLE p AS SELECT {select}", list(values.values()))
    present = [c for c in FEATURE_COLUMNS if any(r[c] is not None and r[c] == r[c] for r in row)]
    out = {}
    for comparison in comparisons.comparisons_for(present):
        for level in comparison["comparison_levels"]:
            sql = level["sql_condition"]
            if sql == "ELSE" or con.execute(f"SELECT count(*) FROM p WHERE {sql}").fetchall()[0][0]:
                out[comparison["output_column_name"]] = level["label_for_charts"]
                break
    return out


def _record(rid: str, conventions=(), **values: str) -> dict:
    row = validate_row({"record_id": rid, **values}, today=TODAY, conventions=conventions)
    assert not row.errors, row.errors
    return engine.record_for(int(rid), "HOST" if conventions else "AGENCY", row.features)


FULL = {
    "name_kanji": "山田 太郎",
    "name_kana": "ヤマダ タロウ",
    "birth_date": "1980-01-02",
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1-1",
    "phone": "03-1234-5678",
    "mobile": "090-1234-5678",
    "email": "taro@example.jp",
}
HOST = {
    "name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ",
    "birth_date": "S550102",
    "postal_code": "100",
    "address": "東京都千代田区千代田1-1",
    "phone": "3-1234-5678",
    "mobile": "90-1234-5678",
}


def test_a_mainframe_record_meets_the_full_record_on_what_it_has():
    levels = _levels(_record("1", **FULL), _record("2", ALL, **HOST))
    assert levels["family_name"] == levels["given_name"] == "reading"  # kanji absent: the reading decides
    assert levels["birth_date"] == "exact"  # the era code, as a date
    assert levels["location"] == "address_and_landline"  # the landline with its 0 restored
    assert levels["email"] == "null"  # no e-mail: no evidence, not a disagreement
    assert levels["mobile"] == "exact"
    assert "else" not in levels.values()


def test_kana_only_against_kanji_only_is_no_evidence_on_the_name():
    kanji_only = {k: v for k, v in FULL.items() if k != "name_kana"}
    levels = _levels(_record("1", **kanji_only), _record("2", ALL, **HOST))
    assert levels["family_name"] == levels["given_name"] == "null"


def test_an_old_postal_code_alone_is_no_evidence_against():
    full = {k: v for k, v in FULL.items() if k not in ("address", "phone")}
    host = {k: v for k, v in HOST.items() if k not in ("address", "phone")}
    levels = _levels(_record("1", **full), _record("2", ALL, **host))
    assert levels["location"] == "null"  # one side has only an old postal code (its area blocks, no score)


# --- profiles: the service, the screen, history ------------------------------------------------

HOST_HEADER = ["ID", "カナ氏名", "生年月日", "郵便番号", "住所", "電話", "携帯"]
HOST_COLUMNS = {
    "ID": "record_id",
    "カナ氏名": "name_kana",
    "生年月日": "birth_date",
    "郵便番号": "postal_code",
    "住所": "address",
    "電話": "phone",
    "携帯": "mobile",
}
HOST_ROWS = [
    ["H-1", "ﾔﾏﾀﾞ ﾀﾛｳ", "S550102", "100", "東京都千代田区千代田1-1", "3-1234-5678", "90-1234-5678"],
    ["H-2", "ｽｽﾞｷ ﾊﾅｺ", "4010108", "100-01", "東京都千代田区千代田2-2", "3-9876-5432", ""],
    ["H-3", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "", "100", "東京都千代田区千代田3-3", "3-5555-6666", ""],
]


@pytest.fixture
def host(steward):
    return source_system_register(actor=steward, code="HOST", name="汎用機", priority=50)


@pytest.mark.django_db
def test_profile_keeps_the_declared_conventions_with_history(steward, host):
    profile = mapping_profile_save(actor=steward, source=host, columns=HOST_COLUMNS, conventions=[NO_EMAIL, KANA_ONLY])
    assert profile.conventions == [KANA_ONLY, NO_EMAIL]  # in the order of CONVENTIONS
    assert profile.convention_labels == ["氏名はカナのみ(漢字氏名なし)", "メールアドレスなし"]
    again = mapping_profile_save(actor=steward, source=host, columns=HOST_COLUMNS, encoding="cp932")
    assert again.conventions == [KANA_ONLY, NO_EMAIL]  # None keeps them
    mapping_profile_save(actor=steward, source=host, columns=HOST_COLUMNS, conventions=list(ALL))
    profile.refresh_from_db()
    assert profile.conventions == list(ALL)
    assert [h.conventions for h in profile.history.order_by("history_id")] == [
        [KANA_ONLY, NO_EMAIL],
        [KANA_ONLY, NO_EMAIL],
        list(ALL),
    ]
    event = AuditEvent.objects.filter(action="identity.profile_save").latest("id")
    assert event.data["conventions"] == list(ALL)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("columns", "conventions", "message"),
    [
        (HOST_COLUMNS, ["nope"], "不明なデータの慣習です: nope"),
        (HOST_COLUMNS, [], "氏名(または姓)の列を指定してください。"),  # kana only needs the declaration
        ({"ID": "record_id"}, [KANA_ONLY], "フリガナ(または姓フリガナ)の列を指定してください。"),
        ({**HOST_COLUMNS, "メール": "email"}, [KANA_ONLY, NO_EMAIL], "メールアドレスの列を対応付けられません"),
    ],
)
def test_profiles_refused_in_japanese(steward, host, columns, conventions, message):
    with pytest.raises(ValidationError) as caught:
        mapping_profile_save(actor=steward, source=host, columns=columns, conventions=conventions)
    assert message in str(caught.value)
    assert not MappingProfile.objects.filter(source=host).exists()


def _form(**extra) -> dict[str, str]:
    data = {"name": "汎用機", "encoding": "", "is_default": "on", **extra}
    for index, (column, target) in enumerate(HOST_COLUMNS.items()):
        data[f"column_{index}"], data[f"target_{index}"] = column, target
    return data


@pytest.mark.django_db
def test_steward_declares_conventions_on_the_profile_screen(client, steward, host):
    client.login(username="steward", password=PASSWORD)
    page = client.get("/identity/sources/HOST/profiles/new/").content.decode()
    assert "このソースのデータの慣習" in page
    for convention in CONVENTIONS.values():
        assert convention.label in page
        assert convention.help in page
    refused = client.post("/identity/sources/HOST/profiles/new/", _form())
    assert refused.status_code == 200
    assert "氏名(または姓)の列を指定してください。" in refused.content.decode()
    response = client.post(
        "/identity/sources/HOST/profiles/new/",
        _form(**{f"convention_{code}": "on" for code in ALL}),
    )
    assert response.status_code == 302
    profile = MappingProfile.objects.get(source=host)
    assert profile.conventions == list(ALL)
    edit = client.get(f"/identity/profiles/{profile.pk}/").content.decode()
    assert all(re.search(rf'<input[^>]*name="convention_{code}"[^>]*checked', edit) for code in ALL)
    source_page = client.get("/identity/sources/HOST/").content.decode()
    assert "旧郵便番号(3桁・5桁)" in source_page  # the declared conventions in the profile list
    # Unchecking one keeps the others.
    client.post(
        f"/identity/profiles/{profile.pk}/",
        _form(**{f"convention_{code}": "on" for code in ALL if code != PHONE_WITHOUT_ZERO}),
    )
    profile.refresh_from_db()
    assert PHONE_WITHOUT_ZERO not in profile.conventions
    assert profile.history.count() == 2


# --- the import ---------------------------------------------------------------------------------


def _import(steward, rows, *, source="HOST", header=HOST_HEADER, **kw):
    return records_import(
        actor=steward, source_code=source, data=csv_bytes(rows, header=header), file_name="host.csv", match=False, **kw
    )


@pytest.mark.django_db
def test_the_import_accepts_a_declared_mainframe_file(steward, host):
    mapping_profile_save(actor=steward, source=host, columns=HOST_COLUMNS, conventions=list(ALL))
    result = _import(steward, HOST_ROWS)
    assert (result.batch.created_count, result.batch.invalid_count) == (3, 0)
    one = SourceRecord.objects.get(external_id="H-1")
    assert one.values["birth_date"] == "S550102"  # the original kept
    f = one.features
    assert (f["birth_date"], f["postal_code"], f["phone"], f["mobile"]) == (
        "1980-01-02",
        "100",
        "0312345678",
        "09012345678",
    )
    assert f["name_kana"] == "ヤマダ タロウ"
    assert "name_kanji" not in f
    two = SourceRecord.objects.get(external_id="H-2")
    assert (two.features["birth_date"], two.features["postal_code"]) == ("1989-01-08", "10001")
    assert BlockingKey.objects.filter(record=one).exists()  # indexed for match_one like any record
    company = SourceRecord.objects.get(external_id="H-3")
    assert company.features["name_kana"] == "カブシキガイシャヤマダシヨウジ"
    assert BlockingKey.objects.filter(record=company, key="corporate_corp_reading:ヤマダシヨウジ").exists()


@pytest.mark.django_db
def test_without_the_declaration_every_such_row_is_an_error_and_kept(steward, host):
    mapping_profile_save(actor=steward, source=host, columns={**HOST_COLUMNS, "漢字氏名": "name_kanji"}, conventions=[])
    header = [*HOST_HEADER, "漢字氏名"]
    rows = [
        ["H-1", "ﾔﾏﾀﾞ ﾀﾛｳ", "S550102", "100-0001", "", "03-1234-5678", "", "山田 太郎"],
        ["H-2", "ﾔﾏﾀﾞ ﾀﾛｳ", "1980-01-02", "100", "", "03-1234-5678", "", "山田 太郎"],
        ["H-3", "ﾔﾏﾀﾞ ﾀﾛｳ", "1980-01-02", "100-0001", "", "3-1234-5678", "", "山田 太郎"],
        ["H-4", "ﾔﾏﾀﾞ ﾀﾛｳ", "1980-01-02", "100-0001", "", "03-1234-5678", "", ""],
        ["H-5", "ﾔﾏﾀﾞ ﾀﾛｳ", "1980-01-02", "100-0001", "", "03-1234-5678", "", "山田 太郎"],
    ]
    result = _import(steward, rows, header=header)
    assert (result.batch.created_count, result.batch.invalid_count) == (1, 4)
    staged = {s.source_id: s for s in StagedRow.objects.filter(batch=result.batch)}
    assert set(staged) == {"H-1", "H-2", "H-3", "H-4"}
    assert staged["H-1"].errors[0]["column"] == "生年月日"
    assert "元号コード" in staged["H-1"].errors[0]["message"]
    assert staged["H-2"].errors[0]["column"] == "郵便番号"
    assert "旧郵便番号" in staged["H-2"].errors[0]["message"]
    assert staged["H-3"].errors[0]["column"] == "電話"
    assert "先頭の0なし" in staged["H-3"].errors[0]["message"]
    assert staged["H-4"].errors[0]["column"] == "漢字氏名"
    assert "氏名はカナのみ" in staged["H-4"].errors[0]["message"]
    assert staged["H-1"].raw["生年月日"] == "S550102"  # nothing lost: the row as it came
    # Declared afterwards, the same file imports the refused rows.
    mapping_profile_save(
        actor=steward, source=host, columns={**HOST_COLUMNS, "漢字氏名": "name_kanji"}, conventions=list(ALL)
    )
    again = _import(steward, rows, header=header)
    assert (again.batch.created_count, again.batch.unchanged_count, again.batch.invalid_count) == (4, 1, 0)


@pytest.mark.django_db
def test_a_kana_only_file_needs_the_declaration_to_be_read_at_all(steward, host):
    mapping_profile_save(actor=steward, source=host, columns={**HOST_COLUMNS, "漢字氏名": "name_kanji"}, conventions=[])
    with pytest.raises(ValidationError) as caught:
        _import(steward, HOST_ROWS)  # the file has no kanji-name column
    assert "必須の列がありません: 氏名(または姓)" in str(caught.value)
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_the_import_carries_the_corporate_number(steward, sources):
    good = _corporate_number("700110005901")
    bad = str((int(good[0]) % 9) + 1) + good[1:]
    header = ["ソースID", "氏名", "フリガナ", "法人番号"]  # 法人番号 maps by its label without a profile
    MappingProfile.objects.filter(source__code="AGENCY").delete()
    rows = [
        ["C-1", "株式会社山田商事", "ヤマダショウジ", good],
        ["C-2", "山田商事(株) 大阪支店", "", bad],
        ["C-3", "山田 太郎", "ヤマダ タロウ", ""],
    ]
    result = _import(steward, rows, source="AGENCY", header=header)
    assert (result.batch.created_count, result.batch.invalid_count) == (2, 1)
    record = SourceRecord.objects.get(external_id="C-1")
    assert record.features["corporate_number"] == good
    assert engine.record_for(record.pk, "AGENCY", record.features)["corporate_number"] == good
    assert BlockingKey.objects.filter(record=record, key=f"corporate_number:{good}").exists()  # match_one finds it
    error = StagedRow.objects.get(source_id="C-2").errors[0]
    assert error["column"] == "法人番号"
    assert "チェックデジット" in error["message"]
    assert "corporate_number" not in SourceRecord.objects.get(external_id="C-3").features


def test_the_django_index_has_a_companys_keys_as_match_one_has_them():
    """engine.blocking_keys_many (what BlockingKey stores) gives a corporation's keys too, the
    same as the per-record engine.blocking_keys."""
    number = _corporate_number("700110005901")
    records = [
        _record("1", name_kanji="株式会社山田商事", phone="03-1111-2222", corporate_number=number),
        _record("2", ALL, name_kana="ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", phone="3-1111-2222"),
        _record("3", **FULL),
    ]
    many = engine.blocking_keys_many(records)
    assert many == [engine.blocking_keys(r) for r in records]
    assert f"corporate_number:{number}" in many[0]
    assert "corporate_corp_reading:ヤマダシヨウジ" in set(many[0]) & set(many[1])
    assert not any(key.startswith("corporate_") for key in many[2])  # a person has none


@pytest.mark.django_db
def test_the_corporate_number_links_a_branch_record(steward, sources):
    """The matcher's corporate rules see the imported number: a branch record with the head
    office's 法人番号 is one company (corporate.py), through the Django frame."""
    number = _corporate_number("700110005901")
    header = ["ソースID", "氏名", "住所", "電話番号", "法人番号"]
    MappingProfile.objects.filter(source__code="AGENCY").delete()
    rows = [
        ["C-1", "株式会社山田商事", "東京都千代田区千代田1-1", "03-1111-2222", number],
        ["C-2", "山田商事(株) 大阪支店", "大阪府大阪市北区梅田1-1", "06-3333-4444", number],
    ]
    _import(steward, rows, source="AGENCY", header=header)
    records = SourceRecord.objects.select_related("source").order_by("pk")
    frame = engine.frame(engine.record_for(r.pk, r.source.code, r.features) for r in records)
    from tsunagu.identity.matching import corporate, prepare
    from tsunagu.identity.matching.thresholds import Thresholds

    scored = corporate.score(prepare(frame), Thresholds(auto_link=0.9, review=0.5))
    assert len(scored) == 1
    assert scored["match_probability"].iloc[0] >= 0.9


@pytest.mark.django_db
def test_a_declared_mainframe_record_finds_its_customer(steward, sources, host, active_model):
    """End to end with the session's model: the full record is imported first; the mainframe's
    record of the same person (kana only, era code, old postal code, phones without 0, no e-mail)
    is matched on import to the same customer or queued for review, never left apart unseen."""
    records_import(
        actor=steward,
        source_code="AGENCY",
        data=csv_bytes([person("A-1", birth="1980-01-02", postal="100-0001")]),
        file_name="a.csv",
    )
    mapping_profile_save(actor=steward, source=host, columns=HOST_COLUMNS, conventions=list(ALL))
    result = records_import(
        actor=steward, source_code="HOST", data=csv_bytes(HOST_ROWS[:1], header=HOST_HEADER), file_name="h.csv"
    )
    assert result.matched == 1
    left = SourceRecord.objects.get(external_id="A-1")
    right = SourceRecord.objects.get(external_id="H-1")
    pair = CandidatePair.objects.get(record_l=min(left.pk, right.pk), record_r=max(left.pk, right.pk))
    assert pair.evidence["email"]["level"] == "null"  # no e-mail: no evidence
    assert pair.status in ("auto_linked", "review")
