"""`manage.py agency_kpis --fiscal-year YYYY [--agency CODE] [--json]`: the KPI pack for a fiscal year
(April–March), computed from the records now (not from the monthly counts), for the whole company
(agency null) and every agency, or one agency.

JSON: a list of {"agency", "kpi", "value", "numerator", "denominator", "target"}; the definitions are
in docs/kpis.md. Bad arguments: a Japanese message on stderr and exit status 2 (never a traceback).
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.context import request_context
from tsunagu.core.models import Agency
from tsunagu.kpis import definitions, selectors


def _japanese_error(parser: CommandParser) -> None:
    def error(message: str) -> NoReturn:
        sys.stderr.write(f"エラー: 引数が正しくありません({message})。\n")
        sys.stderr.write("使い方: manage.py agency_kpis --fiscal-year 2025 [--agency 代理店コード] [--json]\n")
        sys.exit(2)

    parser.error = error  # type: ignore[method-assign]


class Command(BaseCommand):
    help = (
        "年度(4月〜翌3月)のKPI(対面募集率・早期更改率・代理店事故受付窓口割合・事故対応NPS など)を"
        "記録から計算して出力します。"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _japanese_error(parser)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fiscal-year", default="", help="年度(西暦4桁。2025 = 2025/04/01〜2026/03/31)")
        parser.add_argument("--agency", default="", help="代理店コード(省略時は全社と全代理店)")
        parser.add_argument("--json", action="store_true", help="JSONで出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            fy = definitions.parse_fiscal_year(options["fiscal_year"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        code = (options["agency"] or "").strip()
        agency = None
        if code:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                raise CommandError(f"代理店コード「{code[:40]}」の代理店は登録されていません。")
        with request_context(screen="コマンド:agency_kpis"):
            rows = selectors.pack(fy, agency=agency)
        if options["json"]:
            self.stdout.write(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{fy.label}({fy.start:%Y/%m/%d}〜{fy.end:%Y/%m/%d})")
        for r in rows:
            kpi = definitions.REGISTRY[r.kpi]
            target = definitions.display(kpi, r.target) if r.target is not None else "—"
            self.stdout.write(
                f"{r.agency or '全社'}\t{kpi.name}\t{definitions.display(kpi, r.value)}"
                f"\t{r.numerator:,}/{r.denominator:,}\t目標 {target}"
            )
