from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.surveys.aggregates import rebuild
from tsunagu.surveys.models import Survey


class Command(BaseCommand):
    help = (
        "アンケート結果の集計(ダッシュボードが読む月別の集計行)を回答から作り直します。"
        "--survey を省略するとすべてのアンケートが対象です。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--survey", default="", help="アンケートコード(例: claim)")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["survey"].strip()
        survey = None
        if code:
            survey = Survey.objects.filter(code=code).first()
            if survey is None:
                raise CommandError(f"アンケートコード「{code}」は登録されていません。")
        rows = rebuild(survey)
        target = f"「{survey.name}」" if survey is not None else "すべてのアンケート"
        self.stdout.write(f"{target}の集計を作り直しました: {rows:,} 行。")
