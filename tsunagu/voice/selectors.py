"""Every read of the voice register, scoped with `visible_to(user)`; screens that show customers'
voices log them (`log_access` for one voice, `log_list` for lists)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from tsunagu.core.access_log import log_access, log_list
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import User
from tsunagu.customers.models import Customer
from tsunagu.customers.selectors import require_logged_read
from tsunagu.surveys.models import Response

from . import text
from .choices import ImprovementStatus, VoiceKind
from .models import Circulation, CirculationRead, Improvement, Voice, VoiceCategory, VoiceTerm, VoiceTermStat
from .services import month_start, next_month

PAGE_SIZE = 50
LIST_RELATED = ("category", "category__parent", "customer", "agency", "recorded_by")

# Similar voices (docs/voice.md § 類似の声): the query's rarest terms, their most recent postings.
SIMILAR_QUERY_TERMS = 8
SIMILAR_POSTINGS_PER_TERM = 2000
SIMILAR_CANDIDATES = 200
SIMILAR_MIN_SCORE = 0.15


@dataclass
class VoiceFilters:
    kind: str = ""
    category_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    agency_id: int | None = None
    channel: str = ""
    text: str = ""
    customer_id: int | None = None


def voice_queryset(*, user: User, filters: VoiceFilters) -> QuerySet[Voice]:
    queryset = Voice.objects.visible_to(user)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.category_id:
        queryset = queryset.filter(Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id))
    if filters.date_from:
        queryset = queryset.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(received_on__lte=filters.date_to)
    if filters.agency_id:
        queryset = queryset.filter(agency_id=filters.agency_id)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.customer_id:
        queryset = queryset.filter(customer_id=filters.customer_id)
    for word in filters.text.split():
        queryset = queryset.filter(text__contains=word)
    return queryset


def voice_page(*, user: User, filters: VoiceFilters, page: int, screen: str) -> Page[Voice]:
    queryset = voice_queryset(user=user, filters=filters).select_related(*LIST_RELATED).order_by("-received_on", "-id")
    result = Paginator(queryset, PAGE_SIZE).get_page(page)
    log_list(user=user, customer_ids=[v.customer_id for v in result.object_list if v.customer_id], screen=screen)
    return result


def voice_get(*, user: User, pk: int, screen: str) -> Voice:
    voice = (
        Voice.objects.visible_to(user)
        .select_related(*LIST_RELATED, "policy", "case", "complaint_case", "agent", "department", "survey_response")
        .filter(pk=pk)
        .first()
    )
    if voice is None:
        raise Http404("お客様の声が見つかりません。")
    if voice.customer_id:
        log_access(user=user, customer_ids=[voice.customer_id], purpose=AccessPurpose.VIEW, screen=screen)
    return voice


def customer_voices(*, user: User, customer: Customer, limit: int = 10) -> list[Voice]:
    """The customer's voices for the customer page, after its logged read (customer_get)."""
    require_logged_read(user=user, customer=customer)
    return list(
        Voice.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("category", "category__parent")
        .order_by("-received_on", "-id")[:limit]
    )


def active_categories() -> list[VoiceCategory]:
    return list(VoiceCategory.objects.filter(is_active=True).select_related("parent").order_by("order", "code"))


# --- similar voices (同一事例の検証) -----------------------------------------------------------


@dataclass(frozen=True)
class SimilarVoice:
    voice: Voice
    score: float
    shared: list[str]  # the words both voices use, rarest first


