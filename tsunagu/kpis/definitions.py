"""The KPI registry and its rules, without Django: definitions, fiscal years, values from counts.

Each KPI is computed from the records as counts per agency and month (numerator, denominator and,
for NPS, the detractors): `sources` turns a definition into one set-based query, `aggregates` keeps
the monthly counts, and the value of any set of months / agencies is `value_of(...)` of their summed
counts. The definitions and their parameters are documented in docs/kpis.md; parameters can be
overridden per KPI in settings (`TSUNAGU_KPIS = {"early_renewal_rate": {"days": 30}}`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tsunagu.surveys.nps import nps

# Kinds of value: a percentage of records, a count, an NPS (−100..100), a mean score (0..10).
RATE = "rate"
COUNT = "count"
NPS = "nps"
MEAN = "mean"

AUTO_LINES = ("auto",)
FIRE_AND_OTHER_LINES = ("fire", "earthquake", "personal_accident", "liability", "other")  # 火災・新種


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str  # Japanese, as agencies publish it
    kind: str
    unit: str  # what the value is shown with: "%", "件", "回", "", "点"
    description: str  # the definition in one Japanese sentence (screens, the report, docs)
    params: Mapping[str, Any] = field(default_factory=dict)  # defaults; settings may override
    higher_is_better: bool = True
    group: str = ""  # 募集 / 更改 / 事故対応 / アンケート / お客様の声 / 案件 / 意向把握 / 高齢者 / 研修・資格


REGISTRY: dict[str, Kpi] = {}


def _register(kpi: Kpi) -> Kpi:
    REGISTRY[kpi.key] = kpi
    return kpi


_register(
    Kpi(
        "face_to_face_rate",
        "対面募集率",
        RATE,
        "%",
        "年度内に契約日がある新規契約(更改でない契約)のうち、対面で募集した契約の割合",
        {"lines": None, "include_renewals": False},
        group="募集",
    )
)
_register(
    Kpi(
        "early_renewal_rate",
        "早期更改率",
        RATE,
        "%",
        "年度内に満期を迎えた契約の更改のうち、満期日の28日前までに更改契約を締結した割合",
        {"lines": None, "days": 28},
        group="更改",
    )
)
_register(
    Kpi(
        "agency_accident_window_rate",
        "代理店事故受付窓口割合",
        RATE,
        "%",
        "年度内に受け付けた代理店扱契約の事故のうち、代理店が最初に受け付けた事故の割合",
        {"lines": None},
        group="事故対応",
    )
)
_register(
    Kpi(
        "agency_accident_window_rate_auto",
        "代理店事故受付窓口割合(自動車)",
        RATE,
        "%",
        "代理店事故受付窓口割合のうち自動車の事故",
        {"lines": AUTO_LINES},
        group="事故対応",
    )
)
_register(
    Kpi(
        "agency_accident_window_rate_fire",
        "代理店事故受付窓口割合(火災・新種)",
        RATE,
        "%",
        "代理店事故受付窓口割合のうち火災・新種(自動車以外)の事故",
        {"lines": FIRE_AND_OTHER_LINES},
        group="事故対応",
    )
)
_register(
    Kpi(
        "claim_nps_auto",
        "事故対応NPS(自動車)",
        NPS,
        "",
        "事故に関するアンケート(自動車)の推奨度から、推奨者(9〜10)の割合−批判者(0〜6)の割合",
        {"lines": AUTO_LINES, "min_n": None},
        group="事故対応",
    )
)
_register(
    Kpi(
        "claim_nps_fire",
        "事故対応NPS(火災・新種)",
        NPS,
        "",
        "事故に関するアンケート(火災・新種)の推奨度から、推奨者(9〜10)の割合−批判者(0〜6)の割合",
        {"lines": FIRE_AND_OTHER_LINES, "min_n": None},
        group="事故対応",
    )
)
_register(
    Kpi(
        "survey_score",
        "お客様アンケート点数",
        MEAN,
        "点",
        "年度内に回答されたアンケート(事故対応を除く)の推奨度(0〜10点)の平均",
        {"exclude_claims": True},
        group="アンケート",
    )
)
_register(
    Kpi(
        "overall_satisfaction",
        "総合満足度",
        MEAN,
        "点",
        "年度内に回答されたアンケートの総合満足度(0〜10点)の平均",
        {},
        group="アンケート",
    )
)
for _kind, _label in (
    ("praise", "感謝(お褒め)"),
    ("dissatisfaction", "不満(苦情)"),
    ("request", "要望(ご意見)"),
    ("other", "その他"),
):
    _register(
        Kpi(
            f"voice_{_kind}",
            f"お客様の声 {_label}",
            COUNT,
            "件",
            f"年度内に受け付けたお客様の声のうち「{_label}」の件数",
            {"kind": _kind},
            higher_is_better=_kind != "dissatisfaction",
            group="お客様の声",
        )
    )
_register(
    Kpi(
        "voice_improvements",
        "お客様の声からの改善",
        COUNT,
        "件",
        "年度内に完了したお客様の声にもとづく改善の件数",
        {},
        group="お客様の声",
    )
)
_register(
    Kpi(
        "overdue_cases",
        "対応漏れ件数",
        COUNT,
        "件",
        "年度内に受け付けた案件のうち、対応期限までに完了しなかった(未完了で期限を過ぎた案件を含む)件数",
        {},
        higher_is_better=False,
        group="案件",
    )
)
_register(
    Kpi(
        "retention_rate",
        "解約申出の継続率",
        RATE,
        "%",
        "年度内に受け付けた解約申出のうち結果が出たもので、継続(条件変更を含む)となった割合",
        {},
        group="案件",
    )
)
_register(
    Kpi(
        "intent_record_completeness",
        "意向把握記録の完備率",
        RATE,
        "%",
        "年度内に契約日がある契約の意向把握記録のうち、記録が完了している割合",
        {},
        group="意向把握",
    )
)
_register(
    Kpi(
        "other_insurer_ratio",
        "他社商品申込比率",
        RATE,
        "%",
        "年度内に契約日がある申込の意向把握記録のうち、他社の商品で申し込んだ割合",
        {},
        higher_is_better=False,
        group="意向把握",
    )
)
_register(
    Kpi(
        "elderly_measures_completion",
        "高齢者対応の実施率",
        RATE,
        "%",
        "年度内に契約日がある高齢のお客さまへの募集のうち、必要な対応をすべて実施した割合",
        {},
        group="高齢者",
    )
)
_register(
    Kpi(
        "elderly_measures_count",
        "高齢者対応の実施件数",
        COUNT,
        "件",
        "年度内に契約日がある高齢のお客さまへの募集で実施した対応(親族同席・複数募集人など)の件数",
        {},
        group="高齢者",
    )
)

ELDERLY_MEASURES = (
    ("relative_present", "親族同席"),
    ("multiple_agents", "複数募集人"),
    ("multiple_meetings", "複数回の面談"),
    ("confirmation_call", "別担当者による確認電話"),
    ("recording", "録音・ビデオ面談"),
    ("insurer_check", "保険会社による確認"),
)
for _kind, _label in ELDERLY_MEASURES:
    _register(
        Kpi(
            f"elderly_share_{_kind}",
            f"高齢者対応 {_label}の実施割合",
            RATE,
            "%",
            f"年度内に契約日がある高齢のお客さまへの募集のうち、「{_label}」を実施した割合",
            {"kind": _kind},
            group="高齢者",
        )
    )

# 研修・資格 (training and qualifications), from the practice app's training records.
_register(
    Kpi(
        "training_sessions",
        "勉強会・品質向上会議の開催回数",
        COUNT,
        "回",
        "年度内に開催した勉強会・品質向上会議の回数",
        {"kinds": None},
        group="研修・資格",
    )
)
_register(
    Kpi(
        "training_attendance_rate",
        "勉強会・品質向上会議の出席率",
        RATE,
        "%",
        "年度内に開催した勉強会・品質向上会議の出席者数(在籍者)÷(開催回数×代理店の在籍者数)",
        {"kinds": None},
        group="研修・資格",
    )
)
_register(
    Kpi(
        "roleplay_pass_rate",
        "ロールプレイ合格率",
        RATE,
        "%",
        "年度内に採点したロールプレイのうち、合格点以上だった割合",
        {},
        group="研修・資格",
    )
)
_register(
    Kpi(
        "roleplay_score_rate",
        "ロールプレイ平均得点率",
        RATE,
        "%",
        "年度内に採点したロールプレイの得点の合計÷満点の合計",
        {},
        group="研修・資格",
    )
)
_register(
    Kpi(
        "qualifications_acquired",
        "資格取得件数",
        COUNT,
        "件",
        "年度内に募集人が取得した資格(損保一般試験の各単位・損保大学課程など)の件数",
        {"kinds": None},
        group="研修・資格",
    )
)

# The keys the acceptance interface (`agency_kpis`) must always carry.
REQUIRED_KEYS = (
    "face_to_face_rate",
    "early_renewal_rate",
    "agency_accident_window_rate",
    "claim_nps_auto",
    "claim_nps_fire",
    "overdue_cases",
    "other_insurer_ratio",
    "intent_record_completeness",
    "retention_rate",
)


def get(key: str) -> Kpi:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"KPI「{key}」は定義されていません。") from None


def params_of(kpi: Kpi, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The KPI's parameters: the defaults, with the settings' overrides for that KPI on top."""
    merged = dict(kpi.params)
    for name, value in ((overrides or {}).get(kpi.key) or {}).items():
        if name not in merged:
            raise ValueError(f"KPI「{kpi.key}」にパラメーター「{name}」はありません。")
        merged[name] = value
    return merged


