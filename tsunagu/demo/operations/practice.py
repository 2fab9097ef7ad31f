"""Demo practice records (issue 13): an intent record for every agency policy of the last two years
(about 10% changed intent, 20–27% non-recommended choices with their double checks, a few
incomplete), elderly solicitations of customers aged 70+ at the contract date with the seeds' mix
of measures, renewal progress whose early-renewal rate differs by agency (60–90%), and training
sessions with attendance and role-play scores. Runs before the KPI step (which counts these)."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tsunagu.core import writes
from tsunagu.core.models import Agency, User
from tsunagu.policies.choices import SalesChannel
from tsunagu.policies.models import Policy
from tsunagu.practice import elderly, intent, renewal
from tsunagu.practice.choices import MeasureKind, RenewalOutcome
from tsunagu.practice.models import (
    Attendance,
    ElderlyMeasure,
    ElderlySolicitation,
    IntentRecord,
    RenewalProgress,
    RolePlayScore,
    TrainingSession,
)

DAYS_BACK = 730
CHUNK = 5_000
REASON = "デモデータ"
PRODUCTS = {
    "auto": ("つなぐ自動車保険", "あんしんカー", "他社 スマート自動車"),
    "fire": ("つなぐすまいの保険", "家財プラス", "他社 ホームガード"),
}
SAMPLE_INTENT = {
    "auto": {"cover": "対人・対物無制限、人身傷害3000万円", "vehicle_cover": "一般", "driver_scope": "家族限定"},
    "fire": {"cover": "建物と家財、水災を含む", "earthquake": "付帯する"},
    "personal_accident": {"cover": "入院・通院", "insured_scope": "本人"},
}


@dataclass
class PracticeResult:
    intent_records: int = 0
    solicitations: int = 0
    measures: int = 0
    renewals: int = 0
    sessions: int = 0
    scores: int = 0
    seconds: float = 0.0


def _agency_rate(rank: int, low: float, high: float) -> float:
    """A fixed rate per agency in [low, high], spread by a hash of the agency's rank in code order
    (not its id: ids differ between loads on PostgreSQL, and the same seed must give the same demo)."""
    return low + (high - low) * ((rank * 2654435761) % 1000) / 999


def _intent(line: str, budget: int) -> dict[str, object]:
    data: dict[str, object] = dict(SAMPLE_INTENT.get(line, {"cover": "ご要望の補償"}))
    data.update({"budget": budget, "term": 1})
    return data


def demo_practice_load(*, seed: int, as_of: dt.date, actor: User) -> PracticeResult:
    started = time.perf_counter()
    result = PracticeResult()
    rng = random.Random(f"tsunagu-demo-practice:{seed}")
    staff: dict[int, list[User]] = {}
    for user in User.objects.filter(agency__isnull=False, is_active=True).order_by("pk"):
        staff.setdefault(user.agency_id, []).append(user)  # type: ignore[arg-type]
    # The agency's staff record; its manager (somebody's User.manager: practice.double_check)
    # double-checks and scores role-plays, so managers go last in each agency's list.
    managers = set(User.objects.filter(reports__isnull=False).values_list("pk", flat=True))
    for people in staff.values():
        people.sort(key=lambda person: person.pk in managers)
    rank = {pk: i for i, pk in enumerate(Agency.objects.order_by("code").values_list("pk", flat=True))}
    since = as_of - dt.timedelta(days=DAYS_BACK)
    policies = (
        Policy.objects.filter(
            agency__isnull=False, sales_channel=SalesChannel.AGENCY, contract_date__gte=since, contract_date__lte=as_of
        )
        .filter(intent_record__isnull=True)
        .order_by("id")
        .values_list(
            "pk",
            "agency_id",
            "line",
            "previous_policy_id",
            "contract_date",
            "policyholder_id",
            "policyholder__birth_date",
            "annual_premium",
        )
    )
    now = timezone.now()
    batch: list[tuple] = []
    for row in policies.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) >= CHUNK:
            _intents_and_elderly(batch, rng, staff, rank, actor, now, result)
            batch = []
    if batch:
        _intents_and_elderly(batch, rng, staff, rank, actor, now, result)
    _renewals(rng, as_of, staff, rank, actor, result)
    _training(rng, as_of, staff, actor, result)
    result.seconds = time.perf_counter() - started
    return result


def _intents_and_elderly(
    batch: list[tuple],
    rng: random.Random,
    staff: dict[int, list[User]],
    rank: dict[int, int],
    actor: User,
    now: dt.datetime,
    result: PracticeResult,
) -> None:
    records: list[IntentRecord] = []
    solicitations: list[ElderlySolicitation] = []
    planned: list[list[str]] = []
    rule = elderly.ElderlyRule()
    for pk, agency_id, line, previous_id, contract_date, holder_id, birth, premium in batch:
        people = staff.get(agency_id, [])
        recorder = people[0] if people else None
        checker = people[-1] if len(people) > 1 else actor  # the manager, never the recorder
        budget = int(premium * rng.uniform(0.9, 1.2)) // 1000 * 1000
        initial = _intent(line, budget)
        final = dict(initial)
        changed = rng.random() < 0.10
        if changed:
            final["budget"] = budget + 10_000
        names = PRODUCTS.get(line, ("つなぐ保険 スタンダード", "つなぐ保険 ワイド", "他社 ベーシック"))
        non_recommended = rng.random() < _agency_rate(rank.get(agency_id, 0), 0.20, 0.27)
        incomplete = rng.random() < 0.03
        other = rng.random() < 0.08
        presented = [
            {"insurer": "他社" if "他社" in n else "つなぐ損保", "product": n, "premium": premium} for n in names
        ]
        record = IntentRecord(
            policy_id=pk,
            agency_id=agency_id,
            kind="renewal" if previous_id else "new",
            line=line,
            recorded_by=recorder,
            initial_intent=initial,
            final_intent=final,
            change_reason="ご家族の運転開始で補償を見直した" if changed else "",
            products_presented=presented,
            narrowing_reason="ご予算と補償範囲で3商品に絞り込み",
            recommended_product=names[0],
            recommendation_reason="ご意向の補償を満たし保険料が予算内",
            chose_recommended=not non_recommended,
            chosen_product=names[2] if other else (names[1] if non_recommended else names[0]),
            non_recommended_reason="保険料を優先されたため" if non_recommended else "",
            confirmed_on=None if incomplete else contract_date,
            confirmation_method="" if incomplete else rng.choice(["paper", "tablet", "tablet", "web"]),
            other_insurer=other,
        )
        if non_recommended and not (incomplete and rng.random() < 0.5):
            record.double_checked_by = checker
            record.double_checked_at = now
        diffs = intent.differences(line, initial, final)
        record.intent_changed = bool(diffs)
        record.change_difference = intent.describe(diffs)
        age = elderly.age_on(birth, contract_date) if birth else 0
        tier = elderly.tier_for(age, rule)
        kinds: list[str] = []
        if tier is not None:
            if rng.random() > 0.05:  # a few solicitations still lack their measures
                kinds.append(
                    rng.choices(
                        [MeasureKind.RELATIVE_PRESENT, MeasureKind.MULTIPLE_MEETINGS, MeasureKind.MULTIPLE_AGENTS],
                        weights=[40, 35, 25],
                    )[0]
                )
                if tier == elderly.ENHANCED and rng.random() < 0.92:
                    kinds.append(MeasureKind.CONFIRMATION_CALL)
                if rng.random() < 0.2:
                    kinds.append(MeasureKind.RECORDING)
                if rng.random() < 0.1:
                    kinds.append(MeasureKind.INSURER_CHECK)
            missing = elderly.missing_measures(tier, kinds, rule)
            solicitations.append(
                ElderlySolicitation(
                    policy_id=pk,
                    customer_id=holder_id,
                    agency_id=agency_id,
                    solicited_on=contract_date,
                    age=age,
                    tier=tier,
                    recorded_by=recorder,
                    complete=not missing,
                    missing=missing,
                    completed_at=now if not missing else None,
                )
            )
            planned.append(kinds)
        facts = intent.RecordFacts(
            line=line,
            initial_intent=initial,
            final_intent=final,
            intent_changed=record.intent_changed,
            change_reason=record.change_reason,
            products_presented=presented,
            narrowing_reason=record.narrowing_reason,
            recommended_product=record.recommended_product,
            recommendation_reason=record.recommendation_reason,
            chose_recommended=record.chose_recommended,
            non_recommended_reason=record.non_recommended_reason,
            double_checked=record.double_checked_by is not None,
            confirmed_on=record.confirmed_on,
            confirmation_method=record.confirmation_method,
            elderly_incomplete=tier is not None and bool(elderly.missing_measures(tier, kinds, rule)),
        )
        record.missing = intent.missing_items(facts)
        record.complete = not record.missing
        record.completed_at = now if record.complete else None
        records.append(record)
    with transaction.atomic():
        writes.bulk_create(records, actor=actor, reason=REASON)
        saved = writes.bulk_create(solicitations, actor=actor, reason=REASON) if solicitations else []
        if saved and saved[0].pk is None:
            ids = dict(
                ElderlySolicitation.objects.filter(policy_id__in=[s.policy_id for s in saved]).values_list(
                    "policy_id", "pk"
                )
            )
            for s in saved:
                s.pk = ids[s.policy_id]
        measures = [
            ElderlyMeasure(
                solicitation_id=s.pk,
                kind=kind,
                done_on=s.solicited_on,
                done_by=s.recorded_by or actor,
                call_answers={k: "はい" for k, _ in elderly.CALL_QUESTIONS}
                if kind == MeasureKind.CONFIRMATION_CALL
                else {},
                recording_ref=f"REC-{s.policy_id}" if kind == MeasureKind.RECORDING else "",
            )
            for s, kinds in zip(saved, planned, strict=True)
            for kind in kinds
        ]
        writes.bulk_create(measures, actor=actor, reason=REASON)
    result.intent_records += len(records)
    result.solicitations += len(solicitations)
    result.measures += len(measures)


def _renewals(
    rng: random.Random,
    as_of: dt.date,
    staff: dict[int, list[User]],
    rank: dict[int, int],
    actor: User,
    result: PracticeResult,
) -> None:
    """Expiries of the last year and the next 3 months: renewed ones early at the agency's rate,
    lapsed ones mostly contacted (some 更改漏れ), upcoming ones part way through their steps."""
    since = renewal.months_before(as_of, 12)
    until = renewal.months_before(as_of, -3)
    rule = renewal.RenewalRule()
    rows: list[RenewalProgress] = []
    policies = (
        Policy.objects.filter(
            agency__isnull=False, sales_channel=SalesChannel.AGENCY, expiry__gte=since, expiry__lte=until
        )
        .filter(renewal_progress__isnull=True)
        .order_by("id")
        .values_list("pk", "agency_id", "expiry", "next_policy")
    )
    for pk, agency_id, expiry, next_id in policies.iterator(chunk_size=CHUNK):
        people = staff.get(agency_id, [])
        start_due = renewal.months_before(expiry, rule.start_months)
        started = start_due + dt.timedelta(days=rng.randint(-10, 5))
        notice = started + dt.timedelta(days=rng.randint(0, 5))
        contact = notice + dt.timedelta(days=rng.randint(1, 12))
        progress = RenewalProgress(
            policy_id=pk,
            agency_id=agency_id,
            agent=rng.choice(people) if people else None,
            expiry=expiry,
            renewal_policy_id=next_id,
        )
        if expiry <= as_of:
            progress.started_on, progress.notice_sent_on = started, notice
            if next_id:
                early = rng.random() < _agency_rate(rank.get(agency_id, 0), 0.60, 0.90)
                days = rng.randint(rule.early_days, 55) if early else rng.randint(0, rule.early_days - 1)
                progress.first_contact_on = min(contact, expiry - dt.timedelta(days=days))
                progress.completed_on = expiry - dt.timedelta(days=days)
                progress.outcome = RenewalOutcome.RENEWED
                progress.reviewed_coverage = rng.random() < 0.3
            else:
                progress.outcome = RenewalOutcome.LAPSED if rng.random() < 0.8 else RenewalOutcome.CANCELLED
                progress.first_contact_on = None if rng.random() < 0.15 else contact
        else:
            progress.started_on = started if started <= as_of else None
            progress.notice_sent_on = notice if notice <= as_of and rng.random() < 0.9 else None
            progress.first_contact_on = (
                contact if progress.notice_sent_on and contact <= as_of and rng.random() < 0.8 else None
            )
            if progress.started_on is None:
                continue  # not started yet: the worklist shows it as 未着手
        rows.append(progress)
        if len(rows) >= CHUNK:
            writes.bulk_create(rows, actor=actor, reason=REASON)
            result.renewals += len(rows)
            rows = []
    writes.bulk_create(rows, actor=actor, reason=REASON)
    result.renewals += len(rows)


TOPICS = (
    "高齢者募集の留意点",
    "意向把握の記録方法",
    "比較推奨販売の説明",
    "事故受付の初動",
    "個人情報の取扱い",
    "苦情対応の振り返り",
)


def _training(
    rng: random.Random, as_of: dt.date, staff: dict[int, list[User]], actor: User, result: PracticeResult
) -> None:
    if TrainingSession.objects.exists():
        return
    for agency_id, people in staff.items():
        for month_back in range(0, 24, 2):
            day = renewal.months_before(as_of, month_back).replace(day=10)
            if day > as_of:
                continue
            session = TrainingSession(
                agency_id=agency_id,
                kind="quality_meeting" if month_back % 6 == 0 else "study",
                date=day,
                topic=rng.choice(TOPICS),
                created_by=people[0],
            )
            writes.save(session, actor=actor, reason=REASON)
            writes.bulk_create([Attendance(session=session, person=p) for p in people], actor=actor, reason=REASON)
            result.sessions += 1
            if month_back % 6 == 0:
                scores = []
                for person in people:
                    score = max(10, min(36, round(rng.gauss(28, 4))))
                    scores.append(
                        RolePlayScore(
                            agency_id=agency_id,
                            session=session,
                            person=person,
                            scored_on=day,
                            theme="満期更改の提案",
                            score=score,
                            max_score=36,
                            pass_mark=25,
                            passed=score >= 25,
                            evaluator=people[-1] if len(people) > 1 and person != people[-1] else actor,
                        )
                    )
                writes.bulk_create(scores, actor=actor, reason=REASON)
                result.scores += len(scores)
