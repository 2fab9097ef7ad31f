"""Run a parsed query against the index: candidate customer ids with their tier, best first.

Order: tier (0 identifier, 1 full name, 2 name part, 3 partial), then `seq` descending (the most
recently changed customer first), which is unique, so both databases give the same order.

Two strategies; both return identical results, only their cost differs:
- few: tokens are counted in their index (cheapest static estimate first, each count capped); the
  first token with at most ENUMERATION_CAP rows drives: its candidates are enumerated, checked
  against the other tokens, given their tier with a CASE over the document row, and sorted.
- by tier: when every token is common, per tier read that tier's exact-key sources newest first
  and stop at LIMIT; then the sources of the token with the lowest static estimate for tier 3. A
  source too common to collect and sort (more than DENSE rows) is first read as a walk over the
  WINDOW newest documents, testing each; only if that window holds too few matches is the source
  itself read and sorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from .backends import Backend, Source, backend_for, dense_source, term_source
from .query import (
    TIER_FULL_NAME,
    TIER_IDENTIFIER,
    TIER_NAME_PART,
    TIER_PARTIAL,
    Boost,
    Interp,
    Kind,
    Op,
    ParsedQuery,
    Token,
)

# At most this many candidate rows are enumerated and ranked in full.
ENUMERATION_CAP = 300
# Above this many rows, a prefix or (PostgreSQL) name source is first tried as a newest-first walk
# over at most WINDOW documents.
DENSE = 2000
WINDOW = 5000


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


Step = tuple[str, list[Any]]


class _Planner:
    def __init__(self, cursor: CursorWrapper, backend: Backend, query: ParsedQuery, scope: Scope) -> None:
        self.cursor = cursor
        self.backend = backend
        self.query = query
        self.scope = scope
        # With one token and no scope, every source implies the match: no document row is needed.
        self.lean = len(query.tokens) == 1 and not scope.sql
        self._floor: int | None = None

    # --- checks on the document row ------------------------------------------------------------

    def interp_check(self, interp: Interp) -> Step:
        if interp.kind == Kind.NAME_TEXT:
            return self.backend.contains("sd.names"), [interp.key]
        needle = f" {interp.kind}:{interp.key}" + (" " if interp.op == Op.EQ else "")
        return self.backend.contains("sd.keys"), [needle]

    def boost_check(self, boost: Boost) -> Step:
        return self.backend.contains("sd.keys"), [f" {boost.kind}:{boost.key} "]

    @staticmethod
    def any_of(parts: list[Step]) -> Step:
        if not parts:
            return "FALSE", []
        return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]

    def token_checks(self) -> Step:
        """Every token must match: an AND of (any interpretation matches)."""
        steps = [self.any_of([self.interp_check(i) for i in t.interps]) for t in self.query.tokens]
        return " AND ".join(sql for sql, _ in steps), [p for _, params in steps for p in params]

    def tier_case(self) -> Step:
        boosts = self.query.all_boosts()
        t0 = self.any_of(
            [self.interp_check(i) for t in self.query.tokens for i in t.interps if i.tier == TIER_IDENTIFIER]
        )
        t1 = self.any_of([self.boost_check(b) for b in boosts if b.tier == TIER_FULL_NAME])
        t2 = self.any_of([self.boost_check(b) for b in boosts if b.tier == TIER_NAME_PART])
        sql = (
            f"CASE WHEN {t0[0]} THEN {TIER_IDENTIFIER} WHEN {t1[0]} THEN {TIER_FULL_NAME} "
            f"WHEN {t2[0]} THEN {TIER_NAME_PART} ELSE {TIER_PARTIAL} END"
        )
        return sql, t0[1] + t1[1] + t2[1]

    # --- sources ---------------------------------------------------------------------------------

    def source(self, kind: str, op: Op, key: str, *, lean: bool) -> Source:
        if kind == Kind.NAME_TEXT:
            return self.backend.name_source(key)
        return term_source(kind, key, prefix=op == Op.PREFIX, lean=lean)

    def count(self, interp: Interp, cap: int) -> int:
        """How many index rows the interpretation has, counting no further than cap + 1."""
        if interp.kind == Kind.NAME_TEXT:
            sql, params = self.backend.name_count_sql(interp.key)
        else:
            source = term_source(interp.kind, interp.key, prefix=interp.op == Op.PREFIX, lean=True)
            sql, params = f"SELECT 1 FROM {source.from_sql} WHERE {source.where_sql}", source.params
        self.cursor.execute(f"SELECT COUNT(*) FROM ({sql} LIMIT %s) c", [*params, cap + 1])
        return int(self.cursor.fetchone()[0])

    def count_token(self, token: Token, cap: int) -> int:
        rows = 0
        for interp in token.interps:
            rows += self.count(interp, cap - rows)
            if rows > cap:
                break
        return rows

    def sortless(self, interp: Interp) -> bool:
        """Whether the index yields this interpretation's rows newest first by itself."""
        return interp.op == Op.EQ or (interp.kind == Kind.NAME_TEXT and self.backend.ordered_name_index)

    def exact_source(self, interp: Interp) -> Source:
        return self.source(interp.kind, interp.op, interp.key, lean=self.lean)

    def walk_floor(self) -> int:
        """The seq above which the WINDOW newest documents lie (0: the walk covers every document)."""
        if self._floor is None:
            self.cursor.execute("SELECT seq FROM search_customerdoc ORDER BY seq DESC LIMIT 1 OFFSET %s", [WINDOW - 1])
            row = self.cursor.fetchone()
            self._floor = int(row[0]) if row else 0
        return self._floor

    def read_newest(self, interp: Interp, *, tier: int, exclude: Sequence[int], need: int) -> list[Hit]:
        tier_sql: Step = (str(tier), [])
        if not self.sortless(interp) and self.count(interp, DENSE) > DENSE:
            check, params = self.interp_check(interp)
            floor = self.walk_floor()
            walk = dense_source(check, tuple(params), min_seq=floor)
            hits = self.run(self.select(walk, tier_sql=tier_sql, exclude=exclude, limit=need, ordered=True))
            if len(hits) >= need or floor == 0:
                return hits
        source = self.exact_source(interp)
        return self.run(self.select(source, tier_sql=tier_sql, exclude=exclude, limit=need, ordered=True))

    # --- statements ------------------------------------------------------------------------------

    def select(self, source: Source, *, tier_sql: Step, exclude: Sequence[int], limit: int, ordered: bool) -> Step:
        where = [f"({source.where_sql})"]
        params: list[Any] = list(source.params)
        if not source.lean:
            checks, check_params = self.token_checks()
            where.append(checks)
            params += check_params
            if self.scope.sql:
                where.append(f"EXISTS ({self.scope.sql})")
                params += list(self.scope.params)
        if exclude:
            where.append(f"{source.id_sql} NOT IN ({', '.join(['%s'] * len(exclude))})")
            params += list(exclude)
        order = f" ORDER BY {source.order_sql}" if ordered else ""
        sql = (
            f"SELECT {source.id_sql}, {source.seq_sql}, {tier_sql[0]} FROM {source.from_sql} "
            f"WHERE {' AND '.join(where)}{order} LIMIT %s"
        )
        return sql, [*tier_sql[1], *params, limit]

    def run(self, step: Step) -> list[Hit]:
        self.cursor.execute(*step)
        return [Hit(int(cid), int(tier), int(seq)) for cid, seq, tier in self.cursor.fetchall()]

    # --- strategies ------------------------------------------------------------------------------

    def enumerate(self, interps: Sequence[Interp]) -> list[Hit]:
        hits: dict[int, Hit] = {}
        tier_sql = self.tier_case()
        for interp in interps:
            source = self.source(interp.kind, interp.op, interp.key, lean=False)
            for hit in self.run(self.select(source, tier_sql=tier_sql, exclude=(), limit=DENSE, ordered=False)):
                hits[hit.customer_id] = hit
        return _sort(hits)

    def by_tier(self, driver: Sequence[Interp], limit: int) -> list[Hit]:
        found: list[Hit] = []
        boosts = self.query.all_boosts()
        plans: list[tuple[int, list[Interp]]] = [
            (TIER_IDENTIFIER, [i for t in self.query.tokens for i in t.interps if i.tier == TIER_IDENTIFIER]),
            (TIER_FULL_NAME, [Interp(b.kind, Op.EQ, b.key) for b in boosts if b.tier == TIER_FULL_NAME]),
            (TIER_NAME_PART, [Interp(b.kind, Op.EQ, b.key) for b in boosts if b.tier == TIER_NAME_PART]),
            (TIER_PARTIAL, list(driver)),
        ]
        for tier, interps in plans:
            need = limit - len(found)
            if need <= 0:
                break
            tier_hits: dict[int, Hit] = {}
            exclude = [h.customer_id for h in found]
            for interp in dict.fromkeys(interps):
                for hit in self.read_newest(interp, tier=tier, exclude=exclude, need=need):
                    tier_hits.setdefault(hit.customer_id, hit)
            found += _sort(tier_hits)[:need]
        return found


def _sort(hits: dict[int, Hit]) -> list[Hit]:
    return sorted(hits.values(), key=lambda h: (h.tier, -h.seq))


def search(query: ParsedQuery, *, scope: Scope, limit: int) -> list[Hit]:
    """Up to `limit` hits, best first."""
    if scope.empty or not query.tokens:
        return []
    by_estimate = sorted(query.tokens, key=lambda t: t.cost)
    with connection.cursor() as cursor:
        planner = _Planner(cursor, backend_for(connection), query, scope)
        for token in by_estimate:
            if planner.count_token(token, ENUMERATION_CAP) <= ENUMERATION_CAP:
                return planner.enumerate(token.interps)[:limit]
        return planner.by_tier(by_estimate[0].interps, limit)
