"""`manage.py survey_import FILE --survey CODE [--user USERNAME]`: import results of a survey the
insurer or a vendor ran. Exit 0 once the file was read (bad rows are listed with their row numbers
and reasons; good rows are kept); 1 with a Japanese message for a missing file, an unknown survey
or a file that cannot be read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core import permissions
from tsunagu.core.context import request_context
from tsunagu.core.models import User
from tsunagu.core.services import system_user
from tsunagu.surveys.models import Survey
from tsunagu.surveys.services.imports import survey_import_run


def _actor(username: str) -> User:
    if not username:
        return system_user()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"ユーザー「{username}」は存在しません。")
    if not permissions.has(user, permissions.SURVEYS_IMPORT):
        raise CommandError(f"ユーザー「{username}」にはアンケート結果を取り込む権限がありません。")
    return user


class Command(BaseCommand):
    help = "アンケート結果ファイル(CSV・XLSX)を取り込みます。エラーの行は行番号と理由を表示し、正しい行は取り込みます。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="取り込むファイル(UTF-8のCSV、BOM付き可、またはXLSX)")
        parser.add_argument("--survey", required=True, help="アンケートコード(例: claim)")
        parser.add_argument("--user", default="", help="実行するユーザー名(省略時は system)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイル「{path}」が見つかりません。")
        survey = Survey.objects.filter(code=options["survey"]).first()
        if survey is None:
            codes = "、".join(Survey.objects.order_by("code").values_list("code", flat=True)) or "なし"
            raise CommandError(f"アンケート「{options['survey']}」は登録されていません(登録済み: {codes})。")
        actor = _actor(options["user"])
        with request_context(screen="manage.py survey_import"):
            try:
                result = survey_import_run(actor=actor, survey=survey, data=path.read_bytes(), file_name=path.name)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        row = result.survey_import
        self.stdout.write(
            f"取込 #{row.pk}「{survey.name}」: {row.total}行中 取込 {row.imported}件・エラー {row.rejected}件"
            f"({result.seconds:.1f} 秒)"
        )
        for error in result.errors:
            self.stdout.write(f"エラー {error.row}行目: {error.reason}")