def similar_voices(
    *, user: User, words: str, exclude_pk: int | None = None, limit: int = 5, screen: str = ""
) -> list[SimilarVoice]:
    """Past voices ranked by TF-IDF cosine with `words` (text.cosine), among those the user may see.

    Candidates come from the inverted index: the postings of the query's SIMILAR_QUERY_TERMS rarest
    terms, each capped at its SIMILAR_POSTINGS_PER_TERM most recent voices; the best
    SIMILAR_CANDIDATES by partial score are then scored exactly from their stored terms.
    """
    query = text.term_counts(words)
    if not query:
        return []
    total = max(Voice.objects.count(), 1)
    dfs = dict(VoiceTermStat.objects.filter(term__in=list(query), df__gt=0).values_list("term", "df"))
    if not dfs:
        return []
    idfs = {t: text.idf(df, total) for t, df in dfs.items()}
    chosen = sorted(dfs, key=lambda t: (-idfs[t], t))[:SIMILAR_QUERY_TERMS]
    candidates = _candidates({term: query[term] * idfs[term] ** 2 for term in chosen}, exclude_pk)
    if not candidates:
        return []
    documents: dict[int, dict[str, int]] = defaultdict(dict)
    for voice_id, term, tf in VoiceTerm.objects.filter(voice_id__in=candidates).values_list("voice_id", "term", "tf"):
        documents[voice_id][term] = tf
    unseen = {t for doc in documents.values() for t in doc} - set(idfs)
    for term, df in VoiceTermStat.objects.filter(term__in=list(unseen)).values_list("term", "df"):
        idfs[term] = text.idf(df, total)
    scores = {voice_id: text.cosine(query, doc, idfs) for voice_id, doc in documents.items()}
    ranked = [v for v in sorted(scores, key=lambda v: (-scores[v], -v)) if scores[v] >= SIMILAR_MIN_SCORE]
    visible = {
        v.pk: v
        for v in Voice.objects.visible_to(user)
        .filter(pk__in=ranked[: limit * 10])
        .select_related("category", "category__parent", "complaint_case", "customer")
    }
    result = []
    for voice_id in ranked:
        if voice_id in visible:
            shared = sorted(set(query) & set(documents[voice_id]), key=lambda t: -idfs.get(t, 0))
            result.append(SimilarVoice(visible[voice_id], round(scores[voice_id], 3), shared[:6]))
        if len(result) == limit:
            break
    log_list(user=user, customer_ids=[s.voice.customer_id for s in result if s.voice.customer_id], screen=screen)
    return result


