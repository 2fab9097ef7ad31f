"""Customer search: the one read that the search box, the search page and the API all call."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField, Count, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tsunagu.core import masking, normalize, scoping
from tsunagu.core.access_log import LIST_REPEAT_WINDOW, log_access
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import AccessLog, User
from tsunagu.customers.choices import CustomerKind
from tsunagu.customers.models import Address, Customer, Phone
from tsunagu.policies.choices import CLOSED_CLAIM_STATUSES
from tsunagu.policies.models import Claim, Policy

from . import engine
from .badges import badges_for
from .query import TIER_IDENTIFIER, TIER_LABELS, Interp, Kind, Op, ParsedQuery, QueryError, TokenClass, parse

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# A number prefix typed by agency staff is matched through at most this many of their own numbers.
MAX_VISIBLE_NUMBERS = 50

TOKEN_CLASS_LABELS = {
    TokenClass.EMAIL: "メールアドレス",
    TokenClass.DATE: "生年月日",
    TokenClass.POSTAL: "郵便番号",
    TokenClass.PHONE: "電話番号・証券番号",
    TokenClass.DIGITS: "番号の一部",
    TokenClass.IDENTIFIER: "証券番号・事故番号",
    TokenClass.KANA: "フリガナ",
    TokenClass.NAME: "氏名",
}


# The customer number as screens, worklists and CSVs show it (`Customer.number`: K + the id in 9 digits).
CUSTOMER_NUMBER_RE = re.compile(r"K(\d{9})")
CUSTOMER_NUMBER_LABEL = "顧客番号"


@dataclass(frozen=True)
class SearchRow:
    customer_id: int
    number: str
    name: str
    name_kana: str
    is_corporate: bool
    age: int | None
    is_elderly: bool
    phone_masked: str
    address_summary: str
    policy_count: int
    open_claim_count: int
    tier: int
    badges: tuple[str, ...]

    @property
    def match_label(self) -> str:
        return TIER_LABELS[self.tier]


@dataclass(frozen=True)
class SearchResults:
    query: str
    rows: list[SearchRow]
    has_more: bool
    understood_as: list[tuple[str, str]] = field(default_factory=list)  # (token, how it was read)


def _visible_numbers(user: User, interp: Interp) -> list[str]:
    """The user's own policy or claim numbers that `interp` (EQ or PREFIX on the number key) matches."""
    rows = Policy.objects if interp.kind == Kind.POLICY else Claim.objects
    numbers = rows.visible_to(user).order_by("number")  # type: ignore[attr-defined]
    if interp.op == Op.EQ:
        numbers = numbers.filter(number=interp.key)
    else:  # a range on the stored key (numbers are stored as identifier keys) keeps the B-tree
        numbers = numbers.filter(number__gte=interp.key, number__lt=interp.key + "\uffff")
    return list(numbers.values_list("number", flat=True)[:MAX_VISIBLE_NUMBERS])


def _masked_away(user: User, interp: Interp) -> bool:
    """Matching on a value the user sees masked would reveal it: such interpretations are dropped.
    A phone number's last 4 digits are shown to everyone, so those still match."""
    if interp.kind == Kind.PHONE or (interp.kind == Kind.PHONE_REVERSED and len(interp.key) > 4):
        return not masking.sees_full(user, "customer.phone")
    if interp.kind == Kind.EMAIL:
        return not masking.sees_full(user, "customer.email")
    if interp.kind == Kind.BIRTH_DATE:
        return not masking.sees_full(user, "customer.birth_date")
    return False


def _within_sight(user: User, parsed: ParsedQuery) -> ParsedQuery | None:
    """The query matching only what the user may see, or None when a token can match nothing.

    The index holds every policy and claim number of a customer. For agency (and branch) staff, a
    customer shared with another agency must not be found through that agency's numbers (the search would
    confirm a number they may not see), so number interpretations become exact matches on the
    agency's own numbers. Masked fields never match (see `_masked_away`).
    """
    agency_bound = scoping.sees_part(user)  # agency or branch staff
    tokens = []
    for token in parsed.tokens:
        interps: list[Interp] = []
        for interp in token.interps:
            if _masked_away(user, interp):
                continue
            if agency_bound and interp.kind in (Kind.POLICY, Kind.CLAIM):
                interps += [replace(interp, op=Op.EQ, key=n, cost=1) for n in _visible_numbers(user, interp)]
            else:
                interps.append(interp)
        if not interps:
            return None
        tokens.append(replace(token, interps=tuple(dict.fromkeys(interps))))
    return replace(parsed, tokens=tuple(tokens))


