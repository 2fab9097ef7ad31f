"""The pure rules, table-driven: intent validation and completeness, elderly tiers and required
measures, renewal steps, early renewal and 更改漏れ."""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagu.practice import elderly, intent, renewal

from .conftest import AUTO_INTENT

D = dt.date


# --- 意向把握 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "clean", "errors"),
    [
        ({"budget": "80,000", "term": "1"}, {"budget": 80000, "term": 1}, []),
        ({"budget": "たくさん"}, {}, ["当初意向: 保険料の予算(年額・円)は数字で入力してください。"]),
        ({"term": 11}, {}, ["当初意向: 保険期間(年)は1〜10年で入力してください。"]),
        ({"budget": -1}, {}, ["当初意向: 保険料の予算(年額・円)に負の値は指定できません。"]),
        ({"vehicle_cover": "ゴールド"}, {}, ["当初意向: 車両保険は「一般・エコノミー・なし」から選んでください。"]),
        ({"color": "赤"}, {}, ["当初意向: 「color」はこの保険種目の項目ではありません。"]),
        ({"cover": "  "}, {}, []),
    ],
)
def test_validate_intent(data, clean, errors):
    assert intent.validate_intent("auto", data, label="当初意向") == (clean, errors)


def test_an_unknown_line_uses_the_generic_fields():
    assert [f.key for f in intent.fields_of("marine")] == ["cover", "budget", "term", "note"]


def test_differences_ignore_notes_and_empty_finals():
    initial = {**AUTO_INTENT, "note": "a"}
    final = {**AUTO_INTENT, "budget": 95000, "note": "b", "driver_scope": ""}
    diffs = intent.differences("auto", initial, final)
    assert [(d.key, d.initial, d.final) for d in diffs] == [("budget", 80000, 95000)]
    assert intent.describe(diffs) == "保険料の予算(年額・円): 80000 → 95000"


def _facts(**kw):
    base = {
        "line": "auto",
        "initial_intent": AUTO_INTENT,
        "final_intent": AUTO_INTENT,
        "products_presented": [{"product": "A"}],
        "recommended_product": "A",
        "recommendation_reason": "予算内で補償が広い",
        "confirmed_on": D(2026, 12, 1),
        "confirmation_method": "paper",
    }
    base.update(kw)
    return intent.RecordFacts(**base)


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({}, []),
        ({"initial_intent": {}}, ["当初意向"]),
        ({"final_intent": {"cover": "x"}}, ["最終意向"]),
        ({"intent_changed": True}, ["意向が変わった理由"]),
        ({"intent_changed": True, "change_reason": "家族が免許を取った"}, []),
        ({"products_presented": []}, ["提示した商品"]),
        ({"products_presented": [{"product": "A"}, {"product": "B"}]}, ["絞り込みの基準・理由"]),
        ({"recommendation_reason": ""}, ["推奨商品と推奨理由"]),
        ({"chose_recommended": False}, ["推奨商品以外を選んだ理由", "ダブルチェック(記録者以外)"]),
        ({"chose_recommended": False, "non_recommended_reason": "保険料重視"}, ["ダブルチェック(記録者以外)"]),
        ({"chose_recommended": False, "non_recommended_reason": "保険料重視", "double_checked": True}, []),
        ({"confirmation_method": ""}, ["お客さまの意向確認(日付・方法)"]),
        ({"elderly_incomplete": True}, ["高齢者対応"]),
    ],
)
def test_missing_items(changes, missing):
    assert intent.missing_items(_facts(**changes)) == missing


# --- 高齢者対応 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [(D(1956, 12, 5), D(2026, 12, 5), 70), (D(1956, 12, 6), D(2026, 12, 5), 69), (D(1944, 2, 29), D(2025, 2, 28), 80)],
)
def test_age_on(birth, day, age):
    assert elderly.age_on(birth, day) == age


@pytest.mark.parametrize(
    ("age", "tier"), [(69, None), (70, "basic"), (79, "basic"), (80, "enhanced"), (95, "enhanced")]
)
def test_tier_default(age, tier):
    assert elderly.tier_for(age, elderly.ElderlyRule()) == tier


def test_tier_configurable():
    rule = elderly.ElderlyRule(basic_age=65, enhanced_age=75)
    assert [elderly.tier_for(a, rule) for a in (64, 65, 75)] == [None, "basic", "enhanced"]


