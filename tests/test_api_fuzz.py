"""API fuzzing: Schemathesis over the OpenAPI schema, every operation with every persona.

For each operation of the schema (read at test time from the API itself, so a new endpoint is fuzzed
without editing this file) and each persona (HQ operator, agency A staff, agency B staff, data
steward, anonymous), Schemathesis generates valid and invalid requests and calls the WSGI
application in-process with the persona's API token. For every response:

- no server error (5xx): bad input is a Japanese 400/422, a missing row a 404, never a 500;
- nothing out of scope: anonymous callers never get a 2xx; agency staff never get a 2xx body holding
  another agency's markers (customer name, kana and number, policy number, case number) or its
  customer and policy ids, a search for those markers finds nothing (no oracle), and no request of
  theirs changes the other agency's cases (a write is caught even when the scoped answer is a 404).

Random ids rarely hit a row, so requests are aimed at a seeded world (two agencies, a customer both
serve, a candidate pair, a merge, an import batch): fixed well-formed requests at every row first,
then generated ones whose ids, search words and choice fields are sometimes replaced by the world's,
and for POSTs templated bodies that get past the schema into the services' own checks.

Each request runs in a savepoint rolled back afterwards, so every example starts from the same world
(built once per module) and the run is deterministic and bounded (`derandomize=True`, fixed example
counts). Work queued with `transaction.on_commit` (PDFs, mail) therefore never runs here.
The planted-defect tests at the end prove that each check fails when its defect is present.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup, ServerError

from tests.api_fuzz_world import World, build_world
from tests.conftest import IMMEDIATE_TASKS
from tests.core.helpers import FAST_HASHERS
from tsunagu.cases.choices import CaseChannel, CaseStatus, CaseType, Priority
from tsunagu.cases.workflow import SUB_TYPES
from tsunagu.config.api import api
from tsunagu.config.wsgi import application

# The schema as the API generates it (the served /api/openapi.json may sit behind a login).
SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
SCHEMA.app = application
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]

PERSONAS = ("anonymous", "hq_operator", "agency_a_staff", "agency_b_staff", "steward")
# Random examples per operation and persona, on top of the aimed ones: 12 operations x 5 personas x
# this stays well under two minutes on SQLite. TSUNAGU_FUZZ_EXAMPLES raises it for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("TSUNAGU_FUZZ_EXAMPLES", "12"))

# Operations whose fuzzing currently finds a defect owned by another part of the code: the test is
# an expected failure (strict, so it turns red once the defect is fixed and the entry must go).
KNOWN_DEFECTS: dict[str, str] = {}

# (operation, persona, status) -> responses: what the run reached, for the assertions below and the report.
STATUSES: Counter[tuple[str, str, int]] = Counter()


def operation_id(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at its end; each test
    (and each request) then runs in a savepoint inside it, so every one sees the same world."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS, TASKS=IMMEDIATE_TASKS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- calling the application ------------------------------------------------------------------------


@contextlib.contextmanager
def in_process_requests() -> Iterator[None]:
    """Keep the test's connection across requests, as Django's test client does: the WSGI handler
    would otherwise close it at the end of each request (and with it the test transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _headers(world: World, persona: str) -> dict[str, str]:
    if persona == "anonymous":
        return {}
    return {"Authorization": f"Bearer {world.tokens[persona]}"}


def _strings(value: Any, *, skip: tuple[str, ...] = ()) -> Iterator[str]:
    """Every string (keys and values) in a decoded JSON body, except under the top-level `skip` keys
    (the search echoes its query, which is the caller's own input, not data)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in skip:
                continue
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _id_fields(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)):
                yield from _id_fields(item)
            else:
                yield str(key), item
    elif isinstance(value, list):
        for item in value:
            yield from _id_fields(item)


def scope_problem(persona: str, world: World, status: int, content: bytes, query: Any = None) -> str | None:
    """Why this response is out of scope for `persona`, or None. `query` is the request's query."""
    if not 200 <= status < 300:
        return None
    if persona == "anonymous":
        return f"anonymous caller got {status}"
    if persona not in ("agency_a_staff", "agency_b_staff"):
        return None  # head office sees every agency
    other = "B" if persona == "agency_a_staff" else "A"
    try:
        body = json.loads(content)
    except ValueError:
        body = content.decode("utf-8", "replace")
    leaked = sorted({m for m in world.markers[other] for s in _strings(body, skip=("query",)) if m in s})
    if leaked:
        return f"{persona} got {status} with agency {other}'s {leaked}"
    # A body made of ids only (a case created for the other agency's customer) carries no marker.
    private = world.private_ids(other)
    ids = sorted({(k, v) for k, v in _id_fields(body) if v in private.get(k, ())})
    if ids:
        return f"{persona} got {status} with agency {other}'s {ids}"
    # No oracle: a search for what only the other agency may see (its customer's name or number,
    # its policy or case number) finds nothing, not even a customer both agencies serve.
    words = str((query or {}).get("q", "")) if isinstance(query, dict) else ""
    searched = [m for m in world.markers[other] if m in words]
    if searched and isinstance(body, dict) and body.get("results"):
        return f"{persona} searched agency {other}'s {searched} and got {len(body['results'])} result(s)"
    return None


def call_and_check(case: Any, persona: str, world: World) -> None:
    """One request in a rolled-back savepoint: not a server error, nothing out of scope."""
    cache.clear()  # the API-token throttle counts per address in the cache; every example starts fresh
    other = {"agency_a_staff": "B", "agency_b_staff": "A"}.get(persona)
    with transaction.atomic():
        before = world.fingerprint(other) if other else None
        response = case.call(headers=_headers(world, persona))
        STATUSES[(operation_id(case.operation), persona, response.status_code)] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
            problem = scope_problem(persona, world, response.status_code, response.content, case.query)
            if problem is None and other and world.fingerprint(other) != before:
                problem = f"{persona} changed agency {other}'s cases ({response.status_code})"
            assert problem is None, f"{problem}\n{case.as_curl_command(headers=_headers(world, persona))}"
        finally:
            transaction.set_rollback(True)


# --- aiming requests at the seeded world ------------------------------------------------------------

# Values the services accept (the schema types these fields as free strings), so that aimed requests
# get past validation into the scoping and the writes, and a few that they must refuse cleanly.
KNOWN_VALUES: dict[str, list[Any]] = {
    "case_type": [*CaseType.values, "unknown"],
    "channel": [*CaseChannel.values, "fax"],
    "priority": [*Priority.values, "x"],
    "to": [*CaseStatus.values, "nowhere"],
    "status": [*CaseStatus.values, "nowhere", ""],
    "decision": ["link", "not_link", "maybe"],
    "sub_type": sorted({code for kinds in SUB_TYPES.values() for code, _ in kinds} | {"unknown"}),
    "subject": ["住所変更のご依頼", " ", "ａ" * 300],
    "reason": ["同一人物と確認", ""],
    "note": ["電話で確認", ""],
    "expected_version": [1, 2, 3],
    "extra": [
        {},
        {"category": "abc"},
        {"category": [1]},
        {"effective_date": 12345},
        {"new_values": "abc"},
        {"effective_date": "2026-07-01", "new_values": {"address": "東京都"}},
        {"occurred_at": "2026-06-01T10:00:00", "place": "東京都"},
    ],
}


# Any JSON value, and strings the services parse (dates, codes), for the templated bodies below.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=5,
)
PLAUSIBLE = st.sampled_from(
    ["2026-07-01", "2026-02-30", "2026-06-01T10:00:00+09:00", "12345", "abc", "", "東京都", "auto", "対人", "address"]
)
EXTRA_KEYS = [
    "new_values", "effective_date", "premium_difference", "question", "answer", "category", "customer_request",
    "reason", "reason_text", "competitor", "occurred_at", "place", "accident_type", "explained_on", "apologized",
    "adr_referred_on",
]  # fmt: skip
NEW_VALUE_KEYS = [
    "postal_code", "prefecture", "city", "street", "name", "name_kana", "payment_method", "payment_frequency",
    "reason", "description", "model_name", "registration_number",
]  # fmt: skip


