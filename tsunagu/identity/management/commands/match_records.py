"""`manage.py match_records [--retrain] [--engine spark]`: the full match run in the foreground, with progress.

The run is recorded in MatchRun (status and progress), like the background task the screen starts.
`--engine spark` runs Splink on Spark (settings.TSUNAGU_SPARK_MASTER: local[*] or spark://host:7077);
the model, the rules and the thresholds are the same as on DuckDB (matching/engines.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import Progress

from tsunagu.core.context import request_context
from tsunagu.identity.choices import RunKind
from tsunagu.identity.matching import engines
from tsunagu.identity.models import MatchRun
from tsunagu.identity.services.matching import match_run_execute

from ._actor import command_actor


class Command(BaseCommand):
    help = "全ソースレコードを照合し、自動統合・要確認の候補を作り、顧客に名寄せします。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retrain", action="store_true", help="照合モデルを学習し直す")
        parser.add_argument("--user", default="", help="実行するデータスチュワードのユーザー名(省略時は system)")
        parser.add_argument(
            "--engine",
            default=engines.DUCKDB,
            help="照合エンジン: duckdb(既定、このプロセス内)または spark(TSUNAGU_SPARK_MASTER のクラスター)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            engine = engines.engine(options["engine"], master=getattr(settings, "TSUNAGU_SPARK_MASTER", None))
        except engines.EngineError as exc:
            raise CommandError(str(exc)) from exc
        actor = command_actor(options["user"])
        run = MatchRun.objects.create(kind=RunKind.TRAIN if options["retrain"] else RunKind.FULL, started_by=actor)
        with request_context(screen="manage.py match_records"), Progress() as progress, engines.use(engine):
            tasks: dict[str, Any] = {}

            def report(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total or None)
                progress.update(tasks[stage], completed=done, total=total or None)

            run = match_run_execute(run_id=run.pk, progress=report)
        self.stdout.write(
            f"照合 #{run.pk}: 候補ペア {run.pairs_found} 件・自動統合 {run.auto_linked} 件・"
            f"要確認 {run.queued_for_review} 件。{run.message}"
        )
