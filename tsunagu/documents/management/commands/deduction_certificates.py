"""Annual deduction-certificate batch: records, print files, vendor data files, exceptions report.

    manage.py deduction_certificates --tax-year 2026 [--issue-date 2026-10-15] [--actor USER] [--vendor-prints]

With --vendor-prints the printing vendor composes the mailed certificates from the data file (no
print PDF is drawn); electronic deliveries still get their PDFs, drawn from the recorded rows.

Re-running (also after a crash) continues where it stopped and never issues a duplicate.
"""

from __future__ import annotations

import datetime as dt
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tsunagu.core.context import request_context
from tsunagu.core.models import User
from tsunagu.core.services import system_user
from tsunagu.documents.deduction import DeductionInputError, rules_for
from tsunagu.documents.services.certificate_batch import run_certificate_batch


class Command(BaseCommand):
    help = "指定年分の地震保険料控除証明書を一括作成します(証明データ・PDF・印刷業者向けデータ・例外レポート)。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tax-year", type=int, required=True, help="対象年分(例: 2026)")
        parser.add_argument("--issue-date", default=None, help="証明日 YYYY-MM-DD(省略時は本日)")
        parser.add_argument("--actor", default=None, help="実行者のユーザー名(省略時はシステムユーザー)")
        parser.add_argument("--workers", type=int, default=2, help="PDF作成のワーカープロセス数(0で同一プロセス)")
        parser.add_argument("--chunk-size", type=int, default=500, help="1印刷ファイルあたりの契約者数")
        parser.add_argument(
            "--vendor-prints",
            action="store_true",
            help="郵送分は印刷業者向けデータのみ作成する(印刷用PDFを作らない。電子交付分のPDFは作成する)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tax_year: int = options["tax_year"]
        try:
            rules_for(tax_year)
        except DeductionInputError as exc:
            raise CommandError(str(exc)) from exc
        issue_date = dt.date.today()
        if options["issue_date"]:
            try:
                issue_date = dt.date.fromisoformat(options["issue_date"])
            except ValueError as exc:
                raise CommandError(
                    f"証明日はYYYY-MM-DDで指定してください(指定値: 「{options['issue_date']}」)。"
                ) from exc
        if issue_date.year < tax_year:
            raise CommandError(f"証明日({issue_date})が対象年分({tax_year}年)より前です。")
        if options["workers"] < 0 or options["chunk_size"] < 1:
            raise CommandError("--workers は0以上、--chunk-size は1以上で指定してください。")
        actor = self._actor(options["actor"])
        console = Console(file=sys.stderr)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(f"{tax_year}年分 控除証明書", total=None)

            def progress(advance: int, total: int) -> None:
                bar.update(task, total=total, advance=advance)

            with request_context(screen="manage.py deduction_certificates"):
                batch = run_certificate_batch(
                    actor=actor,
                    tax_year=tax_year,
                    issue_date=issue_date,
                    workers=options["workers"],
                    chunk_size=options["chunk_size"],
                    vendor_prints=options["vendor_prints"],
                    progress=progress,
                )
        self.stdout.write(
            f"{tax_year}年分: 発行 {batch.documents_issued:,}件、証明データ {batch.certificates_written:,}件、"
            f"対象外 {batch.excluded:,}件、例外 {batch.skipped:,}件(バッチ #{batch.pk})"
        )
        if batch.exceptions_key:
            self.stdout.write(f"例外レポート: {batch.exceptions_key}")

    def _actor(self, username: str | None) -> User:
        if not username:
            return system_user()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"ユーザー「{username}」が見つかりません。")
        return user