@st.composite
def templated_case(draw: Any, operation: Any, world: World) -> Any:
    """A well-formed request body at one of the world's rows, with some fields replaced by accepted
    codes, plausible strings or any JSON: it gets past the schema into the services' own checks
    (a case's per-type `extra` above all), which purely generated bodies rarely reach."""
    target = draw(st.sampled_from(list(world.rows.values())))
    body = _aimed_body(operation, target, world)
    for key in list(body):
        choices = [st.just(body[key]), JSON_VALUES]
        if key in KNOWN_VALUES:
            choices.append(st.sampled_from(KNOWN_VALUES[key]))
        if key in world.ids:
            choices.append(st.sampled_from(world.ids[key]))
        body[key] = draw(st.one_of(choices), label=key)
    if operation.path == "/api/cases/":
        new_values = st.dictionaries(st.sampled_from(NEW_VALUE_KEYS), PLAUSIBLE | JSON_VALUES, max_size=4)
        body["extra"] = draw(
            st.dictionaries(st.sampled_from(EXTRA_KEYS), PLAUSIBLE | JSON_VALUES | new_values, max_size=4),
            label="extra",
        )
    path = {p.name: draw(st.sampled_from(world.ids[p.name]), label=p.name) for p in operation.path_parameters}
    return operation.Case(path_parameters=path, body=body, media_type="application/json")


