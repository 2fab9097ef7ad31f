"""Identity fixtures: a data steward (HQ), registered sources, CSV helpers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import _user
from tsunagu.core.choices import DepartmentKind, Role
from tsunagu.core.models import Department
from tsunagu.identity.services.sources import source_system_register

HEADER = [
    "顧客番号",
    "氏名",
    "フリガナ",
    "生年月日",
    "性別",
    "郵便番号",
    "住所",
    "電話番号",
    "携帯電話",
    "メール",
]
COLUMNS = {
    "顧客番号": "record_id",
    "氏名": "name_kanji",
    "フリガナ": "name_kana",
    "生年月日": "birth_date",
    "性別": "gender",
    "郵便番号": "postal_code",
    "住所": "address",
    "電話番号": "phone",
    "携帯電話": "mobile",
    "メール": "email",
}


@pytest.fixture
def steward(org):
    crm = Department.objects.create(code="CRM", name="CRM推進部", kind=DepartmentKind.CRM)
    return _user("steward", [Role.DATA_STEWARD], department=crm)


@pytest.fixture
def sources(steward):
    from tsunagu.identity.services.sources import mapping_profile_save

    agency = source_system_register(actor=steward, code="AGENCY", name="代理店システム", priority=20)
    policy = source_system_register(
        actor=steward, code="POLICY", name="契約システム", priority=10, verified_fields=["birth_date"]
    )
    for source in (agency, policy):
        mapping_profile_save(actor=steward, source=source, columns=COLUMNS)
    return {"AGENCY": agency, "POLICY": policy}


def csv_bytes(rows: list[list[str]], *, header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def person(
    rid: str,
    name: str = "山田 太郎",
    kana: str = "ヤマダ タロウ",
    birth: str = "1970-03-01",
    gender: str = "男",
    postal: str = "100-0001",
    address: str = "東京都千代田区千代田1-1",
    phone: str = "03-1234-5678",
    mobile: str = "090-1234-5678",
    email: str = "taro@example.jp",
) -> list[str]:
    return [rid, name, kana, birth, gender, postal, address, phone, mobile, email]


from tests.cases.conftest import departments  # noqa: E402,F401  (case routing needs the departments)
