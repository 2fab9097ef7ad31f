"""`manage.py kpi_rebuild [--fiscal-year YYYY ...]`: rebuild the KPI monthly counts the dashboards read
(default: the current fiscal year and the four before it). Run nightly (docs/deployment.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.context import request_context
from tsunagu.kpis import definitions, services


class Command(BaseCommand):
    help = "KPIの月次集計を記録から作り直します(既定: 今年度と過去4年度)。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fiscal-year", action="append", default=[], help="年度(西暦4桁、複数指定可)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            years = [definitions.parse_fiscal_year(y) for y in options["fiscal_year"]] or None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        started = time.perf_counter()
        with request_context(screen="コマンド:kpi_rebuild"):
            written = services.kpis_rebuild(actor=None, years=years)
        self.stdout.write(f"KPI月次集計 {written:,} 行を作り直しました({time.perf_counter() - started:.1f}秒)。")
