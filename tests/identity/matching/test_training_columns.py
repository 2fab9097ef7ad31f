"""Training adapts to the columns present and populated (defect 2 of issue 11): a file with a
landline column and no mobile column, where a few landline cells hold a mobile number, used to
fail with Splink's "Training rule `l.mobile_n = r.mobile_n` resulted in no record pairs"."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from tests.identity.matching.generator import generate
from tsunagu.identity.matching import Matcher

pytest.importorskip("splink")


def _phone_only(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = random.Random(seed)
    frame = generate(n, seed=seed).drop(columns=["cluster_id", "household_id", "variations"])
    frame["mobile"] = None
    # A handful of people gave their mobile as the 電話番号, each a different number: mobile_n
    # is present in the data, but no two records share one.
    phone = [None] * len(frame)
    for i in range(len(frame)):
        phone[i] = f"090-{rng.randint(1000, 9999)}-{i:04d}" if i % 25 == 0 else f"03-{1000 + i:04d}-{i:04d}"
    frame["phone"] = phone
    return frame


def test_training_skips_sessions_without_pairs_and_says_so():
    frame = _phone_only()
    matcher = Matcher.train(frame, u_pairs=2e4)
    skipped = matcher.training["skipped_sessions"]
    assert any("mobile_n" in s for s in skipped), skipped
    assert 0.5 <= matcher.thresholds.auto_link <= 0.999
    # The trained model still scores: the same record twice is a match.
    assert len(matcher.predict(frame)) >= 0


def test_training_without_any_pairs_still_gives_a_model():
    """Every record a different person and no shared value: no EM session has pairs."""
    rows = [
        {
            "record_id": str(i),
            "source_system": "A",
            "name_kanji": f"氏{chr(0x4E00 + i)} 名{chr(0x4E00 + 500 + i)}",
            "name_kana": None,
            "birth_date": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
            "postal_code": None,
            "address": None,
            "phone": None,
            "mobile": None,
            "email": None,
        }
        for i in range(40)
    ]
    matcher = Matcher.train(pd.DataFrame(rows), u_pairs=1e4)
    assert matcher.training["skipped_sessions"]
    assert 0 < matcher.settings["probability_two_random_records_match"] < 1
