"""Demo surveys: the six surveys an insurer runs (事故対応, 更改, 新規契約, 案件完了, 解約, 定期), and
answers for about 35% of the closed claims, renewals and closed cases of the demo's two years.

Everything goes through the product's write paths: surveys through `survey_create`, answers through
`responses_record` (so the dashboard's aggregates and the follow-ups follow), one call per survey
and channel. Each answered event first gets the invitation that was sent for it (status 送付済; the
write path marks it 回答済), and about as many sent invitations stay unanswered, so the response rate
reads like a real one (~50%).

Scores are drawn around a target NPS per survey, line and agency (auto claims +30…+60, fire and other
claims +40…+70, each agency a fixed few points above or below), satisfaction follows the NPS answer
(mean ≈ 8.5–9.0), driver ratings follow both, and comments are put together from sentence pools per
score band and survey, so that detractors' words read differently from promoters'.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.core import writes
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES, ClaimStatus, LineOfBusiness, PolicyStatus
from tsunagu.policies.models import Claim, Policy
from tsunagu.surveys.answers import QuestionSpec
from tsunagu.surveys.choices import Channel, InvitationStatus, QuestionKind, SurveyPurpose, TriggerEvent
from tsunagu.surveys.models import Invitation, Survey, SurveyVersion
from tsunagu.surveys.services.definitions import survey_create
from tsunagu.surveys.services.responses import ResponseInput, responses_record

YEARS = 2  # answers over the demo's last two years
ANSWER_SHARE = 0.35  # of the events, answered (the default of a survey)
SENT_SHARE = 0.70  # of the events, a survey was sent (the rest: suppressed or not sampled)
CHANNELS = ((Channel.WEB, 0.6), (Channel.POST, 0.3), (Channel.PHONE, 0.1))
RELATIONAL_SAMPLE = 0.04  # of the customers, asked once a year

Q = QuestionSpec
NPS_TEXT = "{}を、ご家族やご友人にすすめたいと思いますか(0〜10)"


def _common(subject: str, drivers: Iterable[tuple[str, str]], extra: tuple[QuestionSpec, ...] = ()) -> tuple:
    return (
        Q("nps", QuestionKind.NPS, NPS_TEXT.format(subject), required=True),
        Q("satisfaction", QuestionKind.SCALE, f"{subject}全体の満足度をお聞かせください(0〜10)"),
        *(Q(code, QuestionKind.RATING, text, is_driver=True) for code, text in drivers),
        *extra,
        Q("comment", QuestionKind.TEXT, "ご意見・ご感想をご自由にお書きください"),
        Q("contact", QuestionKind.CONSENT, "ご回答について担当者からご連絡してもよろしいですか"),
    )


IMPRESSION = ("良い", "普通", "悪い")
CANCEL_REASONS = ("保険料が高い", "補償内容が合わない", "他社の保険に切り替えた", "車両の売却・転居", "その他")


@dataclass(frozen=True)
class SurveyDef:
    code: str
    name: str
    purpose: str
    event: str
    questions: tuple[QuestionSpec, ...]
    target: int  # the NPS answers are drawn around (before line and agency)
    intro: str = ""
    answered: float = ANSWER_SHARE  # of the events, answered


SURVEYS: tuple[SurveyDef, ...] = (
    SurveyDef(
        "claim",
        "事故対応アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CLAIM_CLOSED,
        _common(
            "当社の事故対応",
            (
                ("clarity", "補償内容やお支払いの流れの説明はわかりやすかったですか(1〜5)"),
                ("speed", "対応の早さはいかがでしたか(1〜5)"),
                ("updates", "進み具合のご連絡は十分でしたか(1〜5)"),
                ("attitude", "担当者の対応・態度はいかがでしたか(1〜5)"),
                ("ease", "お手続きは簡単でしたか(1〜5)"),
            ),
            (Q("impression", QuestionKind.CHOICE, "事故対応全体の印象", choices=IMPRESSION),),
        ),
        45,
        "このたびは事故のご連絡をいただき、ありがとうございました。対応の品質向上のため、ご意見をお聞かせください。",
    ),
    SurveyDef(
        "renewal",
        "更改手続アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.RENEWAL_DONE,
        _common(
            "当社と代理店",
            (
                ("clarity", "補償内容や保険料の変更点の説明はわかりやすかったですか(1〜5)"),
                ("ease", "更改のお手続きは簡単でしたか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        38,
    ),
    SurveyDef(
        "new_contract",
        "ご契約手続アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.NEW_CONTRACT,
        _common(
            "当社と代理店",
            (
                ("clarity", "補償内容の説明はわかりやすかったですか(1〜5)"),
                ("ease", "お申込みの手続きは簡単でしたか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        42,
        answered=0.12,  # every first contract is an event: a lighter sample keeps the mix realistic
    ),
    SurveyDef(
        "case",
        "お問い合わせ・お手続き対応アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CASE_CLOSED,
        _common(
            "当社の窓口",
            (
                ("speed", "対応の早さはいかがでしたか(1〜5)"),
                ("clarity", "ご案内はわかりやすかったですか(1〜5)"),
                ("attitude", "担当者の対応はいかがでしたか(1〜5)"),
            ),
        ),
        32,
    ),
    SurveyDef(
        "cancellation",
        "ご解約時アンケート",
        SurveyPurpose.TRANSACTIONAL,
        TriggerEvent.CANCELLATION_COMPLETED,
        _common(
            "当社",
            (("ease", "解約のお手続きは簡単でしたか(1〜5)"),),
            (Q("reason", QuestionKind.CHOICE, "ご解約の主な理由", choices=CANCEL_REASONS),),
        ),
        -5,
    ),
    SurveyDef(
        "relational",
        "お客様満足度調査(年次)",
        SurveyPurpose.RELATIONAL,
        TriggerEvent.RELATIONAL_YEARLY,
        _common(
            "当社と代理店",
            (
                ("attitude", "代理店の日頃の対応はいかがですか(1〜5)"),
                ("updates", "ご契約内容や満期のご案内は十分ですか(1〜5)"),
            ),
        ),
        28,
    ),
)

# Claims: the line moves the target (auto claims are the hardest to please).
LINE_OFFSET: dict[str, int] = {
    LineOfBusiness.AUTO: 0,
    LineOfBusiness.FIRE: 12,
    LineOfBusiness.EARTHQUAKE: 8,
    LineOfBusiness.PERSONAL_ACCIDENT: 14,
    LineOfBusiness.LIABILITY: 10,
    LineOfBusiness.OTHER: 12,
}
AGENCY_SPREAD = 12  # an agency's NPS sits up to this many points above or below the others'

# --- comments: sentence pools per band, combined --------------------------------------------------

COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "promoter": {
        "claim": (
            "事故の直後で動揺していましたが、最初のお電話で落ち着いて対応していただき安心しました。",
            "修理工場の手配から支払いまでスムーズで、ほとんど手間がかかりませんでした。",
            "担当の方が毎回こまめに進捗を連絡してくださり、不安なく待つことができました。",
            "保険金のお支払いが思っていたより早く、とても助かりました。",
            "相手方とのやり取りをすべてお任せでき、本当に心強かったです。",
            "代理店の方が事故現場まで駆けつけてくださり、感謝しています。",
        ),
        "general": (
            "説明が丁寧でわかりやすかったです。",
            "いつも親身に相談に乗っていただき、ありがとうございます。",
            "手続きが簡単で、すぐに終わりました。",
            "今後もぜひお願いしたいと思います。",
            "知人にも紹介したいと思います。",
        ),
    },
    "passive": {
        "claim": (
            "対応には概ね満足していますが、支払いまでもう少し早いとありがたかったです。",
            "担当者の方は丁寧でしたが、書類が多く少し大変でした。",
            "途中で担当の方が変わり、同じ説明を二度することになりました。",
        ),
        "general": (
            "特に不満はありませんが、説明がやや専門的でわかりにくい部分がありました。",
            "電話がつながるまで少し時間がかかりました。",
            "おおむね満足しています。",
            "Webで手続きできるともっと便利だと思います。",
        ),
    },
    "detractor": {
        "claim": (
            "事故の連絡をしてから折り返しの電話まで時間がかかり、とても不安でした。",
            "進捗の連絡がなく、こちらから何度も問い合わせなければなりませんでした。",
            "過失割合の説明に納得がいきませんでした。",
            "支払いまでに時間がかかりすぎだと思います。",
            "担当者によって言うことが違い、不信感を持ちました。",
        ),
        "cancellation": (
            "更新のたびに保険料が上がり、見直すことにしました。",
            "他社のほうが補償の割に保険料が安かったため切り替えました。",
        ),
        "general": (
            "説明がわかりにくく、結局どうなるのかよくわかりませんでした。",
            "担当者の言葉遣いが事務的で、冷たい印象を受けました。",
            "書類の不備を何度も指摘され、手続きに時間がかかりました。",
            "電話がなかなかつながらず困りました。",
            "もう少しこちらの事情を聞いてほしかったです。",
        ),
    },
}
COMMENT_SHARE = {"promoter": 0.35, "passive": 0.3, "detractor": 0.6}


@dataclass
class SurveysResult:
    surveys_created: int = 0
    invitations: int = 0
    responses: int = 0
    by_survey: dict[str, int] = field(default_factory=dict)
    claim_nps: int | None = None  # the demo's headline 事故対応NPS (all claims answered)
    seconds: float = 0.0


@dataclass(frozen=True)
class Occasion:
    """One event a survey is about."""

    customer_id: int
    day: dt.date
    policy_id: int | None = None
    claim_id: int | None = None
    case_id: int | None = None
    line: str = ""
    agency_id: int | None = None


@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    occasion: Occasion
    answered: bool
    answered_on: dt.date


class _Draw:
    def __init__(self, seed: str) -> None:
        self.rng = random.Random(seed)
        self.agency_offsets: dict[int | None, float] = {}

    def agency_offset(self, agency_id: int | None) -> float:
        if agency_id not in self.agency_offsets:
            # seeded by the agency itself: the same agency reads the same in every survey
            self.agency_offsets[agency_id] = random.Random(f"agency:{agency_id}").uniform(-AGENCY_SPREAD, AGENCY_SPREAD)
        return self.agency_offsets[agency_id]

    def nps(self, target: float) -> int:
        """An answer 0–10 from a population whose NPS is `target` and a quarter of it passive."""
        share = max(min(target / 100, 0.75), -0.75)
        promoters, detractors = (0.75 + share) / 2, (0.75 - share) / 2
        roll = self.rng.random()
        if roll < promoters:
            return 10 if self.rng.random() < 0.55 else 9
        if roll < promoters + detractors:
            return self.rng.choices((0, 1, 2, 3, 4, 5, 6), weights=(2, 1, 2, 4, 6, 12, 16))[0]
        return 8 if self.rng.random() < 0.55 else 7

    def satisfaction(self, nps: int) -> int:
        if nps >= 9:
            return self.rng.choices((8, 9, 10), weights=(1, 4, 5))[0]
        if nps >= 7:
            return self.rng.choices((7, 8, 9, 10), weights=(2, 5, 4, 1))[0]
        return max(0, min(10, nps + self.rng.choice((0, 1, 1, 2, 2, 3))))

    def rating(self, nps: int) -> int:
        if nps >= 9:
            return self.rng.choices((3, 4, 5), weights=(1, 4, 6))[0]
        if nps >= 7:
            return self.rng.choices((2, 3, 4, 5), weights=(1, 4, 6, 2))[0]
        return self.rng.choices((1, 2, 3, 4), weights=(3, 5, 4, 1))[0]

    def comment(self, band: str, survey: str) -> str:
        if self.rng.random() >= COMMENT_SHARE[band]:
            return ""
        pools = COMMENTS[band]
        specific = pools.get(survey, ())
        sentences = list(specific) if specific and self.rng.random() < 0.7 else list(pools["general"])
        picked = self.rng.sample(sentences, k=min(len(sentences), self.rng.choice((1, 1, 2))))
        return "".join(picked)

    def channel(self) -> str:
        return self.rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS])[0]

    def answers(self, definition: SurveyDef, target: float) -> dict[str, Any]:
        nps = self.nps(target)
        band = "promoter" if nps >= 9 else "passive" if nps >= 7 else "detractor"
        answers: dict[str, Any] = {"nps": nps}
        for question in definition.questions:
            if question.code == "satisfaction" and self.rng.random() < 0.95:
                answers["satisfaction"] = self.satisfaction(nps)
            elif question.kind == QuestionKind.RATING and self.rng.random() < 0.9:
                answers[question.code] = self.rating(nps)
            elif question.code == "impression":
                answers["impression"] = IMPRESSION[0 if band == "promoter" else 1 if band == "passive" else 2]
            elif question.code == "reason":
                answers["reason"] = self.rng.choices(CANCEL_REASONS, weights=(5, 2, 4, 3, 1))[0]
            elif question.kind == QuestionKind.CONSENT:
                answers["contact"] = self.rng.random() < (0.5 if band == "detractor" else 0.2)
        comment = self.comment(band, definition.code)
        if comment:
            answers["comment"] = comment
        return answers


def _ensure_surveys(owner: User) -> tuple[dict[str, SurveyVersion], int]:
    versions: dict[str, SurveyVersion] = {}
    created = 0
    for definition in SURVEYS:
        survey = Survey.objects.filter(code=definition.code).first()
        if survey is None:
            survey = survey_create(
                actor=owner,
                code=definition.code,
                name=definition.name,
                purpose=definition.purpose,
                questions=definition.questions,
                intro=definition.intro,
            )
            created += 1
        versions[definition.code] = survey.versions.get(is_current=True)
    return versions, created


def _occasions(first_customer_id: int, start: dt.date, as_of: dt.date) -> dict[str, list[Occasion]]:
    """The events of the customers this load added, in the window, per survey code."""
    ours_policies = Policy.objects.filter(policyholder_id__gte=first_customer_id)
    claims = [
        Occasion(c.policy.policyholder_id, c.closed_on, c.policy_id, c.pk, None, c.policy.line, c.policy.agency_id)
        for c in Claim.objects.filter(
            policy__policyholder_id__gte=first_customer_id,
            status__in=[s for s in CLOSED_CLAIM_STATUSES if s != ClaimStatus.WITHDRAWN],
            closed_on__gte=start,
            closed_on__lte=as_of,
        ).select_related("policy")
    ]
    policy_fields = ("policyholder_id", "pk", "line", "agency_id")

    def from_policies(rows: Iterable[tuple[Any, ...]]) -> list[Occasion]:
        return [Occasion(holder, day, pk, None, None, line, agency) for holder, pk, line, agency, day in rows]

    renewals = from_policies(
        ours_policies.filter(previous_policy__isnull=False, inception__gte=start, inception__lte=as_of).values_list(
            *policy_fields, "inception"
        )
    )
    new_contracts = from_policies(
        ours_policies.filter(
            previous_policy__isnull=True, contract_date__gte=start, contract_date__lte=as_of
        ).values_list(*policy_fields, "contract_date")
    )
    cancellations = from_policies(
        ours_policies.filter(
            status=PolicyStatus.CANCELLED, cancellation_date__gte=start, cancellation_date__lte=as_of
        ).values_list(*policy_fields, "cancellation_date")
    )
    cases = [
        Occasion(customer, timezone.localdate(closed_at), policy, None, pk, line or "", agency)
        for customer, pk, policy, line, agency, closed_at in Case.objects.filter(
            customer_id__gte=first_customer_id,
            status=CaseStatus.COMPLETED,
            closed_at__date__gte=start,
            closed_at__date__lte=as_of,
        )
        .exclude(case_type__in=[CaseType.COMPLAINT, CaseType.ACCIDENT])  # complaints: never; accidents: the claim's
        .values_list("customer_id", "pk", "policy_id", "policy__line", "policy__agency_id", "closed_at")
    ]
    return {
        "claim": claims,
        "renewal": renewals,
        "new_contract": new_contracts,
        "case": cases,
        "cancellation": cancellations,
    }


def _relational(draw: _Draw, first_customer_id: int, start: dt.date, as_of: dt.date) -> list[Occasion]:
    """A yearly sample of customers (each year's survey month: October)."""
    occasions = []
    customers = list(Customer.objects.filter(id__gte=first_customer_id).order_by("id").values_list("id", flat=True))
    for year in range(start.year, as_of.year + 1):
        day = dt.date(year, 10, 15)
        if not start <= day <= as_of:
            continue
        for customer_id in customers:
            if draw.rng.random() < RELATIONAL_SAMPLE:
                occasions.append(Occasion(customer_id, day))
    return occasions


def demo_surveys_load(*, seed: int, as_of: dt.date, existing_customers: int, owner: User, actor: User) -> SurveysResult:
    """Surveys (once, made by `owner`: お客様相談室) and the answers of the customers this load added
    (entered by `actor`, the system user the demo writes as)."""
    started = time.perf_counter()
    result = SurveysResult()
    with transaction.atomic():
        versions, result.surveys_created = _ensure_surveys(owner)
    first = Customer.objects.order_by("id").values_list("id", flat=True)[existing_customers : existing_customers + 1]
    if not first:
        return result
    start = as_of.replace(year=as_of.year - YEARS) + dt.timedelta(days=1)
    draw = _Draw(f"tsunagu-demo-surveys:{seed}:{existing_customers}")
    occasions = _occasions(first[0], start, as_of)
    occasions["relational"] = _relational(draw, first[0], start, as_of)
    customers = Customer.objects.in_bulk(
        {o.customer_id for group in occasions.values() for o in group}, field_name="pk"
    )
    policies = Policy.objects.in_bulk({o.policy_id for group in occasions.values() for o in group if o.policy_id})
    claims = Claim.objects.in_bulk({o.claim_id for o in occasions["claim"]})
    cases = Case.objects.in_bulk({o.case_id for o in occasions["case"] if o.case_id})
    claim_scores: list[int] = []
    for definition in SURVEYS:
        version = versions[definition.code]
        sent: list[Sent] = []
        for occasion in occasions[definition.code]:
            roll = draw.rng.random()
            mailed_on = occasion.day + dt.timedelta(days=7)
            if roll >= SENT_SHARE or mailed_on > as_of:
                continue  # not sent (suppressed, sampled out) or not yet: the demo leaves no row
            channel = draw.channel()
            answered_on = mailed_on + dt.timedelta(days=draw.rng.randint(1, 20))
            invitation = Invitation(
                version=version,
                event=definition.event,
                event_date=occasion.day,
                customer_id=occasion.customer_id,
                policy_id=occasion.policy_id,
                claim_id=occasion.claim_id,
                case_id=occasion.case_id,
                agency_id=occasion.agency_id,
                channel=channel,
                status=InvitationStatus.SENT,
                scheduled_for=mailed_on,
                sent_at=timezone.make_aware(dt.datetime.combine(mailed_on, dt.time(10))),
                expires_on=mailed_on + dt.timedelta(days=30),
            )
            sent.append(Sent(invitation, occasion, roll < definition.answered and answered_on <= as_of, answered_on))
        by_channel: dict[str, list[ResponseInput]] = {}
        with transaction.atomic():
            writes.bulk_create([s.invitation for s in sent], actor=actor, reason="デモデータ投入")
            for item in sent:
                if not item.answered:
                    continue
                occasion = item.occasion
                target = definition.target + draw.agency_offset(occasion.agency_id)
                if definition.code == "claim":
                    target += LINE_OFFSET.get(occasion.line, 10)
                answers = draw.answers(definition, target)
                if definition.code == "claim":
                    claim_scores.append(answers["nps"])
                by_channel.setdefault(item.invitation.channel, []).append(
                    ResponseInput(
                        customer=customers[occasion.customer_id],
                        answers=answers,
                        answered_on=item.answered_on,
                        policy=policies.get(occasion.policy_id) if occasion.policy_id else None,
                        claim=claims.get(occasion.claim_id) if occasion.claim_id else None,
                        case=cases.get(occasion.case_id) if occasion.case_id else None,
                        invitation=item.invitation,
                    )
                )
            for channel, rows in by_channel.items():
                recorded = responses_record(actor=actor, version=version, channel=channel, rows=rows)
                result.responses += len(recorded)
                result.by_survey[definition.code] = result.by_survey.get(definition.code, 0) + len(recorded)
        result.invitations += len(sent)
    if claim_scores:
        promoters = sum(1 for s in claim_scores if s >= 9)
        detractors = sum(1 for s in claim_scores if s <= 6)
        result.claim_nps = round(100 * (promoters - detractors) / len(claim_scores))
    result.seconds = time.perf_counter() - started
    return result
