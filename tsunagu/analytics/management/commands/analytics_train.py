"""manage.py analytics_train --kind churn|next_product|conversion [--as-of YYYY-MM-DD] [--activate]"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.context import request_context
from tsunagu.core.services import system_user

from ... import services, training
from ._as_of import parse_as_of, validation_message


class Command(BaseCommand):
    help = (
        "解約・失効予測(churn)、次の商品予測(next_product)または成約予測(conversion)のモデルを学習します。"
        "churn と next_product は基準日の24か月前の顧客で学習し、12か月前の顧客で検証します(期間外検証)。"
        "conversion はターゲットリストの結果(リストの基準日から90日以内の成約)で学習し、"
        "後に作成したリストで検証します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=training.KINDS, help="モデルの種類")
        parser.add_argument("--as-of", default="", help="基準日 YYYY-MM-DD(省略時は今日)")
        parser.add_argument("--activate", action="store_true", help="学習したモデルを使用中にする")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"])
        with request_context(screen="コマンド:analytics_train"):
            try:
                row = services.model_train(
                    actor=system_user(), kind=options["kind"], as_of=as_of, activate=options["activate"] or None
                )
            except ValidationError as error:
                raise CommandError(validation_message(error)) from error
        window = row.data_window
        auc = f"{row.auc:.4f}" if row.auc is not None else "算出不可"
        base = f"{row.baseline_auc:.4f}" if row.baseline_auc is not None else "算出不可"
        self.stdout.write(
            f"{row} を学習しました(学習 {window['train_as_of']}、検証 {window['validation_as_of']}): "
            f"期間外AUC {auc}(ロジスティック回帰 {base}){'、使用中' if row.is_active else ''}"
        )
