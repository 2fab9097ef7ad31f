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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are created and logged in per test: PBKDF2 would be most of these tests' time."""
    from tests.core.helpers import FAST_HASHERS

    settings.PASSWORD_HASHERS = FAST_HASHERS


# --- a matcher trained once per test session ---------------------------------------------------


def sample_rows(n: int = 80, seed: int = 3) -> tuple[list[dict], list[dict], list[list[str]], list[list[str]]]:
    """The test population: n people in the agency system, about half again in the policy system
    (as variants). Returns (people, duplicated people, agency rows, policy rows)."""
    import random

    from . import generator

    rng = random.Random(seed)
    base = generator.people(n, seed=seed)
    agency = [generator.row(f"A{i}", p) for i, p in enumerate(base)]
    dupes = [p for p in base if rng.random() < 0.5]
    policy = [generator.row(f"P{p['person']}", generator.variant(p, rng)) for p in dupes]
    return base, dupes, agency, policy


def matcher_records(rows: list[list[str]], source: str) -> list[dict]:
    """Rows as the import turns them into matcher records (validated, features derived)."""
    import datetime as dt

    from tsunagu.identity import engine
    from tsunagu.identity.records import validate_row

    records = []
    for cells in rows:
        values = {COLUMNS[h]: cells[i] for i, h in enumerate(HEADER)}
        checked = validate_row(values, today=dt.date(2026, 6, 1))
        assert not checked.errors, checked.errors
        records.append(engine.record_for(f"{source}{checked.source_id}", source, checked.features))
    return records


def _degraded(p: dict, step: int, rng) -> dict:
    """The same person, less and less alike: each step changes one more field."""
    q = dict(p)
    changes = [
        ("email", ""),
        ("mobile", f"080-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"),
        ("address", p["address"].rsplit("-", 1)[0] + "-99"),
        ("phone", f"06-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"),
        ("postal", "999-" + p["postal"][-4:]),
        ("birth", p["birth"][:-2] + ("01" if p["birth"][-2:] != "01" else "02")),
    ]
    for name, value in changes[:step]:
        q[name] = value
    return q


@pytest.fixture(scope="session")
def trained_model():
    """Train the real matcher once on the generated population (no database, no labels) and keep
    its JSON and thresholds; tests store it as the active MatchModel. Also picks a pair that the
    model puts in the review band, so that the review tests never depend on luck."""
    import random

    pytest.importorskip("splink")
    from tsunagu.identity import engine

    from . import generator

    _, _, agency, policy = sample_rows()
    frame = engine.frame(matcher_records(agency, "A") + matcher_records(policy, "P"))
    matcher = engine.matching().Matcher.train(frame)
    auto_link, review = matcher.thresholds.auto_link, matcher.thresholds.review

    rng = random.Random(11)
    people = generator.people(12, seed=101)
    rows, pairs = [], []
    for i, p in enumerate(people):
        rows.append(generator.row(f"R{i}", p))
        for step in range(1, 7):
            rows.append(generator.row(f"R{i}-{step}", _degraded(p, step, rng)))
            pairs.append((f"R{i}", f"R{i}-{step}", i, step))
    records = matcher_records(rows, "X")
    by_record = {r["record_id"]: r for r in records}

    def incremental_probability(left: str, right: str) -> float | None:
        # Scored as the import scores it: the second record against the first, one at a time
        # (batch `predict` uses the batch's own term frequencies and may differ slightly).
        found = matcher.match_one(by_record[f"X{right}"], engine.frame([by_record[f"X{left}"]]))
        return float(found[0].match_probability) if found else None

    by_id = {r[0]: r for r in rows}
    keys = dict(zip([r["record_id"] for r in records], engine.blocking_keys_many(records), strict=True))
    # The model's own band; when the model leaves none (review == auto_link), a pair the model
    # scores between 0.5 and auto-link stands in, and the stored review threshold is set below it.
    low = review if review < auto_link else 0.5
    review_pair = None
    for left, right, _i, _step in pairs:
        if not set(keys[f"X{left}"]) & set(keys[f"X{right}"]):
            continue
        p = incremental_probability(left, right)
        if p is not None and low <= p < auto_link:
            review_pair = (by_id[left], by_id[right], p)
            break
    assert review_pair is not None, f"no generated pair scores in [{low}, {auto_link})"
    return {
        "json": matcher.to_json(),
        "auto_link": auto_link,
        "review": review,
        "review_pair": review_pair,
        "review_for_pair": min(review, low),
    }


@pytest.fixture
def active_model(trained_model, steward):
    from tsunagu.identity.models import MatchModel

    return MatchModel.objects.create(
        version=1,
        model_json=trained_model["json"],
        auto_link=trained_model["auto_link"],
        review=trained_model["review_for_pair"],  # the model's review threshold unless it leaves no band
        trained_by=steward,
        is_active=True,
    )