# --- fiscal years (April–March) -------------------------------------------------------------------

MIN_YEAR = 2000
MAX_YEAR = 2100


@dataclass(frozen=True)
class FiscalYear:
    year: int  # 2025 = 2025/04/01 – 2026/03/31 (令和7年度)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:  # inclusive
        return dt.date(self.year + 1, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年度"

    def months(self) -> list[dt.date]:
        return [dt.date(self.year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]

    def previous(self) -> FiscalYear:
        return FiscalYear(self.year - 1)


def fiscal_year_of(day: dt.date) -> FiscalYear:
    return FiscalYear(day.year if day.month >= 4 else day.year - 1)


def parse_fiscal_year(text: str | None) -> FiscalYear:
    """A fiscal year from user input ("2025"); ValueError with a Japanese message otherwise."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("年度(--fiscal-year)を 2025 のような西暦4桁で指定してください。")
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise ValueError(f"年度は 2025 のような西暦4桁で指定してください(指定された値: {raw[:20]})。")
    year = int(raw)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"年度は {MIN_YEAR}〜{MAX_YEAR} の範囲で指定してください(指定された値: {year})。")
    return FiscalYear(year)


# --- values from counts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    numerator: int = 0
    denominator: int = 0
    extra: int = 0  # NPS: the detractors (numerator = promoters − detractors)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.numerator + other.numerator, self.denominator + other.denominator, self.extra + other.extra)


def total(counts: Iterable[Counts]) -> Counts:
    result = Counts()
    for c in counts:
        result = result + c
    return result


def value_of(kpi: Kpi, counts: Counts, *, min_n: int = 1) -> float | int | None:
    """The KPI's value from its counts; None when there is nothing to divide by (or too few answers)."""
    if kpi.kind == COUNT:
        return counts.numerator
    if counts.denominator <= 0:
        return None
    if kpi.kind == RATE:
        return round(100.0 * counts.numerator / counts.denominator, 1)
    if kpi.kind == MEAN:
        return round(counts.numerator / counts.denominator, 2)
    if kpi.kind == NPS:
        detractors = counts.extra
        promoters = counts.numerator + detractors
        return nps(promoters, detractors, counts.denominator, min_n=min_n).score
    raise ValueError(f"KPIの種類「{kpi.kind}」は扱えません。")


def display(kpi: Kpi, value: float | int | None) -> str:
    """The value as screens and the report print it: 72.5% / 12件 / +35 / 8.42点 / —."""
    if value is None:
        return "—"
    if kpi.kind == NPS:
        return f"{int(value):+d}" if value else "0"
    if kpi.kind == RATE:
        return f"{value:.1f}%"
    if kpi.kind == MEAN:
        return f"{value:.2f}点"
    return f"{int(value):,}{kpi.unit or '件'}"


def achieved(kpi: Kpi, value: float | int | None, target: float | None) -> bool | None:
    """Whether the result meets the target (for counts that should be low: at most the target)."""
    if value is None or target is None:
        return None
    return value >= target if kpi.higher_is_better else value <= target
