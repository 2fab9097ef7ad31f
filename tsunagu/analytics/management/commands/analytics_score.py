"""manage.py analytics_score [--kind churn|next_product|conversion] [--as-of YYYY-MM-DD]"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.context import request_context
from tsunagu.core.services import system_user

from ... import features, services, training
from ._as_of import parse_as_of, validation_message


class Command(BaseCommand):
    help = (
        "使用中のモデルで、基準日に有効な契約のある全顧客(成約予測はワークリストの未完了の顧客)を採点し、"
        "スコアと理由を保存します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=training.KINDS, default="", help="モデルの種類(省略時は使用中の全モデル)")
        parser.add_argument("--as-of", default="", help="基準日 YYYY-MM-DD(省略時は今日)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        kinds = [options["kind"]] if options["kind"] else [k for k in training.KINDS if services.active_model(k)]
        if not kinds:
            raise CommandError("使用中のモデルがありません。先に analytics_train で学習してください。")
        book = features.load_book()
        with request_context(screen="コマンド:analytics_score"):
            for kind in kinds:
                try:
                    written = services.scores_refresh(actor=system_user(), kind=kind, as_of=as_of, book=book)
                except ValidationError as error:
                    raise CommandError(validation_message(error)) from error
                self.stdout.write(f"{kind}: {written:,}人を採点しました(基準日 {as_of:%Y/%m/%d})")
