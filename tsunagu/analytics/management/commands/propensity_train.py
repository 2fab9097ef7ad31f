"""manage.py propensity_train --csv FILE --target COLUMN --out MODEL [--id COLUMN]

Trains the product's propensity model (the same modelling code as the churn and next-product models)
on any CSV with a header and a 0/1 target, and writes one model file (JSON, see analytics.modeling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.analytics.modeling import ModelingError, TrainOptions, train_binary
from tsunagu.analytics.modeling.table import read_csv


class Command(BaseCommand):
    help = "任意のCSV(見出し行あり、0/1 の目的変数)で反応予測モデルを学習し、モデルファイルに保存します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, help="学習データのCSV")
        parser.add_argument("--target", required=True, help="目的変数(0/1)の列名")
        parser.add_argument("--out", required=True, help="保存するモデルファイル")
        parser.add_argument("--id", default="", help="ID列の列名(特徴量には使いません)")
        parser.add_argument("--seed", type=int, default=1, help="乱数の種(検証用の分割)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"保存先のフォルダがありません: {out.parent}")
        id_column = options["id"]
        try:
            frame = read_csv(options["csv"])
            if id_column and id_column not in frame.columns:
                raise ModelingError(f"ID列「{id_column}」がありません(列: {', '.join(frame.columns)})。")
            model = train_binary(
                frame,
                target=options["target"],
                exclude=(id_column,) if id_column else (),
                options=TrainOptions(
                    seed=options["seed"],
                    metadata={"kind": "propensity", "source": str(options["csv"]), "id_column": id_column or None},
                ),
            )
            model.save(out)
        except ModelingError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(f"モデルファイルを保存できません: {out}({error.strerror})") from error
        result = model.metadata["metrics"]
        lgbm, baseline = result["lightgbm"], result.get("baseline", {})
        shape = "LightGBM"
        if "blend_weight" in lgbm:
            shape = f"LightGBM {lgbm['blend_weight']:.0%} とロジスティック回帰の組合せ"
        self.stdout.write(
            f"学習しました: {model.metadata['train_rows']:,}行、特徴量 {len(model.features)}列、{shape}、"
            f"検証AUC {lgbm['auc']:.4f}(ロジスティック回帰 {baseline.get('auc') or 0:.4f})、"
            f"{model.metadata['train_seconds']:.1f}秒 → {out}"
        )