def _scope(user: User) -> engine.Scope:
    """Customer.objects.visible_to(user), compiled into a check on the candidate (sd.customer_id)."""
    visible = Customer.objects.visible_to(user)
    if visible.query.is_empty():
        return engine.Scope(empty=True)
    if not visible.query.where:
        return engine.Scope()
    candidate = RawSQL("sd.customer_id", (), output_field=BigIntegerField())
    sql, params = visible.filter(pk=candidate).order_by().values("pk").query.sql_with_params()
    return engine.Scope(sql=sql, params=tuple(params))


def _customer_number(parsed: ParsedQuery) -> int | None:
    """The customer id of a query that is one customer number (K000000723; full width and a lower-case
    k read the same), else None. The number is the id itself, so it is matched exactly, not indexed."""
    if len(parsed.tokens) != 1:
        return None
    match = CUSTOMER_NUMBER_RE.fullmatch(normalize.nfkc(parsed.tokens[0].text).strip().upper())
    return int(match[1]) if match and int(match[1]) else None


def _number_hit(user: User, customer_id: int) -> list[engine.Hit]:
    """The customer of an exact customer number, when the user may see them (the same scope as every
    other result: Customer.objects.visible_to) and they were not merged away."""
    visible = Customer.objects.visible_to(user).filter(pk=customer_id, merged_into__isnull=True).exists()
    return [engine.Hit(customer_id=customer_id, tier=TIER_IDENTIFIER, seq=0)] if visible else []


def _counts(user: User, ids: list[int]) -> dict[int, tuple[int, int]]:
    """(policies, open claims) per policyholder, counted over the policies the user may see.

    Claim.objects.visible_to is "claims of visible policies", so counting claims through the visible
    policies applies the same rule in one grouped query (its `policy IN (all visible policies)` form
    makes SQLite read every policy id when the user may see all of them).
    """
    rows = (
        Policy.objects.visible_to(user)
        .filter(policyholder_id__in=ids)
        .order_by()
        .values("policyholder_id")
        .annotate(
            policies=Count("id", distinct=True),
            open_claims=Count("claims", filter=~Q(claims__status__in=CLOSED_CLAIM_STATUSES)),
        )
    )
    return {r["policyholder_id"]: (r["policies"], r["open_claims"]) for r in rows}


def _first_per_customer(rows: list[tuple[int, str]]) -> dict[int, str]:
    first: dict[int, str] = {}
    for customer_id, value in rows:
        first.setdefault(customer_id, value)
    return first


