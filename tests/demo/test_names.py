"""The name data: a long tail of surnames with readings, Zipf-like weights, rare kanji variants."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tsunagu.core import normalize
from tsunagu.demo import names
from tsunagu.demo.romaji import to_romaji


def test_surname_pool_has_thousands_with_real_ones_on_top():
    pool = names.surname_pool()
    assert len(pool) > 3_000
    assert pool.names[:4] == ("佐藤", "鈴木", "高橋", "田中")
    share_of_top = pool.cumulative[0] / pool.total
    assert 0.01 < share_of_top < 0.025  # 佐藤 is about 1.5% of the population
    assert len(set(pool.names)) == len(pool.names)


@pytest.mark.parametrize(("gender", "era"), [(g, e) for g in ("male", "female") for e in names.ERAS])
def test_given_name_pools_are_real_names_first(gender, era):
    pool = names.given_name_pool(gender, era)
    assert len(pool) > 500
    assert pool.names[0] == names.GIVEN_NAMES[(gender, era)][0][0]
    assert len(set(pool.names)) == len(pool.names)


def test_every_reading_is_full_width_katakana():
    pools = [names.surname_pool()] + [names.given_name_pool(g, e) for g in ("male", "female") for e in names.ERAS]
    for pool in pools:
        for reading in pool.readings:
            assert normalize.is_kana_reading(reading), reading
            assert normalize.to_katakana_reading(reading) == reading, reading


def test_a_sample_has_many_distinct_surnames_and_a_zipf_head():
    rng = random.Random(3)
    pool = names.surname_pool()
    drawn = Counter(pool.pick(rng)[0] for _ in range(20_000))
    assert len(drawn) > 2_000
    (top, top_count), *_ = drawn.most_common(1)
    assert top in {"佐藤", "鈴木", "高橋"}
    assert 150 < top_count < 500


def test_kanji_variants_are_rare_and_fold_back():
    rng = random.Random(5)
    variants = [names.with_kanji_variant("高橋", rng) for _ in range(20_000)]
    rate = sum(v != "高橋" for v in variants) / len(variants)
    assert 0.008 < rate < 0.025
    assert {normalize.name_key(v) for v in variants} == {"高橋"}
    assert names.with_kanji_variant("佐藤", rng) == "佐藤"  # nothing to vary


def test_composed_surnames_use_rendaku_sometimes():
    composed = dict(names.composed_surnames())
    voiced = [reading for name, reading in composed.items() if name.endswith("川")]
    assert any(r.endswith("ガワ") for r in voiced)
    assert any(r.endswith("カワ") for r in voiced)


def test_romaji():
    assert to_romaji("サトウ") == "satou"
    assert to_romaji("ハットリ") == "hattori"
    assert to_romaji("シュンスケ") == "shunsuke"
    assert to_romaji("マッチャ") == "matcha"
