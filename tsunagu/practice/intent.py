"""意向把握 rules (pure, no Django): the structured intent per line, its validation, the differences
between the initial and the final intent, and the completeness rule of a record.

Shared domain §c: the non-life pattern captures the main intents (coverages, sums insured,
deductibles, riders, period, premium budget) and confirms them at application; a non-recommended
choice needs its reason and a second person's double check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IntentField:
    key: str
    label: str
    kind: str  # "text" | "yen" | "years" | "bool" | "choice"
    required: bool = True
    options: tuple[str, ...] = ()


_BUDGET = IntentField("budget", "保険料の予算(年額・円)", "yen")
_TERM = IntentField("term", "保険期間(年)", "years")
_NOTE = IntentField("note", "その他のご要望", "text", required=False)

# The structured intent of each line (keys are the policies app's LineOfBusiness values).
LINE_FIELDS: dict[str, tuple[IntentField, ...]] = {
    "auto": (
        IntentField("cover", "補償の範囲(対人・対物・人身傷害など)", "text"),
        IntentField("vehicle_cover", "車両保険", "choice", options=("一般", "エコノミー", "なし")),
        IntentField(
            "driver_scope", "運転者の範囲", "choice", options=("本人限定", "本人・配偶者限定", "家族限定", "限定なし")
        ),
        _BUDGET,
        _TERM,
        _NOTE,
    ),
    "fire": (
        IntentField("cover", "補償の対象(建物・家財)と範囲", "text"),
        IntentField("earthquake", "地震保険", "choice", options=("付帯する", "付帯しない")),
        _BUDGET,
        _TERM,
        _NOTE,
    ),
    "earthquake": (IntentField("cover", "補償の対象(建物・家財)", "text"), _BUDGET, _TERM, _NOTE),
    "personal_accident": (
        IntentField("cover", "補償の内容(死亡・入院・通院など)", "text"),
        IntentField("insured_scope", "補償の対象者", "choice", options=("本人", "夫婦", "家族")),
        _BUDGET,
        _TERM,
        _NOTE,
    ),
    "liability": (IntentField("cover", "補償の範囲(賠償責任の内容と限度額)", "text"), _BUDGET, _TERM, _NOTE),
    "other": (IntentField("cover", "補償の内容", "text"), _BUDGET, _TERM, _NOTE),
}

MAX_TERM_YEARS = 10


def fields_of(line: str) -> tuple[IntentField, ...]:
    return LINE_FIELDS.get(line, LINE_FIELDS["other"])


def validate_intent(line: str, data: Mapping[str, Any], *, label: str) -> tuple[dict[str, Any], list[str]]:
    """(clean values, Japanese errors). Missing required values are not errors here (the record is
    then incomplete); malformed ones are. Unknown keys are refused."""
    clean: dict[str, Any] = {}
    errors: list[str] = []
    known = {f.key: f for f in fields_of(line)}
    for key in data:
        if key not in known:
            errors.append(f"{label}: 「{key}」はこの保険種目の項目ではありません。")
    for f in known.values():
        raw = data.get(f.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if f.kind in ("yen", "years"):
            try:
                value = int(str(raw).replace(",", "").replace("¥", "").strip())
            except ValueError:
                errors.append(f"{label}: {f.label}は数字で入力してください。")
                continue
            if value < 0:
                errors.append(f"{label}: {f.label}に負の値は指定できません。")
                continue
            if f.kind == "years" and not 1 <= value <= MAX_TERM_YEARS:
                errors.append(f"{label}: {f.label}は1〜{MAX_TERM_YEARS}年で入力してください。")
                continue
            clean[f.key] = value
        elif f.kind == "choice":
            value_s = str(raw).strip()
            if value_s not in f.options:
                errors.append(f"{label}: {f.label}は「{'・'.join(f.options)}」から選んでください。")
                continue
            clean[f.key] = value_s
        else:
            text = str(raw).strip()
            if len(text) > 500:
                errors.append(f"{label}: {f.label}は500文字以内で入力してください。")
                continue
            clean[f.key] = text
    return clean, errors


def missing_intent_fields(line: str, data: Mapping[str, Any]) -> list[str]:
    return [f.label for f in fields_of(line) if f.required and data.get(f.key) in (None, "")]


@dataclass(frozen=True)
class Difference:
    key: str
    label: str
    initial: Any
    final: Any


def differences(line: str, initial: Mapping[str, Any], final: Mapping[str, Any]) -> list[Difference]:
    """The fields whose final value differs from the initial one (notes excluded)."""
    return [
        Difference(f.key, f.label, initial.get(f.key), final.get(f.key))
        for f in fields_of(line)
        if f.key != "note" and initial.get(f.key) != final.get(f.key) and final.get(f.key) not in (None, "")
    ]


def describe(diffs: list[Difference]) -> str:
    return "、".join(
        f"{d.label}: {d.initial if d.initial not in (None, '') else '(未記入)'} → {d.final}" for d in diffs
    )


@dataclass
class RecordFacts:
    """What the completeness rule reads of a record (the service fills it from the row)."""

    line: str
    initial_intent: Mapping[str, Any] = field(default_factory=dict)
    final_intent: Mapping[str, Any] = field(default_factory=dict)
    intent_changed: bool = False
    change_reason: str = ""
    products_presented: list[Any] = field(default_factory=list)
    narrowing_reason: str = ""
    recommended_product: str = ""
    recommendation_reason: str = ""
    chose_recommended: bool = True
    non_recommended_reason: str = ""
    double_checked: bool = False
    confirmed_on: object | None = None
    confirmation_method: str = ""
    elderly_incomplete: bool = False


def missing_items(facts: RecordFacts) -> list[str]:
    """The Japanese names of what keeps the record from being complete (empty: complete)."""
    missing: list[str] = []
    if missing_intent_fields(facts.line, facts.initial_intent):
        missing.append("当初意向")
    if missing_intent_fields(facts.line, facts.final_intent):
        missing.append("最終意向")
    if facts.intent_changed and not facts.change_reason.strip():
        missing.append("意向が変わった理由")
    if not facts.products_presented:
        missing.append("提示した商品")
    elif len(facts.products_presented) > 1 and not facts.narrowing_reason.strip():
        missing.append("絞り込みの基準・理由")
    if not facts.recommended_product.strip() or not facts.recommendation_reason.strip():
        missing.append("推奨商品と推奨理由")
    if not facts.chose_recommended:
        if not facts.non_recommended_reason.strip():
            missing.append("推奨商品以外を選んだ理由")
        if not facts.double_checked:
            missing.append("ダブルチェック(記録者以外)")
    if facts.confirmed_on is None or not facts.confirmation_method:
        missing.append("お客さまの意向確認(日付・方法)")
    if facts.elderly_incomplete:
        missing.append("高齢者対応")
    return missing