def _aim_mapping(values: dict[str, Any], data: st.DataObject, world: World, where: str) -> None:
    for key in list(values):
        if key in world.ids:
            choices: list[Any] = world.ids[key]
        elif key == "q":
            choices = world.search_words
        elif key in KNOWN_VALUES:
            choices = KNOWN_VALUES[key]
        else:
            continue
        if data.draw(st.booleans(), label=f"aim {where} {key}"):
            values[key] = data.draw(st.sampled_from(choices), label=f"{where} {key}")


def aim(case: Any, data: st.DataObject, world: World) -> Any:
    """Replace some ids, search words and choice fields of a generated request by the world's
    (drawn from hypothesis, so derandomization and shrinking still apply)."""
    for where in ("path_parameters", "query", "body"):
        values = getattr(case, where)
        if isinstance(values, dict):
            _aim_mapping(values, data, world, where)
    return case


def aimed_cases(operation: Any, world: World) -> list[Any]:
    """Well-formed requests at each agency's rows (own and the other's, the shared customer's) and at
    the identity rows, so out-of-scope access is attempted on every operation, not left to chance."""
    path_names = {p.name for p in operation.path_parameters}
    query_names = {p.name for p in operation.query}
    cases = []
    for target in world.rows.values():
        path = {name: target.get(name, world.ids.get(name, [0])[0]) for name in path_names}
        query: dict[str, Any] | None = None
        if "customer_id" in query_names:
            query = {"customer_id": target["customer_id"], "open_only": False}
        cases.append(operation.Case(path_parameters=path, query=query, body=_aimed_body(operation, target, world)))
    if "q" in query_names:
        cases += [operation.Case(query={"q": word}) for word in world.search_words]
    return cases


def _aimed_body(operation: Any, target: dict[str, int], world: World) -> Any:
    if operation.method.upper() != "POST":
        return NOT_SET
    path = operation.path
    if path == "/api/cases/":
        return {
            "case_type": "inquiry",
            "sub_type": "contract",
            "channel": "phone",
            "customer_id": target["customer_id"],
            "policy_id": target["policy_id"],
            "subject": "契約内容の確認",
        }
    if path.endswith("/transition/"):
        return {"to": "in_progress", "expected_version": 1, "note": "対応を開始"}
    if path.endswith("/decision/"):
        return {"decision": "link", "note": "確認済み", "survivor_id": target["customer_id"]}
    if path == "/api/identity/merges/":
        absorbed = world.rows["shared_A"]["customer_id"]
        if absorbed == target["customer_id"]:
            absorbed = world.rows["A"]["customer_id"]
        return {"survivor_id": target["customer_id"], "absorbed_id": absorbed, "reason": "同一人物と確認"}
    if path.endswith("/unmerge/"):
        return {"reason": "誤統合のため"}
    return {}


# --- the tests --------------------------------------------------------------------------------------


def _params() -> list[Any]:
    params = []
    for operation in OPERATIONS:
        label = operation_id(operation)
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[label])] if label in KNOWN_DEFECTS else []
        params.append(pytest.param(operation, id=label, marks=marks))
    return params


def test_the_schema_has_the_operations_we_fuzz():
    labels = {operation_id(op) for op in OPERATIONS}
    assert {"GET /api/customers/search", "POST /api/cases/", "GET /api/cases/{case_id}/"} <= labels
    assert len(OPERATIONS) >= 12


def _fuzz(operation: Any, persona: str, world: World) -> None:
    for case in aimed_cases(operation, world):
        call_and_check(case, persona, world)

    strategies = [
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    ]
    if operation.method.upper() == "POST":
        strategies.append(templated_case(operation, world))
    strategy = st.one_of(strategies)

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        # The world is shared on purpose (rolled back per request); generation may be slow or filtered.
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def fuzz(case: Any, data: st.DataObject) -> None:
        call_and_check(aim(case, data, world), persona, world)

    fuzz()


