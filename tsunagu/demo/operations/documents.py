"""Issued documents of the demo year, made by the documents services themselves.

The case simulation (`cases.py`) stops each reissue case at the moment its document is issued
(本人確認 recorded, documents received, 対応中) and hands over an `Issue`. Here the real services run
at that moment — `documents.reissue.policy_reissue` (証券再発行) and
`documents.certificate_reissue.certificate_reissue` (控除証明書再発行) — with the clock set to it
(`django.utils.timezone.now` patched for the call), so the PDF, the Document row and its history,
the download link, the audit event and the case's moves to 発行待ち and 完了 are exactly what the
product writes, dated when they happened. A reissue the service refuses (e.g. no certificate can be
computed for that year, a character the font lacks) is withdrawn through `case_transition` with the
service's reason, as an operator would.

The monthly 契約内容のお知らせ batch (`documents.notices.run_contract_notices`) runs once for the
reference month, on its first business day, for the long-term contracts whose anniversary falls in
it (real PDFs and the agencies' mailing lists).

Only a few dozen documents per 10,000 customers are rendered one by one, plus one notice batch, so
the load stays in its speed class.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError

from tsunagu.cases.business_calendar import current_calendar
from tsunagu.cases.choices import CaseStatus, CaseType
from tsunagu.cases.models import Case
from tsunagu.cases.services import case_transition
from tsunagu.core.models import User

from .cases import JST, Issue

NOTICE_ACTOR = "policy_admin"


@contextmanager
def clock_at(local: dt.datetime) -> Iterator[None]:
    """`timezone.now()` (and so localdate(), auto_now, history dates) answers `local` (JST, naive)."""
    moment = (local - JST).replace(tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return "、".join(str(m) for m in error.messages)
    return str(error)


def _issue(issue: Issue) -> bool:
    from tsunagu.documents.certificate_reissue import certificate_reissue
    from tsunagu.documents.reissue import policy_reissue

    case = Case.objects.get(pk=issue.case_id)
    actor = User.objects.get(pk=issue.actor_id)
    with clock_at(issue.at):
        try:
            if issue.kind == CaseType.POLICY_REISSUE:
                policy_reissue(actor=actor, case=case, delivery_channel=issue.delivery_channel)
            else:
                assert issue.tax_year is not None
                certificate_reissue(
                    actor=actor, case=case, tax_year=issue.tax_year, delivery_channel=issue.delivery_channel
                )
            return True
        except (ValidationError, PermissionDenied) as error:
            case.refresh_from_db()
            if case.status not in (CaseStatus.COMPLETED, CaseStatus.WITHDRAWN):
                case_transition(
                    actor=actor,
                    case=case,
                    to=CaseStatus.WITHDRAWN,
                    resolution_summary=f"帳票を発行できないため、お客さまにご説明のうえ取り下げた({_message(error)})",
                )
            return False


def _notice_batch(as_of: dt.date) -> int:
    from tsunagu.documents.notices import run_contract_notices

    actor = User.objects.filter(username=NOTICE_ACTOR).first()
    if actor is None:
        return 0
    calendar = current_calendar()
    first = as_of.replace(day=1)
    day = first if calendar.is_business_day(first) else calendar.add_business_days(first, 1)
    if day >= as_of:
        return 0
    with clock_at(dt.datetime(day.year, day.month, day.day, 7, 30)):
        batch = run_contract_notices(actor=actor, month=first, issue_date=day)
    return int(batch.documents_issued)


def documents_load(*, issued: list[Issue], as_of: dt.date, counts: dict[str, int]) -> None:
    done = refused = 0
    for issue in sorted(issued, key=lambda i: (i.at, i.case_id)):
        if _issue(issue):
            done += 1
        else:
            refused += 1
    counts["documents_reissued"] = counts.get("documents_reissued", 0) + done
    counts["reissues_withdrawn"] = counts.get("reissues_withdrawn", 0) + refused
    counts["contract_notices"] = counts.get("contract_notices", 0) + _notice_batch(as_of)
