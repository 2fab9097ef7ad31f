"""The 満期管理 worklist as a file (CSV, UTF-8 with BOM, or XLSX through documents.xlsx): one row per
expiring policy, by agency and 担当者, with each step's due date, date done and state, and the
overdue steps spelled out. Read through `selectors.renewal_worklist` (scoped) and logged there as an
export (one access-log row per customer on the list, one without a customer when it is empty)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone

from tsunagu.core import csv_export
from tsunagu.core.choices import AccessPurpose
from tsunagu.core.models import Agency, User
from tsunagu.documents.xlsx import xlsx

from . import renewal, selectors

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SCREEN = "満期管理のエクスポート"
# The steps' labels in their order, as renewal.steps names them.
STEP_LABELS = tuple(
    s.label for s in renewal.steps(expiry=dt.date(2001, 4, 1), today=dt.date(2000, 4, 1), rule=renewal.RenewalRule())
)
HEADER = (
    "代理店コード",
    "代理店名",
    "担当者",
    "証券番号",
    "契約者",
    "満期日",
    *(f"{label}{part}" for label in STEP_LABELS for part in ("期限", "実施日", "状態")),
    "期限超過の手順",
)


class BadFormat(ValueError):
    """An export format other than csv and xlsx (a Japanese message for the screen)."""


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def _ymd(day: dt.date | None) -> str:
    return f"{day:%Y/%m/%d}" if day is not None else ""


def _agent(row: selectors.RenewalRow) -> str:
    agent = row.progress.agent if row.progress is not None else None
    return (agent.display_name or agent.username) if agent is not None else ""


def export_row(row: selectors.RenewalRow) -> list[str]:
    policy = row.policy
    cells = [
        policy.agency.code if policy.agency else "",
        policy.agency.name if policy.agency else "",
        _agent(row),
        policy.number,
        policy.policyholder.name,
        _ymd(policy.expiry),
    ]
    for step in row.steps:
        cells += [_ymd(step.due), _ymd(step.done_on), step.status_label]
    cells.append("、".join(f"{s.label}({s.days_overdue}日)" for s in row.steps if s.status == "overdue"))
    return cells


def renewal_worklist_export(
    *, user: User, file_format: str, agency: Agency | None = None, agent: User | None = None, months: int = 3
) -> ExportFile:
    """The worklist of the filter as `file_format`, sorted by agency, 担当者 and expiry."""
    if file_format not in FORMATS:
        raise BadFormat(f"出力形式は csv か xlsx を指定してください(指定値: 「{file_format}」)。")
    today = timezone.localdate()
    owner = user.agency.code if user.agency is not None else (agency.code if agency is not None else "ALL")
    rows = selectors.renewal_worklist(
        user=user,
        agency=agency,
        agent=agent,
        months=months,
        today=today,
        screen=SCREEN,
        purpose=AccessPurpose.EXPORT,
        limit=selectors.EXPORT_LIMIT,
        detail={
            "format": file_format,
            "months": months,
            "agency": owner,
            "agent": agent.username if agent is not None else None,
        },
    )
    lines = [export_row(r) for r in rows]
    lines.sort(key=lambda cells: (cells[0], cells[2], cells[5], cells[3]))
    if file_format == "csv":
        out = io.StringIO()
        writer = csv_export.writer(out)
        writer.writerow(HEADER)
        writer.writerows(lines)
        content = out.getvalue().encode("utf-8-sig")
    else:
        content = xlsx([HEADER, *lines], sheet_name=f"満期管理{today:%Y-%m-%d}")
    return ExportFile(
        content=content,
        filename=f"renewals-{owner}-{today:%Y%m%d}.{file_format}",
        content_type=FORMATS[file_format],
        rows=len(lines),
    )
