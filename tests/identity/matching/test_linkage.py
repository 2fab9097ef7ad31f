"""Deduplicated sources: the one-to-one posterior and the matcher that links across them."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.identity.matching.conftest import person
from tests.identity.matching.generator import generate
from tsunagu.identity.matching import Matcher, prepare
from tsunagu.identity.matching.linkage import (
    COMPETING_CANDIDATES,
    at_most_one_link,
    exclusive_components,
    one_record,
    one_to_one,
)
from tsunagu.identity.matching.thresholds import Thresholds

BOTH = ("A", "B")


def _pairs(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_probability"])
    frame["match_weight"] = 0.0
    return frame


def _sources(ids_a: int, ids_b: int) -> pd.Series:
    ids = [f"a{i}" for i in range(ids_a)] + [f"b{i}" for i in range(ids_b)]
    return pd.Series(["A"] * ids_a + ["B"] * ids_b, index=ids)


def test_a_lone_candidate_of_a_source_that_nearly_always_matches_rises():
    # Nine records of A are surely in B; a9 has one plausible candidate (pairwise 0.3).
    pairs = _pairs([(f"a{i}", f"b{i}", 0.9999) for i in range(9)] + [("a9", "b9", 0.3)])
    out = one_to_one(pairs, _sources(10, 10), BOTH)
    assert out["match_probability"].iloc[-1] > 0.7
    assert out["match_probability"].iloc[0] > 0.999


def test_two_candidates_for_one_record_compete():
    pairs = _pairs([(f"a{i}", f"b{i}", 0.9999) for i in range(8)] + [("a8", "b8", 0.95), ("a8", "b9", 0.95)])
    out = one_to_one(pairs, _sources(9, 10), BOTH)
    assert (out["match_probability"].iloc[-2:] < 0.5).all()


def test_a_weak_candidate_stays_weak_where_few_records_match():
    # One record of A in ten has a match: the share matched is small, a weak lone pair stays weak.
    pairs = _pairs([("a0", "b0", 0.9999), ("a1", "b1", 0.01)])
    out = one_to_one(pairs, _sources(10, 10), BOTH)
    assert out["match_probability"].iloc[1] < 0.05


def test_the_pair_keeps_the_lower_of_both_directions():
    # b0 is a lone candidate for a1, but a0 is a far better candidate for b0.
    pairs = _pairs([("a0", "b0", 0.999), ("a1", "b0", 0.3)] + [(f"a{i}", f"b{i}", 0.9999) for i in range(2, 9)])
    out = one_to_one(pairs, _sources(9, 9), BOTH)
    assert out["match_probability"].iloc[1] < 0.01


def test_candidates_in_a_source_that_may_hold_duplicates_do_not_compete():
    pairs = _pairs([(f"a{i}", f"b{i}", 0.9999) for i in range(8)] + [("a8", "b8", 0.95), ("a8", "b9", 0.95)])
    out = one_to_one(pairs, _sources(9, 10), ["A"])  # B may hold a person twice
    assert (out["match_probability"].iloc[-2:] == 0.95).all()


def test_one_records_candidates_in_a_deduplicated_source_compete_without_rising():
    scored = pd.DataFrame(
        {
            "record_id_l": ["n"] * 4,
            "record_id_r": ["b0", "b1", "c0", "b2"],
            "match_probability": [0.99, 0.99, 0.99, 0.3],
            "match_weight": 0.0,
        }
    )
    source_of = pd.Series({"b0": "B", "b1": "B", "b2": "B", "c0": "C"})
    out = one_record(scored, source_of, ["B"])["match_probability"].tolist()
    assert out[0] == out[1] < 0.5  # two people of B cannot both be this record
    assert out[2] == 0.99  # C may hold duplicates: pairwise
    assert out[3] < 0.3  # a weak rival falls too, it never rises
    alone = one_record(scored.iloc[[0]], source_of, ["B"])["match_probability"].iloc[0]
    assert alone == pytest.approx(0.99)


def test_a_record_is_never_linked_to_two_records_of_a_deduplicated_source():
    """Even where a rule lifted both pairs: they go to review."""
    pairs = _pairs([("a0", "b0", 0.95), ("a0", "b1", 0.95), ("a1", "b2", 0.95)])
    pairs["rule"] = [None, "personal_fields_agree", None]
    out = at_most_one_link(pairs, _sources(2, 3), ["B"], Thresholds(auto_link=0.9, review=0.3))
    assert out["match_probability"].tolist() == [0.3, 0.3, 0.95]
    assert out["rule"].tolist() == [COMPETING_CANDIDATES, COMPETING_CANDIDATES, None]
    # A source that may hold duplicates: both links stand.
    assert at_most_one_link(pairs, _sources(2, 3), ["A"], Thresholds(0.9, 0.3))["match_probability"].min() == 0.95


def test_a_cluster_never_holds_two_records_of_a_deduplicated_source():
    # x—b0 and y—b1 are strong, x—y joins them: b0 and b1 are two people of B, so x—y is skipped.
    pairs = _pairs([("x", "b0", 0.99), ("y", "b1", 0.98), ("x", "y", 0.95), ("b1", "z", 0.94)])
    source_of = pd.Series({"x": "A", "y": "A", "b0": "B", "b1": "B", "z": "C"})
    clusters = exclusive_components(pairs, source_of, ["B"], ["x", "y", "b0", "b1", "z", "w"])
    assert clusters == {"x": "b0", "b0": "b0", "y": "b1", "b1": "b1", "z": "b1", "w": "w"}


@pytest.fixture(scope="module")
def two_sources() -> pd.DataFrame:
    """Generated people in two deduplicated sources: A has each person once, B the second record
    of those who have one."""
    records = generate(1500, seed=11)
    order = records.groupby("cluster_id").cumcount()
    first = records[order == 0].assign(source_system="A")
    second = records[order == 1].assign(source_system="B")
    return pd.concat([first, second], ignore_index=True)


@pytest.fixture(scope="module")
def link_matcher(two_sources) -> Matcher:
    return Matcher.train(
        two_sources.drop(columns=["cluster_id", "household_id", "variations"]), u_pairs=5e4, deduplicated_sources=BOTH
    )


def test_two_deduplicated_sources_are_linked_across_only(two_sources, link_matcher):
    records = two_sources.drop(columns=["cluster_id", "household_id", "variations"])
    matcher = link_matcher
    assert matcher.deduplicated_sources == {"A", "B"}
    assert Matcher.from_json(matcher.to_json()).deduplicated_sources == {"A", "B"}
    pairs = matcher.predict(prepare(records), min_probability=0.0)
    source = dict(zip(records["record_id"], records["source_system"], strict=True))
    assert (pairs["record_id_l"].map(source) != pairs["record_id_r"].map(source)).all()
    cluster = dict(zip(two_sources["record_id"], two_sources["cluster_id"], strict=True))
    truth = {tuple(sorted(ids)) for ids in two_sources.groupby("cluster_id")["record_id"].agg(list) if len(ids) == 2}
    linked = pairs[pairs["match_probability"] >= matcher.thresholds.auto_link]
    found = {tuple(sorted(p)) for p in zip(linked["record_id_l"], linked["record_id_r"], strict=True)}
    correct = sum(1 for a, b in found if cluster[a] == cluster[b])
    assert correct / len(found) >= 0.99
    assert len(found & truth) / len(truth) >= 0.95
    sources = pd.Series(records["source_system"].to_numpy(), index=records["record_id"])
    clusters = pd.Series(matcher.cluster(pairs, record_ids=records["record_id"], sources=sources))
    per_cluster = pd.DataFrame({"cluster": clusters, "source": clusters.index.map(source)})
    assert per_cluster.groupby(["cluster", "source"]).size().max() == 1


def test_only_the_declared_source_is_spared_its_own_pairs(two_sources):
    records = two_sources.drop(columns=["cluster_id", "household_id", "variations"])
    doubled = records[records["source_system"] == "B"].assign(record_id=lambda f: f["record_id"] + "-2")
    records = pd.concat([records, doubled], ignore_index=True)  # B now holds each of its people twice
    matcher = Matcher.train(records, u_pairs=5e4, deduplicated_sources=["A"])
    pairs = matcher.predict(prepare(records))
    source = dict(zip(records["record_id"], records["source_system"], strict=True))
    inside = pairs[pairs["record_id_l"].map(source) == pairs["record_id_r"].map(source)]
    assert set(inside["record_id_l"].map(source)) == {"B"}
    twins = inside[inside["record_id_l"] + "-2" == inside["record_id_r"]]
    assert (twins["match_probability"] >= matcher.thresholds.auto_link).mean() > 0.95


def test_match_one_skips_candidates_of_its_own_deduplicated_source(link_matcher):
    matcher = link_matcher
    record = person(record_id="N1", source_system="A")
    same_source = person(record_id="N2", source_system="A")
    other_source = person(record_id="N3", source_system="B")
    candidates = pd.DataFrame([same_source, other_source])
    (only,) = matcher.match_one(record, candidates)
    assert only.record_id == "N3"
    assert only.match_probability >= matcher.thresholds.auto_link
    # Two records of B that both look like the new record: B holds a person once, so neither is
    # linked automatically.
    twin = person(record_id="N4", source_system="B")
    both = matcher.match_one(record, pd.DataFrame([other_source, twin]))
    assert [c.record_id for c in both] == ["N3", "N4"] or [c.record_id for c in both] == ["N4", "N3"]
    assert all(c.match_probability < matcher.thresholds.auto_link for c in both)
