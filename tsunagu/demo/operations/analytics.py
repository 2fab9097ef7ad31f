"""Demo target lists (issue 14): two campaign lists drawn 120 days before the demo date — 地震保険 for
火災 holders without it, 傷害 for 自動車 holders without it — each with a seeded control group, and the
agencies' activity results on their worklists (entered by the demo agency staff through the result
service, so every result has its history). A customer who made a new contract since the list's date
is recorded as won with that policy; the others get a seeded mix of results or stay untouched.
Conversion is measured from the policies for both groups, so the demo's uplift is near zero: the
demo generator draws new contracts without regard to any list."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from tsunagu.analytics import segments, target_services
from tsunagu.analytics.choices import EntryResult, ListBasis
from tsunagu.analytics.models import TargetEntry
from tsunagu.core.models import User
from tsunagu.policies.models import Policy

DAYS_BACK = 120
FIRE_TALK = "火災保険では地震による火災・損壊は補償されません\n地震保険は火災保険とセットで途中からでも付帯できます"
AUTO_TALK = "車に乗っていないときのけがにも備えられます\nご家族まとめての補償が選べます"
# (name, lines held, lines missing, control %, talking points)
LISTS = (
    ("地震保険のご案内(火災保険ご契約者)", ("fire",), ("earthquake",), 20, FIRE_TALK),
    ("傷害保険のご案内(自動車保険ご契約者)", ("auto",), ("personal_accident",), 15, AUTO_TALK),
)
# Results of the entries without a new contract: (result, weight).
MIX = ((EntryResult.PENDING, 30), (EntryResult.CONTACTED, 25), (EntryResult.PROPOSED, 20),
       (EntryResult.DECLINED, 15), (EntryResult.UNREACHABLE, 10))  # fmt: skip


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
    list_date = as_of - dt.timedelta(days=DAYS_BACK)
    for number, (name, held, missing, percent, talk) in enumerate(LISTS, start=1):
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
        for entry in worked.values_list("pk", "customer_id", "agency_id"):
            pk, customer_id, agency_id = entry
            won = new_contracts.get((customer_id, agency_id))
            if won is not None and rng.random() < 0.9:
                outcome, number_won = EntryResult.WON.value, won
            else:
                outcome = rng.choices([m[0] for m in MIX], weights=[m[1] for m in MIX])[0].value
                number_won = ""
            if outcome == EntryResult.PENDING:
                continue
            target_services.target_entry_record_result(
                actor=staff[agency_id], entry_id=pk, result=outcome, won_policy_number=number_won
            )
            result.results += 1
    return result
