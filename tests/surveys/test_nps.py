"""The NPS and satisfaction formulas against hand-computed values (tsunagu/surveys/nps.py)."""

from __future__ import annotations

import pytest

from tsunagu.surveys import nps as f


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_bands(score, band):
    assert f.nps_band(score) == band


@pytest.mark.parametrize("score", [-1, 11])
def test_a_score_outside_0_to_10_is_refused_in_japanese(score):
    with pytest.raises(ValueError, match="0〜10"):
        f.nps_band(score)


# (promoters, detractors, n, min_n) → (score, low, high); intervals computed by hand:
# 50/20/100: p+ .5, p− .2, var = .7 − .3² = .61, half = 1.96·sqrt(.61/100)·100 = 15.308
# 10/30/40: var = 1 − .5² = .75, half = 1.96·sqrt(.75/40)·100 = 26.838
# 30/0/30: var = 1 − 1 = 0 (everyone a promoter)
# 0/30/30: −100 with no width
# 12/8/35: centre 11.4286, var = 20/35 − (4/35)² = .558367, half = 1.96·sqrt(.558367/35)·100 = 24.756
NPS_CASES = [
    (50, 20, 100, 30, 30, 14.692, 45.308),
    (10, 30, 40, 30, -50, -76.838, -23.162),
    (30, 0, 30, 30, 100, 100.0, 100.0),
    (0, 30, 30, 30, -100, -100.0, -100.0),
    (12, 8, 35, 30, 11, -13.327, 36.184),
]


@pytest.mark.parametrize(("promoters", "detractors", "n", "min_n", "score", "low", "high"), NPS_CASES)
def test_nps_and_its_95_percent_interval(promoters, detractors, n, min_n, score, low, high):
    result = f.nps(promoters, detractors, n, min_n=min_n)
    assert result.score == score
    assert result.low == pytest.approx(low, abs=1e-3)
    assert result.high == pytest.approx(high, abs=1e-3)
    assert result.passives == n - promoters - detractors
    assert not result.suppressed


def test_the_interval_is_clipped_to_minus_100_plus_100():
    # 29 promoters of 30: centre 96.67, half 1.96·sqrt((29/30 − (29/30)²)/30)·100 = 6.42 → high clipped
    result = f.nps(29, 0, 30, min_n=30)
    assert result.score == 97
    assert result.high == 100.0
    assert result.low == pytest.approx(90.24, abs=0.01)


@pytest.mark.parametrize(
    ("promoters", "detractors", "n", "score"),
    [(1, 0, 8, 13), (0, 1, 8, -13), (3, 1, 16, 13), (1, 3, 16, -13), (5, 5, 10, 0)],
)
def test_halves_round_away_from_zero(promoters, detractors, n, score):
    # 12.5 → 13 and −12.5 → −13 (Python's round() would give 12 and −12)
    assert f.nps(promoters, detractors, n, min_n=1).score == score


@pytest.mark.parametrize(("n", "min_n", "suppressed"), [(29, 30, True), (30, 30, False), (0, 0, True), (5, 5, False)])
def test_fewer_answers_than_the_minimum_are_suppressed(n, min_n, suppressed):
    result = f.nps(n, 0, n, min_n=min_n)
    assert result.suppressed is suppressed
    assert result.n == n  # the counts stay visible
    if suppressed:
        assert result.display == "回答数不足"
        assert result.low is None
        assert result.high is None


@pytest.mark.parametrize(("promoters", "detractors", "n"), [(5, 6, 10), (-1, 0, 3), (0, 0, -1)])
def test_inconsistent_counts_are_refused(promoters, detractors, n):
    with pytest.raises(ValueError, match="件数が矛盾"):
        f.nps(promoters, detractors, n)


def test_nps_from_scores_counts_the_bands():
    scores = [10, 9, 9, 8, 7, 6, 0, 5, 10, 10]  # 5 promoters, 2 passives, 3 detractors
    result = f.nps_from_scores(scores, min_n=10)
    assert (result.promoters, result.passives, result.detractors, result.score) == (5, 2, 3, 20)


@pytest.mark.parametrize(("score", "shown"), [(42, "+42"), (-8, "-8"), (0, "0")])
def test_display(score, shown):
    n = 100
    promoters = (score + 100) // 2 if score >= 0 else 0
    detractors = promoters - score if score >= 0 else -score
    assert f.nps(promoters, detractors, n, min_n=30).display == shown


# mean satisfaction: [8, 9, 10, 9] → Σ 36, Σx² 326, mean 9, s² = (326 − 4·81)/3 = 2/3,
# half = 1.96·sqrt((2/3)/4) = 0.80017
MEAN_CASES = [
    (4, 36, 326, 1, 9.0, 8.19983, 9.80017),
    (3, 30, 300, 1, 10.0, 10.0, 10.0),  # all 10s: no width
    (1, 7, 49, 1, 7.0, 7.0, 7.0),  # one answer: no variance to estimate
    # [0, 10] → mean 5, s² = 50, half = 1.96·sqrt(50/2) = 9.8 → clipped to 0..10
    (2, 10, 100, 1, 5.0, 0.0, 10.0),
]


@pytest.mark.parametrize(("n", "total", "sumsq", "min_n", "value", "low", "high"), MEAN_CASES)
def test_mean_satisfaction_with_its_interval(n, total, sumsq, min_n, value, low, high):
    result = f.mean(n, total, sumsq, min_n=min_n)
    assert result.mean == pytest.approx(value)
    assert result.low == pytest.approx(low, abs=1e-4)
    assert result.high == pytest.approx(high, abs=1e-4)


def test_mean_below_the_minimum_is_suppressed():
    result = f.mean(29, 261, 2400, min_n=30)
    assert result.suppressed
    assert result.display == "回答数不足"
    assert f.simple_mean(29, 100, min_n=30) is None
    assert f.simple_mean(30, 120, min_n=30) == 4.0


def test_shares_follow_the_question_order_and_are_suppressed_together():
    counts = {"悪い": 3, "良い": 20, "普通": 7}
    shares = f.shares(counts, order=["良い", "普通", "悪い"], min_n=30)
    assert [(s.label, s.count) for s in shares] == [("良い", 20), ("普通", 7), ("悪い", 3)]
    assert [s.share for s in shares] == pytest.approx([20 / 30, 7 / 30, 3 / 30])
    suppressed = f.shares(counts, order=["良い", "普通", "悪い"], min_n=31)
    assert all(s.share is None for s in suppressed)
    extra = f.shares({"その他": 1}, order=["良い"], min_n=1)
    assert [(s.label, s.count) for s in extra] == [("良い", 0), ("その他", 1)]


@pytest.mark.parametrize(("answered", "sent", "rate"), [(35, 100, 0.35), (0, 10, 0.0), (0, 0, None)])
def test_response_rate(answered, sent, rate):
    assert f.response_rate(answered, sent) == rate
