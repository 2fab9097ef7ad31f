"""Every write of the KPI pack: targets, the report's texts, publishing a version, the rebuild."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.core import permissions, writes
from tsunagu.core.audit import record_event
from tsunagu.core.choices import AuditAction
from tsunagu.core.input import text_problem
from tsunagu.core.models import Agency, User
from tsunagu.core.scoping import Reach, reach

from . import aggregates, definitions, selectors
from .definitions import FiscalYear
from .models import KpiReport, KpiReportVersion, KpiTarget, ReportStatus

MAX_TEXT = 4000


def _require_agency(actor: User, agency: Agency | None) -> None:
    """Agency staff act for their own agency only; the company's targets are head office's."""
    permissions.require(actor, permissions.KPIS_MANAGE)
    if reach(actor) is Reach.AGENCY and (agency is None or agency.pk != actor.agency_id):
        raise PermissionDenied("自店以外の目標・取組状況は変更できません。")


@dataclass
class TargetInput:
    kpi: str
    fiscal_year: int
    value: Decimal
    agency: Agency | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


def target_save(*, actor: User, data: TargetInput) -> KpiTarget:
    """Set (or change) the target of one KPI for an agency (or the company) and fiscal year."""
    _require_agency(actor, data.agency)
    if data.kpi not in definitions.REGISTRY:
        raise ValidationError({"kpi": f"KPI「{data.kpi}」は定義されていません。"})
    kpi = definitions.REGISTRY[data.kpi]
    fy = FiscalYear(data.fiscal_year)
    starts_on, ends_on = data.starts_on or fy.start, data.ends_on or fy.end
    if kpi.kind == definitions.RATE and not (0 <= data.value <= 100):
        raise ValidationError({"value": "率の目標は0〜100(%)で入力してください。"})
    if kpi.kind == definitions.NPS and not (-100 <= data.value <= 100):
        raise ValidationError({"value": "NPSの目標は-100〜100で入力してください。"})
    if kpi.kind == definitions.MEAN and not (0 <= data.value <= 10):
        raise ValidationError({"value": "点数の目標は0〜10で入力してください。"})
    if kpi.kind == definitions.COUNT and data.value < 0:
        raise ValidationError({"value": "件数の目標は0以上で入力してください。"})
    with transaction.atomic():
        row = (
            KpiTarget.objects.select_for_update()
            .filter(kpi=data.kpi, agency=data.agency, fiscal_year=data.fiscal_year)
            .first()
        )
        created = row is None
        if row is None:
            row = KpiTarget(kpi=data.kpi, agency=data.agency, fiscal_year=data.fiscal_year)
        old = row.value
        row.value, row.starts_on, row.ends_on, row.updated_by = data.value, starts_on, ends_on, actor
        writes.save(row, actor=actor, reason="" if created else "KPI目標の変更")
        who = data.agency.name if data.agency else "全社"
        record_event(
            actor=actor,
            action=AuditAction.KPI_TARGET_SAVE,
            target=row,
            summary=f"{fy.label} {who} の「{kpi.name}」の目標を {data.value} にした",
            data={"old": str(old) if old is not None else None, "new": str(data.value)},
        )
    return row


@dataclass
class ReportInput:
    principles: str
    measures: str
    comments: str


def _checked(data: ReportInput) -> ReportInput:
    errors: dict[str, str] = {}
    for name in ("principles", "measures", "comments"):
        value = getattr(data, name).strip()
        if len(value) > MAX_TEXT:
            errors[name] = f"{MAX_TEXT:,}文字以内で入力してください({len(value):,}文字)。"
        elif problem := text_problem(value):
            errors[name] = problem
    if errors:
        raise ValidationError(errors)
    return ReportInput(data.principles.strip(), data.measures.strip(), data.comments.strip())


def report_save(*, actor: User, agency: Agency, fiscal_year: int, data: ReportInput) -> KpiReport:
    """Edit the report's texts (a published report goes back to 作成中 until it is published again)."""
    _require_agency(actor, agency)
    data = _checked(data)
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().filter(agency=agency, fiscal_year=fiscal_year).first()
        created = report is None
        if report is None:
            report = KpiReport(agency=agency, fiscal_year=fiscal_year)
        report.principles, report.measures, report.comments = data.principles, data.measures, data.comments
        report.status = ReportStatus.DRAFT
        report.updated_by = actor
        writes.save(report, actor=actor, reason="" if created else "取組状況の編集")
        record_event(
            actor=actor,
            action=AuditAction.KPI_REPORT_SAVE,
            target=report,
            summary=f"{agency.name} {fiscal_year}年度の取組状況を編集した",
        )
    return report


def report_content(report: KpiReport) -> dict[str, Any]:
    """What a version freezes: the texts and the KPI table (target/result for four years)."""
    fy = FiscalYear(report.fiscal_year)
    scope = selectors.Scope("agency", report.agency.name, agency=report.agency, agency_ids=(report.agency_id,))
    years = selectors.report_years(fy)
    return {
        "title": "お客さま本位の業務運営に関する取組状況",
        "agency": {"code": report.agency.code, "name": report.agency.name},
        "fiscal_year": report.fiscal_year,
        "years": [y.year for y in years],
        "principles": report.principles,
        "measures": report.measures,
        "comments": report.comments,
        "table": selectors.yearly_table(scope, years),
    }


def report_publish(*, actor: User, agency: Agency, fiscal_year: int) -> KpiReportVersion:
    """Freeze the report as its next version (texts and the KPI table as they are now)."""
    _require_agency(actor, agency)
    with transaction.atomic():
        report = KpiReport.objects.select_for_update().filter(agency=agency, fiscal_year=fiscal_year).first()
        if report is None:
            raise ValidationError("公表する前に取組方針・取組・コメントを保存してください。")
        if not report.principles.strip():
            raise ValidationError({"principles": "取組方針を入力してから公表してください。"})
        number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = KpiReportVersion.objects.create(
            report=report,
            number=number,
            published_at=timezone.now(),
            published_by=actor,
            content=report_content(report),
        )
        report.status = ReportStatus.PUBLISHED
        report.updated_by = actor
        writes.save(report, actor=actor, reason=f"第{number}版を公表")
        record_event(
            actor=actor,
            action=AuditAction.KPI_REPORT_PUBLISH,
            target=report,
            summary=f"{agency.name} {fiscal_year}年度の取組状況 第{number}版を公表した",
            data={"version": number},
        )
    return version


def kpis_rebuild(*, actor: User | None, years: list[FiscalYear] | None = None) -> int:
    """Rebuild the monthly counts (the command, the nightly job and the dashboard's 再集計 button)."""
    if actor is not None and actor.is_active:
        permissions.require(actor, permissions.KPIS_MANAGE)
    return aggregates.rebuild(years)
