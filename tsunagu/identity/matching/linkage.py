"""Linkage with deduplicated sources: each person occurs at most once in such a source.

A data steward may declare a source deduplicated (a policy system's customer master with one
record per customer). Its records are then never compared with each other, and a record has at
most one match in it. The pairwise model scores every pair as if it were alone; within a
deduplicated source a record's candidates compete instead: with pairwise
odds o_b for each candidate b and a share π of the record's source that has a match in the other
source at all, the probability that b is the match is

    P(b) = o_b / ((1 − π) + Σ_b' o_b')

(a sole plausible candidate of a record that very likely has a match rises; two namesakes that
both score high fall to review). π is the model's own expectation: the sum of the pairwise
probabilities between the two sources over the number of records, never a label. A pair between
two deduplicated sources keeps the lower of its two directions (b must be a's match and a b's);
a pair with a source that may hold duplicates keeps its pairwise probability on that side.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from tsunagu.identity.matching.rules import odds_of, weight_of
from tsunagu.identity.matching.thresholds import Thresholds

COMPETING_CANDIDATES = "competing_candidates"

# π is kept below 1: a source of which *every* record is linked would let any lone candidate,
# however weak, become certain.
MAX_SHARE_MATCHED = 0.999
# Pairs below this pairwise probability are not scored for the posterior (they cannot reach the
# review threshold even as a lone candidate: o / (1 − π) < 0.05 with π ≤ MAX_SHARE_MATCHED).
MIN_PAIRWISE = 1e-5


def one_to_one(pairs: pd.DataFrame, source_of: pd.Series, deduplicated: Collection[str]) -> pd.DataFrame:
    """`pairs` (record_id_l, record_id_r, match_probability, match_weight): all scored pairs
    down to MIN_PAIRWISE; `source_of`: record_id → source; `deduplicated`: the sources holding
    each person at most once. Returns the pairs with the one-to-one probability (and its weight)
    in place of the pairwise one."""
    if pairs.empty or not deduplicated:
        return pairs
    out = pairs.copy()
    p, odds = odds_of(out["match_probability"])
    left, right = out["record_id_l"].to_numpy(), out["record_id_r"].to_numpy()
    source_l = out["record_id_l"].map(source_of).astype(object).to_numpy()
    source_r = out["record_id_r"].map(source_of).astype(object).to_numpy()
    # Each pair seen from both ends: row i from its left record, row n + i from its right one.
    ends = pd.DataFrame(
        {
            "id": np.concatenate([left, right]),
            "own": np.concatenate([source_l, source_r]),
            "other": np.concatenate([source_r, source_l]),
            "p": np.concatenate([p, p]),
            "odds": np.concatenate([odds, odds]),
        }
    )
    # π for each (own source → other source): expected matches / records of the own source.
    expected = ends.groupby(["own", "other"], dropna=False)["p"].transform("sum").to_numpy()
    size = ends["own"].map(source_of.astype(object).value_counts(dropna=False)).astype(float).to_numpy()
    share = np.minimum(expected / np.maximum(size, 1.0), MAX_SHARE_MATCHED)
    competing = ends.groupby(["id", "other"], dropna=False)["odds"].transform("sum").to_numpy()
    # Only candidates in a deduplicated source compete; elsewhere the pairwise probability stands.
    exclusive = ends["other"].isin(list(deduplicated)).to_numpy()
    both = np.where(exclusive, ends["odds"].to_numpy() / ((1.0 - share) + competing), ends["p"].to_numpy())
    return _with_probability(out, np.minimum(both[: len(out)], both[len(out) :]))


def one_record(scored: pd.DataFrame, source_of: pd.Series, deduplicated: Collection[str]) -> pd.DataFrame:
    """Incremental matching: one record's candidates (`record_id_r`), scored pairwise. Candidates
    in one deduplicated source compete as in `one_to_one`, but with π = 0: a single record gives
    no estimate of how often its source has a match, so a lone candidate keeps its pairwise
    probability and only rivals fall (two records of a deduplicated source are two people; the
    record must not be linked to both)."""
    if scored.empty or not deduplicated:
        return scored
    p, odds = odds_of(scored["match_probability"])
    source = scored["record_id_r"].map(source_of).astype(object)
    competing = pd.Series(odds, index=scored.index).groupby(source.to_numpy(), dropna=False).transform("sum")
    exclusive = source.isin(list(deduplicated)).to_numpy()
    return _with_probability(scored.copy(), np.where(exclusive, odds / (1.0 + competing.to_numpy()), p))


def at_most_one_link(
    pairs: pd.DataFrame, source_of: pd.Series, deduplicated: Collection[str], thresholds: Thresholds
) -> pd.DataFrame:
    """After the rule layer (which may lift a pair whatever the model says): a record that would
    be linked automatically to two or more records of one deduplicated source is linked to none
    of them; they go to review (rule COMPETING_CANDIDATES). Two records of such a source are two
    people, so linking both would merge them."""
    if pairs.empty or not deduplicated:
        return pairs
    out = pairs.copy()
    linked = out["match_probability"].to_numpy() >= thresholds.auto_link
    clash = np.zeros(len(out), dtype=bool)
    for own, other in (("record_id_l", "record_id_r"), ("record_id_r", "record_id_l")):
        other_source = out[other].map(source_of).astype(object)
        exclusive = other_source.isin(list(deduplicated)).to_numpy() & linked
        keys = pd.DataFrame({"id": out[own].to_numpy(), "source": other_source.to_numpy()})[exclusive]
        many = keys.groupby(["id", "source"], dropna=False)["id"].transform("size") > 1
        clash[np.flatnonzero(exclusive)[many.to_numpy()]] = True
    out.loc[clash, "match_probability"] = thresholds.review
    out.loc[clash, "match_weight"] = float(weight_of(thresholds.review))
    out.loc[clash, "rule"] = COMPETING_CANDIDATES
    return out


def exclusive_components(
    pairs: pd.DataFrame, source_of: pd.Series, deduplicated: Collection[str], record_ids: list[str]
) -> dict[str, str]:
    """Clusters of linked `pairs` (strongest first) that never hold two records of one
    deduplicated source, even through other records: a union that would is skipped.
    record_id → smallest record_id of its cluster."""
    exclusive = set(deduplicated)
    parent: dict[str, str] = {}
    sources: dict[str, set[str]] = {}

    def find(x: str) -> str:
        if x not in parent:
            parent[x] = x
            source = source_of.get(x)
            sources[x] = {source} if source in exclusive else set()
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ordered = pairs.sort_values("match_probability", ascending=False, kind="stable")
    for a, b in zip(ordered["record_id_l"].astype(str), ordered["record_id_r"].astype(str), strict=True):
        ra, rb = find(a), find(b)
        if ra == rb or sources[ra] & sources[rb]:
            continue
        low, high = sorted((ra, rb))
        parent[high] = low  # the root stays the smallest record_id
        sources[low] |= sources.pop(high)
    for x in record_ids:
        find(x)
    return {x: find(x) for x in parent}


def _with_probability(out: pd.DataFrame, probability: np.ndarray) -> pd.DataFrame:
    out["match_probability"] = probability
    out["match_weight"] = weight_of(probability)
    return out