def _candidates(weights: dict[str, float], exclude_pk: int | None) -> list[int]:
    """The SIMILAR_CANDIDATES voices with the highest partial score Σ weight(term) × tf over the
    postings of the chosen terms (each capped at its SIMILAR_POSTINGS_PER_TERM most recent voices).
    Summed and ranked by the database in one statement (an index range per term on
    `voice_term_postings`), so only the candidates travel, not up to 16,000 postings."""
    table = connection.ops.quote_name(VoiceTerm._meta.db_table)
    # each term's capped range is a subquery in FROM: SQLite takes no ORDER BY/LIMIT on a UNION member
    postings = " UNION ALL ".join(
        f"SELECT * FROM (SELECT voice_id, tf * %s AS part FROM {table} WHERE term = %s "
        f"ORDER BY voice_id DESC LIMIT {SIMILAR_POSTINGS_PER_TERM}) AS t{index}"
        for index in range(len(weights))
    )
    params: list[Any] = [value for term, weight in weights.items() for value in (weight, term)]
    excluded = ""
    if exclude_pk is not None:
        excluded = "WHERE voice_id <> %s "
        params.append(exclude_pk)
    sql = (
        f"SELECT voice_id FROM ({postings}) AS postings {excluded}"
        f"GROUP BY voice_id ORDER BY SUM(part) DESC, voice_id DESC LIMIT {SIMILAR_CANDIDATES}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# --- proposals from surveys -------------------------------------------------------------------

PROPOSAL_NPS_MAX = 6
PROPOSAL_SATISFACTION_MAX = 5
PROPOSAL_SCAN = 500  # most recent low-score comments examined per request
PROPOSAL_DAYS = 180


@dataclass(frozen=True)
class Proposal:
    response: Response
    cues: list[str]


def proposals(*, user: User, screen: str, limit: int = 50) -> list[Proposal]:
    """Survey comments that express dissatisfaction (a detractor's NPS ≤ 6 or satisfaction ≤ 5, and
    negative words found by text.dissatisfaction_cues), not yet recorded as a voice."""
    since = timezone.localdate() - dt.timedelta(days=PROPOSAL_DAYS)
    responses = (
        Response.objects.visible_to(user)
        .filter(answered_on__gte=since, voice__isnull=True)
        .filter(Q(nps__lte=PROPOSAL_NPS_MAX) | Q(satisfaction__lte=PROPOSAL_SATISFACTION_MAX))
        .exclude(comment="")
        .select_related("customer", "survey", "agency")
        .order_by("-answered_on", "-id")[:PROPOSAL_SCAN]
    )
    found = []
    for response in responses:
        cues = text.dissatisfaction_cues(response.comment)
        if cues:
            found.append(Proposal(response, cues))
        if len(found) == limit:
            break
    log_list(user=user, customer_ids=[p.response.customer_id for p in found], screen=screen)
    return found


def proposal_get(*, user: User, pk: int, screen: str) -> Response:
    response = (
        Response.objects.visible_to(user)
        .filter(pk=pk, voice__isnull=True)
        .select_related("customer", "policy", "case", "survey")
        .first()
    )
    if response is None or not response.comment:
        raise Http404("提案されたアンケート回答が見つかりません(すでに記録済みの可能性があります)。")
    log_access(user=user, customer_ids=[response.customer_id], purpose=AccessPurpose.VIEW, screen=screen)
    return response


# --- 回覧 --------------------------------------------------------------------------------------


def _own_circulations(user: User) -> QuerySet[Circulation]:
    queryset = Circulation.objects.visible_to(user)
    if user.agency_id:
        return queryset.filter(agency_id=user.agency_id)
    return queryset.filter(agency__isnull=True)


@dataclass
class CirculationRow:
    circulation: Circulation
    voice_count: int
    read_count: int
    read_by_me: bool


def circulation_rows(*, user: User, months: int = 12) -> list[CirculationRow]:
    since = month_start(timezone.localdate())
    for _ in range(months - 1):
        since = month_start(since - dt.timedelta(days=1))
    rows = (
        _own_circulations(user)
        .filter(month__gte=since)
        .select_related("agency", "department")
        .annotate(voice_count=Count("voices", distinct=True), read_count=Count("reads", distinct=True))
        .order_by("-month", "id")
    )
    mine = set(CirculationRead.objects.filter(user=user).values_list("circulation_id", flat=True))
    return [CirculationRow(c, c.voice_count, c.read_count, c.pk in mine) for c in rows]  # type: ignore[attr-defined]


def unread_circulations(*, user: User) -> list[Circulation]:
    """The user's organisation's circulations of the last three months not yet read by the user."""
    since = month_start(month_start(timezone.localdate()) - dt.timedelta(days=62))
    return list(
        _own_circulations(user)
        .filter(month__gte=since)
        .exclude(reads__user=user)
        .select_related("agency", "department")
        .order_by("-month")
    )


@dataclass
class CirculationDetail:
    circulation: Circulation
    voices: list[Voice]
    reads: list[CirculationRead]
    read_by_me: CirculationRead | None
    unread_members: list[User] = field(default_factory=list)


def circulation_get(*, user: User, pk: int, screen: str) -> CirculationDetail:
    circulation = _own_circulations(user).select_related("agency", "department", "created_by").filter(pk=pk).first()
    if circulation is None:
        raise Http404("回覧が見つかりません。")
    voices = list(
        circulation.voices.visible_to(user)  # type: ignore[attr-defined]
        .select_related("category", "category__parent", "customer", "complaint_case")
        .order_by("kind", "received_on", "id")
    )
    reads = list(circulation.reads.select_related("user").order_by("read_at"))
    readers = {r.user_id for r in reads}
    if circulation.agency_id:
        members = User.objects.filter(agency_id=circulation.agency_id, is_active=True)
    else:
        members = User.objects.filter(department_id=circulation.department_id, is_active=True)
    log_list(user=user, customer_ids=[v.customer_id for v in voices if v.customer_id], screen=screen)
    return CirculationDetail(
        circulation=circulation,
        voices=voices,
        reads=reads,
        read_by_me=next((r for r in reads if r.user_id == user.pk), None),
        unread_members=[m for m in members.order_by("username") if m.pk not in readers],
    )


# --- improvements -----------------------------------------------------------------------------


def improvement_list(*, user: User, status: str = "") -> list[Improvement]:
    queryset = Improvement.objects.visible_to(user).select_related("owner", "agency", "department")
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset.annotate(voice_count=Count("voices")).order_by("-planned_on", "-id"))


def improvement_get(*, user: User, pk: int, screen: str) -> tuple[Improvement, list[Voice]]:
    improvement = (
        Improvement.objects.visible_to(user).select_related("owner", "agency", "department").filter(pk=pk).first()
    )
    if improvement is None:
        raise Http404("改善が見つかりません。")
    voices = list(
        improvement.voices.visible_to(user)  # type: ignore[attr-defined]
        .select_related("category", "category__parent", "customer")
        .order_by("-received_on")
    )
    log_list(user=user, customer_ids=[v.customer_id for v in voices if v.customer_id], screen=screen)
    return improvement, voices


