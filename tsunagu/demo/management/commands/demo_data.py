"""`manage.py demo_data --customers N --seed S`: realistic demo data, deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser, ArgumentTypeError
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from tsunagu.cases.choices import CaseType
from tsunagu.demo.loader import DEFAULT_CHUNK_SIZE, DemoDataRefused, LoadResult, demo_data_load


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"「{value}」は日付として読み取れません(例: 2026-04-01)。") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"「{value}」は整数ではありません。") from None
    if number < 1:
        raise ArgumentTypeError("1以上の整数を指定してください。")
    return number


class Command(BaseCommand):
    help = (
        "デモデータ(顧客・契約・補償・入金・事故・コンタクト履歴、組織とデモ用ユーザー)を投入します。"
        "同じシードと基準日なら同じデータになります。データのある状態で再実行すると顧客を追加します。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=_positive, default=2_000, help="投入する顧客数(既定: 2000)")
        parser.add_argument("--seed", type=int, default=1, help="乱数のシード(既定: 1)")
        parser.add_argument("--as-of", type=_date, default=None, help="基準日 YYYY-MM-DD(既定: 今日)")
        parser.add_argument(
            "--chunk-size", type=_positive, default=DEFAULT_CHUNK_SIZE, help="1トランザクションで書く顧客数"
        )
        parser.add_argument("--no-search-index", action="store_true", help="検索インデックスを再構築しない")
        parser.add_argument("--no-progress", action="store_true", help="進捗バーを表示しない")
        parser.add_argument("--stats-file", type=Path, default=None, help="件数と所要時間をJSONで書き出すファイル")

    def handle(self, *args: Any, **options: Any) -> None:
        customers: int = options["customers"]
        as_of: dt.date = options["as_of"] or timezone.localdate()
        console = Console(stderr=True)
        progress = Progress(
            TextColumn("[bold]デモデータ投入"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("顧客"),
            TextColumn("{task.fields[rows]:>12,} 行"),
            TimeElapsedColumn(),
            TextColumn("残り"),
            TimeRemainingColumn(),
            console=console,
            disable=options["no_progress"],
        )
        with progress:
            task = progress.add_task("demo", total=customers, rows=0)

            def on_progress(done: int, rows: int) -> None:
                progress.update(task, completed=done, rows=rows)

            try:
                result = demo_data_load(
                    customers=customers,
                    seed=options["seed"],
                    as_of=as_of,
                    chunk_size=options["chunk_size"],
                    search_index=not options["no_search_index"],
                    on_progress=on_progress,
                )
            except DemoDataRefused as error:
                raise CommandError(str(error)) from None
        self._report(result)
        if options["stats_file"] is not None:
            options["stats_file"].write_text(json.dumps(_stats(result), ensure_ascii=False, indent=2), encoding="utf-8")

    def _report(self, result: LoadResult) -> None:
        counts = result.counts
        if result.existing_customers:
            self.stdout.write(f"既存のデモデータ(顧客 {result.existing_customers:,} 件)に追加しました。")
        self.stdout.write(
            f"内訳: 契約 {counts.get('policies', 0):,} 件、補償 {counts.get('coverages', 0):,} 件、"
            f"入金 {counts.get('payments', 0):,} 件、事故 {counts.get('claims', 0):,} 件、"
            f"コンタクト履歴 {counts.get('interactions', 0):,} 件、住所 {counts.get('addresses', 0):,} 件、"
            f"電話番号 {counts.get('phones', 0):,} 件、変更履歴 "
            f"{counts.get('customers_history', 0) + counts.get('policies_history', 0):,} 件"
        )
        self._report_cases(result)
        self._report_operations(result)
        self._report_surveys(result)
        search = (
            f"、検索インデックス {result.search_index_seconds:.1f} 秒"
            if result.search_index_seconds is not None
            else ""
        )
        seconds = max(result.seconds, 1e-9)
        self.stdout.write(
            self.style.SUCCESS(
                f"デモデータを投入しました: 顧客 {result.customers:,} 件、全 {result.rows:,} 行、"
                f"{result.seconds:.1f} 秒(準備 {result.setup_seconds:.1f} 秒、生成 {result.generate_seconds:.1f} 秒、"
                f"書き込み {result.write_seconds:.1f} 秒、仕上げ {result.finish_seconds:.1f} 秒"
                f"{search})。{result.customers / seconds:,.0f} 顧客/秒、{result.rows / seconds:,.0f} 行/秒"
                f"(シード {result.seed}、基準日 {result.as_of.isoformat()})"
            )
        )

    def _report_operations(self, result: LoadResult) -> None:
        identity, access = result.identity, result.access_log
        if identity is not None and identity.run_id is not None:
            self.stdout.write(
                f"名寄せ: ソースレコード {identity.records:,} 件(契約管理システム・代理店システム・Web申込)、"
                f"照合 #{identity.run_id} 完了、自動統合 {identity.auto_linked:,} 件、要確認 {identity.review:,} 件、"
                f"新しい顧客 {identity.new_customers:,} 件({result.identity_seconds:.1f} 秒)"
            )
        if access is not None and access.rows:
            first = timezone.localtime(access.first).strftime("%Y/%m/%d") if access.first else "-"
            last = timezone.localtime(access.last).strftime("%Y/%m/%d") if access.last else "-"
            self.stdout.write(
                f"アクセスログ: {access.rows:,} 行({first}〜{last}、{result.access_log_seconds:.1f} 秒)。"
                f"監査用に仕込んだ異常 {len(access.anomalies)} 件(docs/demo-data.md)"
            )

    def _report_surveys(self, result: LoadResult) -> None:
        surveys = result.surveys
        if surveys is None or not surveys.responses:
            return
        from tsunagu.surveys.models import Survey

        names = dict(Survey.objects.filter(code__in=surveys.by_survey).values_list("code", "name"))
        by_survey = "、".join(f"{names.get(code, code)} {n:,}" for code, n in surveys.by_survey.items())
        nps = "" if surveys.claim_nps is None else f"、事故対応NPS {surveys.claim_nps:+d}"
        self.stdout.write(
            f"アンケート: 回答 {surveys.responses:,} 件({by_survey})、送付 {surveys.invitations:,} 件"
            f"{nps}({surveys.seconds:.1f} 秒)"
        )

    def _report_cases(self, result: LoadResult) -> None:
        ops = result.operations
        if ops is None:
            return
        by_type = "、".join(
            f"{CaseType(t).label} {ops.cases_by_type.get(t, 0):,}" for t in CaseType.values if ops.cases_by_type.get(t)
        )
        counts = ops.counts
        self.stdout.write(
            f"案件: {sum(ops.cases_by_type.values()):,} 件({by_type})、うち未完了 {ops.open_cases:,} 件・"
            f"期限超過 {ops.overdue_cases:,} 件、タイムライン {counts.get('case_events', 0):,} 件。"
            f"発行帳票: 再発行 {counts.get('documents_reissued', 0):,} 件、契約内容のお知らせ "
            f"{counts.get('contract_notices', 0):,} 件。FAQ 追加 {counts.get('faq_articles', 0):,} 件"
            f"({result.operations_seconds:.1f} 秒、うち帳票 {ops.documents_seconds:.1f} 秒)"
        )


def _stats(result: LoadResult) -> dict[str, Any]:
    return {
        "customers": result.customers,
        "existing_customers": result.existing_customers,
        "seed": result.seed,
        "as_of": result.as_of.isoformat(),
        "rows": result.rows,
        "counts": result.counts,
        "seconds": round(result.seconds, 3),
        "setup_seconds": round(result.setup_seconds, 3),
        "generate_seconds": round(result.generate_seconds, 3),
        "write_seconds": round(result.write_seconds, 3),
        "finish_seconds": round(result.finish_seconds, 3),
        "search_index_seconds": None if result.search_index_seconds is None else round(result.search_index_seconds, 3),
        "identity_seconds": round(result.identity_seconds, 3),
        "access_log_seconds": round(result.access_log_seconds, 3),
        "identity": None
        if result.identity is None
        else {
            "records": result.identity.records,
            "run_id": result.identity.run_id,
            "run_status": result.identity.run_status,
            "auto_linked": result.identity.auto_linked,
            "review": result.identity.review,
            "new_customers": result.identity.new_customers,
            "stage_started": result.identity.stage_started,
        },
        "access_log_rows": None if result.access_log is None else result.access_log.rows,
        "surveys": None
        if result.surveys is None
        else {
            "responses": result.surveys.responses,
            "invitations": result.surveys.invitations,
            "by_survey": result.surveys.by_survey,
            "claim_nps": result.surveys.claim_nps,
            "seconds": round(result.surveys.seconds, 3),
        },
        "operations_seconds": round(result.operations_seconds, 3),
        "operations": None
        if result.operations is None
        else {
            "counts": result.operations.counts,
            "cases_by_type": result.operations.cases_by_type,
            "open_cases": result.operations.open_cases,
            "overdue_cases": result.operations.overdue_cases,
            "cases_seconds": round(result.operations.cases_seconds, 3),
            "documents_seconds": round(result.operations.documents_seconds, 3),
        },
    }