def _rows(user: User, hits: list[engine.Hit]) -> list[SearchRow]:
    """Display rows in hit order. Plain value queries: this runs on every keystroke pause."""
    if not hits:
        return []
    ids = [h.customer_id for h in hits]
    customers = {
        pk: Customer(pk=pk, kind=kind, name=name, name_kana=kana, birth_date=birth)
        for pk, kind, name, kana, birth in Customer.objects.visible_to(user)
        .filter(pk__in=ids, merged_into__isnull=True)  # a merged-away customer is never listed
        .order_by()
        .values_list("id", "kind", "name", "name_kana", "birth_date")
    }
    phones = _first_per_customer(
        list(
            Phone.objects.filter(customer_id__in=ids).order_by("-is_primary", "id").values_list("customer_id", "number")
        )
    )
    addresses = {
        cid: f"{prefecture}{city}"
        for cid, prefecture, city in Address.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "is_primary", "-id")  # the last one per customer wins: primary, else first
        .values_list("customer_id", "prefecture", "city")
    }
    counts = _counts(user, ids)
    extra_badges = badges_for(user, ids)
    rows = []
    for hit in hits:
        c = customers.get(hit.customer_id)
        if c is None:  # the index is ahead of a concurrent delete, or outside scope: never shown
            continue
        policy_count, open_claims = counts.get(c.pk, (0, 0))
        badges = []
        if c.is_elderly:
            badges.append("高齢者")
        if open_claims:
            badges.append(f"事故対応中 {open_claims}件")
        badges.extend(extra_badges.get(c.pk, ()))
        rows.append(
            SearchRow(
                customer_id=c.pk,
                number=c.number,
                name=c.name,
                name_kana=c.name_kana,
                is_corporate=c.kind == CustomerKind.CORPORATE,
                age=c.age,
                is_elderly=c.is_elderly,
                # Result lists show only the last 4 digits to everyone: they are for picking a row.
                phone_masked=masking.mask_digits_keep_last(phones.get(c.pk, "")),
                address_summary=addresses.get(c.pk, ""),
                policy_count=policy_count,
                open_claim_count=open_claims,
                tier=hit.tier,
                badges=tuple(badges),
            )
        )
    return rows


def _log_search(user: User, ids: list[int], q: str, screen: str, window: dt.timedelta) -> int:
    """Log a search like `core.access_log.log_list` logs a list (docs/access-log.md § 一覧画面の記録),
    keeping the search's own record: purpose SEARCH, the query and every result id in `detail`, one
    row per customer returned, and a row without a customer when nothing was found.

    The first run of a query by this user on this screen within `window` is logged in full; running
    the same query again (a reload, the back button, the htmx table redrawn) logs only customers it
    had not returned before, usually none. Another query is another search and is always logged: the
    log keeps what was searched for. A zero window (the API) logs every call. Returns rows written."""
    screen = screen[:100]
    unseen = ids
    if window.total_seconds() > 0 and user is not None and user.is_authenticated:
        seen = set(
            AccessLog.objects.filter(
                user=user, at__gte=timezone.now() - window, screen=screen, purpose=AccessPurpose.SEARCH, detail__q=q
            ).values_list("customer_id", flat=True)
        )
        if seen:  # this query was logged within the window (a no-result run leaves a None here)
            unseen = [i for i in ids if i not in seen]
            if not unseen:
                return 0
    detail = {"q": q, "result_ids": ids}
    return log_access(user=user, customer_ids=unseen, purpose=AccessPurpose.SEARCH, screen=screen, detail=detail)


def search_customers(
    *,
    user: User,
    q: str | None,
    limit: int = DEFAULT_LIMIT,
    screen: str = "",
    log_window: dt.timedelta = LIST_REPEAT_WINDOW,
) -> SearchResults:
    """Ranked customers matching every token of `q` that the user may see; the search is logged
    (`_log_search`: a repeat of the same query within `log_window` adds no rows; the API passes
    `dt.timedelta(0)` and logs every call).

    Raises ValidationError (field "q", Japanese message) for empty, overlong or control-character input.
    """
    try:
        parsed = parse(q)
    except QueryError as error:
        raise ValidationError({"q": [str(error)]}) from None
    limit = max(1, min(int(limit), MAX_LIMIT))
    sighted = _within_sight(user, parsed)
    hits = [] if sighted is None else engine.search(sighted, scope=_scope(user), limit=limit + 1)
    understood_as = [(t.text, TOKEN_CLASS_LABELS[t.cls]) for t in parsed.tokens]
    if (number := _customer_number(parsed)) is not None:
        # A customer number: that customer first, then whatever else the text matches (a policy number).
        hits = [*_number_hit(user, number), *(h for h in hits if h.customer_id != number)]
        understood_as = [(parsed.tokens[0].text, CUSTOMER_NUMBER_LABEL)]
    rows = _rows(user, hits[:limit])
    ids = [r.customer_id for r in rows]
    _log_search(user, ids, parsed.text, screen, log_window)
    return SearchResults(
        query=parsed.text,
        rows=rows,
        has_more=len(hits) > limit,
        understood_as=understood_as,
    )