@pytest.mark.django_db
@pytest.mark.parametrize("operation", _params())
def test_fuzz_operation_with_every_persona(operation, world):
    label = operation_id(operation)
    failures: dict[str, str] = {}
    with in_process_requests():
        for persona in PERSONAS:
            try:
                _fuzz(operation, persona, world)
            except (Exception, BaseExceptionGroup) as error:  # every persona's failure, reported together
                failures[persona] = f"{type(error).__name__}: {error}"
    reached = {p: {st_: n for (op, pp, st_), n in STATUSES.items() if op == label and pp == p} for p in PERSONAS}
    print(label, {p: dict(sorted(c.items())) for p, c in reached.items()})  # shown with -s
    assert not failures, "\n\n".join(f"[{persona}] {text}" for persona, text in failures.items())
    # The run must reach the application, not stop at authentication: every token is accepted
    # somewhere, and every read returns data to at least one persona.
    for persona in PERSONAS[1:]:
        assert set(reached[persona]) - {401}, f"{persona}'s token was never accepted on {label}"
    if operation.method.upper() == "GET":
        assert any(200 <= code < 300 for codes in reached.values() for code in codes), f"no 2xx on {label}"


# --- the fuzz itself must bite: a planted leak and a planted crash are found -------------------------


def _operation(label: str) -> Any:
    return next(op for op in OPERATIONS if operation_id(op) == label)


@pytest.mark.django_db
def test_the_fuzz_finds_a_planted_scope_leak(world, monkeypatch):
    """Without scoping on the case read, agency B's fuzz run fails with agency A's case number."""
    from tsunagu.cases import selectors
    from tsunagu.cases.models import Case

    monkeypatch.setattr(selectors, "case_get", lambda *, user, pk, **kw: Case.objects.get(pk=pk))
    with in_process_requests(), pytest.raises(AssertionError, match="agency_b_staff got 200 with agency A's"):
        _fuzz(_operation("GET /api/cases/{case_id}/"), "agency_b_staff", world)


@pytest.mark.django_db
def test_the_fuzz_finds_a_planted_server_error(world, monkeypatch):
    from tsunagu.search import api as search_api

    real = search_api.search_customers

    def crash(**kwargs: Any) -> Any:
        # Only for what the generator makes up, so the random examples (not the aimed ones) find it.
        if kwargs["q"] not in ("", *world.search_words):
            raise RuntimeError("planted")
        return real(**kwargs)

    monkeypatch.setattr(search_api, "search_customers", crash)
    with in_process_requests(), pytest.raises(FailureGroup) as found:
        _fuzz(_operation("GET /api/customers/search"), "hq_operator", world)
    assert any(isinstance(error, ServerError) for error in found.value.exceptions)


@pytest.mark.django_db
def test_the_fuzz_finds_a_planted_search_oracle(world, monkeypatch):
    """Matching on every customer's numbers and only then keeping the visible customers (issue 10,
    item 7) shows agency B nothing of A's, yet answers whether A's policy number exists."""
    import dataclasses

    from tsunagu.core.models import User
    from tsunagu.customers.models import Customer
    from tsunagu.search import api as search_api

    real = search_api.search_customers
    head_office = User.objects.get(username="hq_operator")

    def oracle(*, user: Any, **kwargs: Any) -> Any:
        found = real(user=head_office, **kwargs)
        visible = set(Customer.objects.visible_to(user).values_list("pk", flat=True))
        return dataclasses.replace(found, rows=[row for row in found.rows if row.customer_id in visible])

    monkeypatch.setattr(search_api, "search_customers", oracle)
    with in_process_requests(), pytest.raises(AssertionError, match="agency_b_staff searched agency A's"):
        _fuzz(_operation("GET /api/customers/search"), "agency_b_staff", world)


@pytest.mark.django_db
def test_the_fuzz_finds_a_planted_write_out_of_scope(world, monkeypatch):
    """Without scoping, agency B opens a case for agency A's customer; the response, scoped again,
    may show nothing, but the write itself is found."""
    from tsunagu.customers.models import Customer
    from tsunagu.policies.models import Policy

    for model in (Customer, Policy):
        monkeypatch.setattr(model.objects, "visible_to", lambda user, model=model: model.objects.all(), raising=False)
    with (
        in_process_requests(),
        pytest.raises(AssertionError, match=r"agency_b_staff (got 201 with|changed) agency A's"),
    ):
        _fuzz(_operation("POST /api/cases/"), "agency_b_staff", world)
