"""The rules of a personal-data breach (漏えい等, APPI Art. 26, PPC Rules Art. 7, and the financial
sector's guideline): whether it must be reported to the regulator, and the clocks that follow from
the day the organisation became aware of it. Pure: no Django.

- Reportable under APPI when it involves 要配慮個人情報, risks financial damage, may have been done
  with malicious intent (each from a single person), or affects more than 1,000 persons — unless the
  data was protected by high-level encryption.
- Insurers (financial institutions) report **any** leak of individual customers' data to the FSA
  promptly, about 3–5 days as a guide, so the preliminary report (速報) clock always runs.
- The final report (確報) is due 30 days after awareness, 60 when malicious intent may be involved;
  it is required when the breach is reportable under APPI and a follow-up otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PERSONS_THRESHOLD = 1000  # "more than 1,000 persons" (1,001 or more)
PRELIMINARY_TARGET_DAYS = 3  # 速報: about 3–5 days; the clock warns from day 3
PRELIMINARY_DUE_DAYS = 5
FINAL_DUE_DAYS = 30
FINAL_DUE_DAYS_MALICIOUS = 60

# The items a report to the PPC / FSA carries (PPC Rules Art. 8), in the order of the form.
REPORT_ITEMS: tuple[tuple[str, str], ...] = (
    ("summary", "概要"),
    ("data_items", "漏えい等が発生し、又は発生したおそれがある個人データの項目"),
    ("persons", "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数"),
    ("cause", "原因"),
    ("secondary_damage", "二次被害又はそのおそれの有無及びその内容"),
    ("action_to_persons", "本人への対応の実施状況"),
    ("publication", "公表の実施状況"),
    ("prevention", "再発防止のための措置"),
    ("other", "その他参考となる事項"),
)


@dataclass(frozen=True)
class Facts:
    aware_on: dt.date
    persons: int
    sensitive: bool  # 要配慮個人情報 (incl. health / injury details of claims)
    financial_harm: bool  # card numbers, bank login credentials …
    malicious: bool  # unauthorised access, theft by staff …
    encrypted: bool  # protected by high-level encryption (高度な暗号化)


def reportable_reasons(facts: Facts) -> list[str]:
    """Why the breach must be reported under APPI (empty: not reportable, the FSA report remains)."""
    if facts.encrypted:
        return []
    reasons = []
    if facts.sensitive:
        reasons.append("要配慮個人情報が含まれる")
    if facts.financial_harm:
        reasons.append("財産的被害が生じるおそれがある")
    if facts.malicious:
        reasons.append("不正の目的によるおそれがある")
    if facts.persons > PERSONS_THRESHOLD:
        reasons.append(f"本人の数が{PERSONS_THRESHOLD:,}人を超える")
    return reasons


@dataclass(frozen=True)
class Clock:
    key: str
    label: str
    due: dt.date | None  # None: no statutory date (a follow-up as facts emerge)
    done_on: dt.date | None
    required: bool
    state: str  # done / overdue / due_soon / open / not_required
    days_left: int | None

    @property
    def state_label(self) -> str:
        return {
            "done": "済",
            "overdue": "期限超過",
            "due_soon": "期限間近",
            "open": "未了",
            "not_required": "任意",
        }[self.state]


def _clock(
    key: str, label: str, due: dt.date | None, done_on: dt.date | None, required: bool, today: dt.date, warn_from: int
) -> Clock:
    if done_on is not None:
        state, days_left = "done", None
    elif due is None or not required:
        state, days_left = "not_required", None
    else:
        days_left = (due - today).days
        state = "overdue" if days_left < 0 else "due_soon" if days_left <= warn_from else "open"
    return Clock(key, label, due, done_on, required, state, days_left)


def clocks(
    facts: Facts,
    *,
    preliminary_on: dt.date | None,
    final_on: dt.date | None,
    today: dt.date,
) -> list[Clock]:
    """The preliminary (速報) and final (確報) report clocks, counted in calendar days from awareness."""
    final_days = FINAL_DUE_DAYS_MALICIOUS if facts.malicious else FINAL_DUE_DAYS
    required = bool(reportable_reasons(facts))
    return [
        _clock(
            "preliminary",
            f"速報(認識から{PRELIMINARY_TARGET_DAYS}〜{PRELIMINARY_DUE_DAYS}日以内)",
            facts.aware_on + dt.timedelta(days=PRELIMINARY_DUE_DAYS),
            preliminary_on,
            True,
            today,
            warn_from=PRELIMINARY_DUE_DAYS - PRELIMINARY_TARGET_DAYS,
        ),
        _clock(
            "final",
            f"確報(認識から{final_days}日以内)",
            facts.aware_on + dt.timedelta(days=final_days),
            final_on,
            required,
            today,
            warn_from=7,
        ),
    ]
