"""Demo legal holds (リーガルホールド), through the services, so the auditor's retention screen shows
one: the customer of the demo's complaint that went to そんぽADR (held while the procedure runs), or,
in a book without one, a customer held for a lawsuit. Dates are relative to the demo date."""

from __future__ import annotations

import datetime as dt

from tsunagu.cases.models import Case
from tsunagu.compliance import retention_services as services
from tsunagu.core.models import User
from tsunagu.customers.models import Customer


def demo_holds_load(*, users: dict[str, User], as_of: dt.date) -> int:
    """Returns how many holds were placed."""
    auditor = users.get("auditor")
    if auditor is None:
        return 0
    adr_case = Case.objects.exclude(complaint__adr_stage="").filter(complaint__isnull=False).order_by("pk").first()
    if adr_case is not None:
        services.legal_hold_place(
            actor=auditor, customer=adr_case.customer, case=adr_case, kind="adr",
            reason="そんぽADRセンターの手続中。手続の終了まで記録を保全する。", starts_on=as_of - dt.timedelta(days=20),
        )  # fmt: skip
        return 1
    customer = Customer.objects.order_by("pk")[10:11].first()
    if customer is None:
        return 0
    services.legal_hold_place(
        actor=auditor, customer=customer, kind="lawsuit", reason="損害賠償請求訴訟の係属中(証拠保全)。",
        starts_on=as_of - dt.timedelta(days=45),
    )  # fmt: skip
    return 1
