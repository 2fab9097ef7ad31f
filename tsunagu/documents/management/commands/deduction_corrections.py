"""Corrected deduction certificates for contracts cancelled or changed after issue.

    manage.py deduction_corrections --tax-year 2026 [--actor USER] [--dry-run]

Flags the affected certificate rows 要訂正, recomputes, and issues a new version (the old one is
marked superseded) where the amounts changed.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.core.context import request_context
from tsunagu.documents.certificate_reissue import certificates_needing_correction, run_corrections
from tsunagu.documents.deduction import DeductionInputError, rules_for

from .contract_notices import _actor


class Command(BaseCommand):
    help = "発行後に解約・異動があった契約の地震保険料控除証明書を訂正発行します(旧版は差替済)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tax-year", type=int, required=True, help="対象年分(例: 2026)")
        parser.add_argument("--actor", default=None, help="実行者のユーザー名(省略時はシステムユーザー)")
        parser.add_argument("--dry-run", action="store_true", help="要訂正の印を付けて一覧を表示するだけ")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rules_for(options["tax_year"])
        except DeductionInputError as exc:
            raise CommandError(str(exc)) from exc
        actor = _actor(options["actor"])
        with request_context(screen="manage.py deduction_corrections"):
            if options["dry_run"]:
                candidates = certificates_needing_correction(actor=actor, tax_year=options["tax_year"])
                for candidate in candidates:
                    self.stdout.write(
                        f"要訂正: 顧客ID {candidate.customer_id} 証券番号 {'、'.join(candidate.policy_numbers)}"
                    )
                self.stdout.write(f"要訂正 {len(candidates):,}件")
                return
            issued, problems = run_corrections(actor=actor, tax_year=options["tax_year"])
        for document in issued:
            self.stdout.write(f"訂正発行: {document.number}")
        for customer_id, reason in problems:
            self.stdout.write(f"訂正なし: 顧客ID {customer_id}: {reason}")
        self.stdout.write(f"訂正発行 {len(issued):,}件、訂正なし {len(problems):,}件")
