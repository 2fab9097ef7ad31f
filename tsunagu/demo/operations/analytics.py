"""Demo target lists and models (issue 14).

Lists: campaign lists drawn in three rounds (480, 300 and 120 days before the demo date) — 地震保険 for
火災 holders without it, 傷害 for 自動車 holders without it — each with a seeded control group, and the
agencies' activity results on their worklists (entered by the demo agency staff through the result
service, so every result has its history). A customer who made a new contract since the list's date
is recorded as won with that policy; the others get a seeded mix of results (unreachable more often
by post and e-mail, declined more often by phone) or stay untouched. Conversion is measured from the
policies for both groups; the demo generator adds lines for its drivers (docs/demo-data.md), not for
any list, so the demo's uplift is near zero while the conversion model still has drivers to learn.

Models (`demo_models_load`, after everything else is loaded): the churn, next-product and conversion
models are trained as of the demo date by the demo analyst, activated, and every customer is scored,
so a new user sees scores and reasons at once. A kind that cannot be trained (a tiny demo) is skipped.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tsunagu.analytics import features, segments, services, target_services, training
from tsunagu.analytics.choices import EntryResult, ListBasis
from tsunagu.analytics.models import TargetEntry
from tsunagu.core.models import User
from tsunagu.customers.choices import ContactChannel
from tsunagu.policies.models import Policy

DAYS_BACK = (480, 300, 120)  # the rounds of lists: older ones have their results back
FIRE_TALK = "火災保険では地震による火災・損壊は補償されません\n地震保険は火災保険とセットで途中からでも付帯できます"
AUTO_TALK = "車に乗っていないときのけがにも備えられます\nご家族まとめての補償が選べます"
# (name, lines held, lines missing, control %, talking points)
LISTS = (
    ("地震保険のご案内(火災保険ご契約者)", ("fire",), ("earthquake",), 20, FIRE_TALK),
    ("傷害保険のご案内(自動車保険ご契約者)", ("auto",), ("personal_accident",), 15, AUTO_TALK),
)
# Results of the entries without a new contract: (result, weight), by the entry's contact channel.
MIX = ((EntryResult.PENDING, 30), (EntryResult.CONTACTED, 25), (EntryResult.PROPOSED, 20),
       (EntryResult.DECLINED, 15), (EntryResult.UNREACHABLE, 10))  # fmt: skip
MIX_BY_CHANNEL = {
    ContactChannel.POST.value: (30, 15, 15, 10, 30),
    ContactChannel.EMAIL.value: (30, 20, 15, 10, 25),
    ContactChannel.PHONE.value: (25, 25, 20, 22, 8),
}


@dataclass
class AnalyticsResult:
    lists: list[str] = field(default_factory=list)
    entries: int = 0
    results: int = 0


def demo_analytics_load(*, seed: int, as_of: dt.date, users: dict[str, User]) -> AnalyticsResult:
    result = AnalyticsResult()
    analyst = users.get("analyst")
    if analyst is None:
        return result
    rng = random.Random(f"tsunagu-demo-analytics:{seed}")
    staff: dict[int, User] = {}
    for user in users.values():
        if user.agency_id is not None and user.is_active:
            staff.setdefault(user.agency_id, user)
    rounds = [(days, definition) for days in DAYS_BACK for definition in LISTS]
    for number, (days, (name, held, missing, percent, talk)) in enumerate(rounds, start=1):
        list_date = as_of - dt.timedelta(days=days)
        if days != DAYS_BACK[-1]:
            name = f"{name} {list_date:%Y年%m月}"
        try:
            target = target_services.target_list_create(
                actor=analyst,
                name=name,
                basis=ListBasis.CAMPAIGN,
                segment=segments.Segment(as_of=list_date, lines_held=held, lines_missing=missing),
                control_percent=percent,
                talking_points=talk,
                seed=seed * 100 + number,
            )
        except ValidationError:  # a tiny book with nobody in the segment
            continue
        result.lists.append(target.name)
        result.entries += target.treatment_count + target.control_count
        worked = TargetEntry.objects.filter(target_list=target, is_control=False, agency_id__in=list(staff)).order_by(
            "pk"
        )
        # A win is a new contract the working agency itself wrote: its staff record the result and can
        # only name a policy they can see (another agency's policy is not theirs to claim).
        new_contracts: dict[tuple[int, int], str] = {}
        for holder, policy_agency, policy_number in (
            Policy.objects.filter(
                policyholder_id__in=worked.values("customer_id"),
                contract_date__gte=list_date,
                previous_policy__isnull=True,
            )
            .order_by("contract_date", "pk")
            .values_list("policyholder_id", "agency_id", "number")
        ):
            new_contracts.setdefault((holder, policy_agency), policy_number)
        for entry in worked.values_list("pk", "customer_id", "agency_id", "channel"):
            pk, customer_id, agency_id, channel = entry
            won = new_contracts.get((customer_id, agency_id))
            if won is not None and rng.random() < 0.9:
                outcome, number_won = EntryResult.WON.value, won
            else:
                weights = MIX_BY_CHANNEL.get(channel) or [m[1] for m in MIX]
                outcome = rng.choices([m[0] for m in MIX], weights=weights)[0].value
                number_won = ""
            if outcome == EntryResult.PENDING:
                continue
            target_services.target_entry_record_result(
                actor=staff[agency_id], entry_id=pk, result=outcome, won_policy_number=number_won
            )
            result.results += 1
    return result


def demo_models_load(*, as_of: dt.date, users: dict[str, User]) -> list[str]:
    """Train, activate and score the three models as of the demo date (the demo analyst is the
    trainer); returns what was trained, e.g. ["churn v1 (AUC 0.71)"]. Kinds that cannot be trained
    on this book (too few rows or outcomes) are skipped."""
    analyst = users.get("analyst")
    if analyst is None:
        return []
    book = features.load_book()
    trained = []
    for kind in training.KINDS:
        try:
            version = services.model_train(actor=analyst, kind=kind, as_of=as_of, activate=True, book=book)
            services.scores_refresh(actor=analyst, kind=kind, as_of=as_of, book=book)
        except ValidationError:
            continue
        auc = f"{version.auc:.2f}" if version.auc is not None else "—"
        trained.append(f"{kind} v{version.version} (AUC {auc})")
    return trained