# --- counts against last year and keyword trends ----------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def last_year(self) -> Period:
        return Period(_years_back(self.start), _years_back(self.end))

    @property
    def label(self) -> str:
        return f"{self.start:%Y/%m/%d}〜{self.end:%Y/%m/%d}"


def _years_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def half_year_of(day: dt.date) -> Period:
    """The fiscal half-year (上期 April–September, 下期 October–March) the day falls in."""
    if 4 <= day.month <= 9:
        return Period(dt.date(day.year, 4, 1), dt.date(day.year, 9, 30))
    start_year = day.year if day.month >= 10 else day.year - 1
    return Period(dt.date(start_year, 10, 1), dt.date(start_year + 1, 3, 31))


@dataclass
class CountRow:
    label: str
    this: int
    last: int

    @property
    def change(self) -> int:
        return self.this - self.last


def _kind_counts(user: User, period: Period, agency_id: int | None) -> dict[str, int]:
    queryset = Voice.objects.visible_to(user).filter(received_on__range=(period.start, period.end))
    if agency_id:
        queryset = queryset.filter(agency_id=agency_id)
    return dict(queryset.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))


def _improvements_done(user: User, period: Period, agency_id: int | None, kind: str | None = None) -> int:
    queryset = Improvement.objects.visible_to(user).filter(
        status=ImprovementStatus.DONE, completed_on__range=(period.start, period.end)
    )
    if agency_id:
        queryset = queryset.filter(agency_id=agency_id)
    if kind:
        queryset = queryset.filter(voices__kind=kind)
    return queryset.distinct().count()


def counts_report(*, user: User, period: Period, agency_id: int | None = None) -> dict[str, Any]:
    """Voices by kind and improvements completed in the period, against the same period a year
    earlier: the seed reports' 「不満の声からの改善 16件、前年 25件」."""
    last = period.last_year()
    this_counts, last_counts = _kind_counts(user, period, agency_id), _kind_counts(user, last, agency_id)
    rows = [CountRow(label, this_counts.get(kind, 0), last_counts.get(kind, 0)) for kind, label in VoiceKind.choices]
    rows.append(CountRow("合計", sum(r.this for r in rows), sum(r.last for r in rows)))
    improvements = [
        CountRow(
            "不満の声からの改善",
            _improvements_done(user, period, agency_id, VoiceKind.DISSATISFACTION),
            _improvements_done(user, last, agency_id, VoiceKind.DISSATISFACTION),
        ),
        CountRow(
            "改善(すべて)", _improvements_done(user, period, agency_id), _improvements_done(user, last, agency_id)
        ),
    ]
    return {"period": period, "last_period": last, "rows": rows, "improvements": improvements}


@dataclass
class TrendRow:
    term: str
    counts: list[int]  # voices using the term, per month
    total: int


def keyword_trends(
    *, user: User, kind: str, start: dt.date, months: int, agency_id: int | None = None, top: int = 15
) -> dict[str, Any]:
    """The words most used in the kind's voices over the months, with their monthly counts."""
    start = month_start(start)
    month_list = [start]
    for _ in range(months - 1):
        month_list.append(next_month(month_list[-1]))
    voices = Voice.objects.visible_to(user).filter(received_on__gte=start, received_on__lt=next_month(month_list[-1]))
    if kind:
        voices = voices.filter(kind=kind)
    if agency_id:
        voices = voices.filter(agency_id=agency_id)
    rows = (
        VoiceTerm.objects.filter(voice__in=voices)
        .annotate(month=TruncMonth("voice__received_on"))
        .order_by()
        .values_list("term", "month")
        .annotate(n=Count("voice_id"))
    )
    table: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for term, month, n in rows:
        month_day = month.date() if isinstance(month, dt.datetime) else month
        table[term][month_day] = n
    totals = sorted(table, key=lambda t: (-sum(table[t].values()), t))[:top]
    trend = [TrendRow(t, [table[t].get(m, 0) for m in month_list], sum(table[t].values())) for t in totals]
    return {"months": month_list, "rows": trend, "voice_count": voices.count()}
