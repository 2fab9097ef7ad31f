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


def _u_of(settings: dict) -> dict[str, list]:
    return {
        c["output_column_name"]: [lv.get("u_probability") for lv in c["comparison_levels"]]
        for c in settings["comparisons"]
    }


def test_u_estimated_in_parallel_linkers_equals_one_linker():
    """The comparisons' u on two connections at once are those one linker estimates for all of
    them (the same sample by the seed), each level its own: the comparisons share one `else`
    level dict, which must not carry the last comparison's u to the others."""
    from splink import Linker

    from tsunagu.identity.matching import engines, features, model

    frame = generate(600, seed=11).drop(columns=["cluster_id", "household_id", "variations"])
    prepared = model._persons(features.prepare(frame))
    settings = model._settings(model._present_features(prepared))
    table = model._feature_frame(prepared)

    one = engines.DuckDBEngine()
    db_api = one.db_api()
    linker = Linker(db_api.register(table), one.settings(settings), log_level=None)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e4, seed=7)
    expected = _u_of(linker.misc.save_model_to_json())
    one.release(db_api)

    two = engines.DuckDBEngine()
    two.concurrent_linkers = 2
    estimated = model._with_u_probabilities(settings, table, two, u_pairs=2e4, seed=7)
    assert _u_of(estimated) == expected
    elses = [levels[-1] for levels in _u_of(estimated).values()]
    assert len(set(elses)) > 1  # every comparison's own `else`
    assert _u_of(settings) == {name: [None] * len(levels) for name, levels in _u_of(settings).items()}  # not changed


def test_a_large_book_is_trained_on_a_sample(monkeypatch):
    """Beyond TRAIN_RECORDS the model is trained on a uniform sample (prior, u, m, thresholds): the
    training says what share it saw, and the model still links the book's duplicates."""
    from tsunagu.identity.matching import model

    monkeypatch.setattr(model, "TRAIN_RECORDS", 500)
    frame = generate(1000, seed=3)
    matcher = Matcher.train(frame.drop(columns=["cluster_id", "household_id", "variations"]), u_pairs=2e4)
    assert matcher.training["records"] == len(frame)
    assert matcher.training["em_record_proportion"] == pytest.approx(500 / len(frame))
    pairs = matcher.predict(frame.drop(columns=["cluster_id", "household_id", "variations"]), with_evidence=False)
    linked = pairs[pairs["match_probability"] >= matcher.thresholds.auto_link]
    cluster = frame.set_index("record_id")["cluster_id"]
    same = cluster.reindex(linked["record_id_l"]).to_numpy() == cluster.reindex(linked["record_id_r"]).to_numpy()
    assert len(linked) > 100
    assert same.mean() > 0.98