ANY = "親族同席・複数募集人・複数回の面談のいずれか"


@pytest.mark.parametrize(
    ("tier", "done", "missing"),
    [
        ("basic", [], [ANY]),
        ("basic", ["multiple_meetings"], []),
        ("basic", ["confirmation_call"], [ANY]),
        ("enhanced", ["relative_present"], ["別担当者による確認電話"]),
        ("enhanced", ["confirmation_call"], [ANY]),
        ("enhanced", ["confirmation_call", "multiple_agents"], []),
    ],
)
def test_missing_measures_default_rule(tier, done, missing):
    assert elderly.missing_measures(tier, done, elderly.ElderlyRule()) == missing


def test_an_agency_rule_may_require_recording_and_nothing_else():
    rule = elderly.ElderlyRule(basic_required=("recording",), basic_any_of=())
    assert elderly.missing_measures("basic", [], rule) == ["録音・ビデオ面談"]
    assert elderly.missing_measures("basic", ["recording"], rule) == []


def test_call_answers_must_all_be_answered():
    answers = {key: "はい" for key, _ in elderly.CALL_QUESTIONS}
    assert elderly.call_answer_errors(answers) == []
    del answers["own_intent"]
    answers["questions_left"] = "たぶん"
    assert len(elderly.call_answer_errors(answers)) == 2


# --- 満期管理 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(D(2027, 3, 31), 2, D(2027, 1, 31)), (D(2027, 4, 30), 2, D(2027, 2, 28)), (D(2027, 1, 15), 2, D(2026, 11, 15))],
)
def test_months_before(day, months, expected):
    assert renewal.months_before(day, months) == expected


def test_steps_of_an_untouched_renewal_become_overdue():
    steps = renewal.steps(expiry=D(2027, 1, 31), today=D(2026, 12, 5), rule=renewal.RenewalRule())
    assert [(s.key, s.due, s.status, s.days_overdue) for s in steps] == [
        ("start", D(2026, 11, 30), "overdue", 5),
        ("notice", D(2026, 11, 30), "overdue", 5),
        ("contact", D(2026, 12, 7), "open", 0),
        ("complete", D(2027, 1, 3), "open", 0),
    ]
    assert steps[0].status_label == "期限超過 5日"


def test_steps_done_late_and_contact_due_from_the_notice():
    steps = renewal.steps(
        expiry=D(2027, 1, 31),
        today=D(2026, 12, 20),
        rule=renewal.RenewalRule(),
        started_on=D(2026, 11, 25),
        notice_sent_on=D(2026, 12, 2),
        first_contact_on=None,
    )
    assert [(s.status, s.due) for s in steps] == [
        ("done", D(2026, 11, 30)),
        ("late", D(2026, 11, 30)),
        ("overdue", D(2026, 12, 9)),
        ("open", D(2027, 1, 3)),
    ]


def test_closed_renewals_have_no_overdue_steps():
    steps = renewal.steps(expiry=D(2026, 12, 1), today=D(2026, 12, 5), rule=renewal.RenewalRule(), closed=True)
    assert all(s.status == "open" for s in steps)


@pytest.mark.parametrize(
    ("completed", "days", "early"),
    [(D(2027, 1, 3), 28, True), (D(2027, 1, 4), 28, False), (D(2027, 1, 4), 27, True), (None, 28, False)],
)
def test_is_early(completed, days, early):
    assert (
        renewal.is_early(completed_on=completed, expiry=D(2027, 1, 31), rule=renewal.RenewalRule(early_days=days))
        is early
    )


@pytest.mark.parametrize(
    ("outcome", "contact", "today", "missed"),
    [
        ("lapsed", None, D(2027, 2, 1), True),
        ("lapsed", D(2026, 12, 1), D(2027, 2, 1), False),
        ("pending", None, D(2027, 2, 1), True),
        ("pending", None, D(2027, 1, 31), False),
        ("renewed", None, D(2027, 2, 1), False),
    ],
)
def test_is_missed(outcome, contact, today, missed):
    assert renewal.is_missed(outcome=outcome, first_contact_on=contact, expiry=D(2027, 1, 31), today=today) is missed


@pytest.mark.parametrize(("score", "passed"), [(24, False), (25, True), (36, True)])
def test_roleplay_pass_mark(score, passed):
    assert renewal.passed_roleplay(score, 25) is passed
