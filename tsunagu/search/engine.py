"""Run a parsed query against the index: candidate customer ids with their tier, best first.

Order: tier (0 identifier, 1 full name, 2 name part, 3 partial), then `seq` descending (the most
recently changed customer first), which is unique, so both databases give the same order.

Two strategies, chosen by a static estimate of how many customers the rarest token matches:
- few candidates (a phone's last digits, a birth date, a long name): enumerate them all through
  that token's index sources, compute each one's tier with a CASE over the document row, sort.
- many candidates (a common 2-character surname, a short reading): per tier, read that tier's
  exact-key sources newest first and stop at LIMIT; then the rarest token's sources for tier 3.
Both return identical results; only their cost differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from .backends import Backend, Source, backend_for, term_source
from .query import TIER_FULL_NAME, TIER_IDENTIFIER, TIER_NAME_PART, TIER_PARTIAL, Boost, Interp, Kind, Op, ParsedQuery

# A token estimated to match fewer customers (per million) than this drives the "few" strategy.
FEW_CANDIDATES = 3000
# Hard cap on rows read per source in the "few" strategy; past it, fall back to tiers.
ENUMERATION_CAP = 5000


@dataclass(frozen=True)
class Hit:
    customer_id: int
    tier: int
    seq: int


@dataclass(frozen=True)
class Scope:
    """Extra SQL (referring to sd.customer_id) that limits candidates to what the user may see."""

    sql: str = ""
    params: tuple[Any, ...] = ()
    empty: bool = False


class _Sql:
    """Builds the shared WHERE pieces for one query."""

    def __init__(self, backend: Backend, query: ParsedQuery, scope: Scope) -> None:
        self.backend = backend
        self.query = query
        self.scope = scope

    def interp_check(self, interp: Interp) -> tuple[str, list[Any]]:
        if interp.kind == Kind.NAME_TEXT:
            return self.backend.contains("sd.names"), [interp.key]
        needle = f" {interp.kind}:{interp.key}" + (" " if interp.op == Op.EQ else "")
        return self.backend.contains("sd.keys"), [needle]

    def boost_check(self, boost: Boost) -> tuple[str, list[Any]]:
        return self.backend.contains("sd.keys"), [f" {boost.kind}:{boost.key} "]

    @staticmethod
    def any_of(parts: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
        if not parts:
            return "FALSE", []
        return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]

    def token_checks(self) -> tuple[str, list[Any]]:
        """Every token must match: an AND of (any interpretation matches)."""
        sqls, params = [], []
        for token in self.query.tokens:
            sql, p = self.any_of([self.interp_check(i) for i in token.interps])
            sqls.append(sql)
            params += p
        return " AND ".join(sqls), params

    def tier_case(self) -> tuple[str, list[Any]]:
        t0 = self.any_of([self.interp_check(i) for t in self.query.tokens for i in t.interps if i.tier == TIER_IDENTIFIER])
        t1 = self.any_of([self.boost_check(b) for b in self.query.all_boosts() if b.tier == TIER_FULL_NAME])
        t2 = self.any_of([self.boost_check(b) for b in self.query.all_boosts() if b.tier == TIER_NAME_PART])
        sql = f"CASE WHEN {t0[0]} THEN {TIER_IDENTIFIER} WHEN {t1[0]} THEN {TIER_FULL_NAME} WHEN {t2[0]} THEN {TIER_NAME_PART} ELSE {TIER_PARTIAL} END"
        return sql, t0[1] + t1[1] + t2[1]

    def select(
        self, source: Source, *, tier_sql: tuple[str, list[Any]], exclude: Sequence[int], limit: int, ordered: bool
    ) -> tuple[str, list[Any]]:
        checks, check_params = self.token_checks()
        where = [f"({source.where_sql})", checks]
        params: list[Any] = [*source.params, *check_params]
        if self.scope.sql:
            where.append(f"EXISTS ({self.scope.sql})")
            params += list(self.scope.params)
        if exclude:
            where.append(f"sd.customer_id NOT IN ({', '.join(['%s'] * len(exclude))})")
            params += list(exclude)
        order = f" ORDER BY {source.order_sql}" if ordered else ""
        sql = (
            f"SELECT sd.customer_id, sd.seq, {tier_sql[0]} FROM {source.from_sql} "
            f"WHERE {' AND '.join(where)}{order} LIMIT %s"
        )
        return sql, [*tier_sql[1], *params, limit]


def _source(backend: Backend, kind: str, op: Op, key: str) -> Source:
    if kind == Kind.NAME_TEXT:
        return backend.name_source(key)
    return term_source(kind, key, prefix=op == Op.PREFIX)


def _run(cursor: CursorWrapper, sql_params: tuple[str, list[Any]]) -> list[Hit]:
    cursor.execute(*sql_params)
    return [Hit(int(cid), int(tier), int(seq)) for cid, seq, tier in cursor.fetchall()]


def _sort(hits: dict[int, Hit]) -> list[Hit]:
    return sorted(hits.values(), key=lambda h: (h.tier, -h.seq))


def search(query: ParsedQuery, *, scope: Scope, limit: int) -> list[Hit]:
    """Up to `limit` hits, best first."""
    if scope.empty or not query.tokens:
        return []
    backend = backend_for(connection)
    sql = _Sql(backend, query, scope)
    driver = min(query.tokens, key=lambda t: t.cost)
    with connection.cursor() as cursor:
        if driver.cost <= FEW_CANDIDATES:
            hits = _enumerate(cursor, backend, sql, driver.interps)
            if hits is not None:
                return _sort(hits)[:limit]
        return _by_tier(cursor, backend, sql, driver.interps, limit)


def _enumerate(cursor: CursorWrapper, backend: Backend, sql: _Sql, interps: Sequence[Interp]) -> dict[int, Hit] | None:
    """All candidates of the driver token with their tiers, or None when there are too many."""
    hits: dict[int, Hit] = {}
    tier_sql = sql.tier_case()
    for interp in interps:
        source = _source(backend, interp.kind, interp.op, interp.key)
        rows = _run(cursor, sql.select(source, tier_sql=tier_sql, exclude=(), limit=ENUMERATION_CAP + 1, ordered=False))
        if len(rows) > ENUMERATION_CAP:
            return None
        for hit in rows:
            hits[hit.customer_id] = hit
    return hits


def _by_tier(
    cursor: CursorWrapper, backend: Backend, sql: _Sql, driver_interps: Sequence[Interp], limit: int
) -> list[Hit]:
    found: list[Hit] = []
    boosts = sql.query.all_boosts()
    plans: list[tuple[int, list[tuple[str, Op, str]]]] = [
        (
            TIER_IDENTIFIER,
            [(i.kind, i.op, i.key) for t in sql.query.tokens for i in t.interps if i.tier == TIER_IDENTIFIER],
        ),
        (TIER_FULL_NAME, [(b.kind, Op.EQ, b.key) for b in boosts if b.tier == TIER_FULL_NAME]),
        (TIER_NAME_PART, [(b.kind, Op.EQ, b.key) for b in boosts if b.tier == TIER_NAME_PART]),
        (TIER_PARTIAL, [(i.kind, i.op, i.key) for i in driver_interps]),
    ]
    for tier, sources in plans:
        need = limit - len(found)
        if need <= 0:
            break
        tier_hits: dict[int, Hit] = {}
        exclude = [h.customer_id for h in found]
        for kind, op, key in dict.fromkeys(sources):
            source = _source(backend, kind, op, key)
            statement = sql.select(source, tier_sql=(str(tier), []), exclude=exclude, limit=need, ordered=True)
            for hit in _run(cursor, statement):
                tier_hits.setdefault(hit.customer_id, hit)
        found += _sort(tier_hits)[:need]
    return found
