"""Fixtures: generated Japanese records and one matcher trained on them (once per session)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.identity.matching.generator import generate
from tsunagu.identity.matching import Matcher, prepare


def person(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "record_id": "X1",
        "source_system": "agency",
        "name_kanji": "山田 太郎",
        "name_kana": "ヤマダ タロウ",
        "birth_date": "1970-03-01",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1-1-1",
        "phone": "03-1234-5678",
        "mobile": "090-1111-2222",
        "email": "taro@example.jp",
    }
    base.update(fields)
    return base


@pytest.fixture(scope="session")
def records() -> pd.DataFrame:
    return generate(2500, seed=7)


@pytest.fixture(scope="session")
def matcher(records: pd.DataFrame) -> Matcher:
    return Matcher.train(records.drop(columns=["cluster_id", "household_id", "variations"]), u_pairs=1e5)


@pytest.fixture(scope="session")
def predictions(matcher: Matcher, records: pd.DataFrame) -> pd.DataFrame:
    return matcher.predict(prepare(records), min_probability=0.0)
