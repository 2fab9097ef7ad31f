"""How much can I deduct? Deductible amounts for premiums E and L paid in a year on separate contracts.

manage.py deduction_amounts --earthquake 60000 --old-long-term 12000
{"income_tax": 50000, "resident_tax": 25000}
"""

from __future__ import annotations

import json
import unicodedata
from argparse import ArgumentParser
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.documents.deduction import DEFAULT_RULES, DeductionInputError, Rounding, deduction, rules_for


def parse_yen(raw: str, label: str) -> int:
    """Whole yen; accepts full-width digits, thousands separators and a trailing 円."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").removesuffix("円").strip()
    if not text.lstrip("+-").isdigit():
        raise CommandError(f"{label}には0以上の整数(円)を指定してください(指定値: 「{raw}」)。")
    value = int(text)
    if value < 0:
        raise CommandError(f"{label}に負の金額は指定できません(指定値: {value:,}円)。")
    return value


class Command(BaseCommand):
    help = "1年間に支払った地震保険料と旧長期損害保険料(別々の契約)から、所得税・住民税の控除額をJSONで表示します。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--earthquake", default="0", help="地震保険料(円、年間合計)")
        parser.add_argument("--old-long-term", default="0", help="旧長期損害保険料(円、年間合計)")
        parser.add_argument("--tax-year", type=int, default=None, help="対象年分(省略時は現行の規則)")
        parser.add_argument(
            "--rounding",
            choices=[r.value for r in Rounding],
            default=None,
            help="1円未満の端数処理 (up=切上げ[既定], down=切捨て, half_up=四捨五入)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        earthquake = parse_yen(str(options["earthquake"]), "地震保険料(--earthquake)")
        old_long_term = parse_yen(str(options["old_long_term"]), "旧長期損害保険料(--old-long-term)")
        try:
            rules = rules_for(options["tax_year"]) if options["tax_year"] else DEFAULT_RULES
            if options["rounding"]:
                rules = replace(rules, rounding=Rounding(options["rounding"]))
            result = deduction(earthquake, old_long_term, rules)
        except DeductionInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
