"""A year of cases for the demo: every type, with timelines, assignees, documents and outcomes.

Each case is simulated step by step the way the services move it (`cases.services`): the same
transitions (checked against `workflow.check_transition`), SLA due dates from the business calendar,
pauses while waiting for the customer (the due date extended by the business days waited), documents
received or 不備 with a follow-up task, handoffs, type panels and the same timeline wording. The
simulation stops at the reference date (`as_of`): what happens later is not written, so recent cases
are open, some overdue; a few cases are "forgotten" after their first steps (overdue, as in real life).

Rows are written with the demo's bulk writer (`writer.BulkWriter`: executemany / COPY) with explicit
ids, the "+" history row of every history-tracked row and, for cases that changed after intake, a
"~" history row of their final state by the last acting user. `Case.version` counts the changes that
the services bump, and the case numbering sequence is moved past the numbers used, so the app carries
on with demo cases (tests advance one through the services).

Reissues are simulated up to the moment the document is issued; `documents.documents_load` then
issues them through the real documents services at that moment (PDF, Document row, case → 完了).

The package, by concern: `records` (the records passed around), `refs` (reference data read once),
`tables` (the columns written), `texts`, `simulation` (`Sim`: one case), `generator` (`CaseGenerator`)
with one `flows_*` module per case type (functions taking the generator), `customers` (reading the
customers of a load; rates per type), `writer` (bulk inserts with history) and `load` (the entry points
`demo_operations_load` and `demo_cases_load`).
"""

from .customers import CustomerFacts, _page, _rates, _simulate
from .generator import CaseGenerator
from .load import OperationsResult, demo_cases_load, demo_operations_load
from .records import JST, ClaimInfo, Generated, Issue, PolicyInfo, Stop
from .refs import Refs, _refs
from .simulation import Sim

__all__ = [
    "JST",
    "CaseGenerator",
    "ClaimInfo",
    "CustomerFacts",
    "Generated",
    "Issue",
    "OperationsResult",
    "PolicyInfo",
    "Refs",
    "Sim",
    "Stop",
    "_page",
    "_rates",
    "_refs",
    "_simulate",
    "demo_cases_load",
    "demo_operations_load",
]
