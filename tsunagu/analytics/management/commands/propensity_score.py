"""manage.py propensity_score --model MODEL --csv FILE --out FILE

Scores every row of a CSV with a model from propensity_train; writes the id column given at training
(or `row`, the 1-based row number, when there was none or the CSV lacks it) and `score`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.analytics.modeling import ModelingError, load_model
from tsunagu.analytics.modeling.table import read_csv


class Command(BaseCommand):
    help = "propensity_train で作成したモデルでCSVの全行を採点し、ID(または行番号)と score をCSVに書き出します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="モデルファイル")
        parser.add_argument("--csv", required=True, help="採点するCSV")
        parser.add_argument("--out", required=True, help="書き出すCSV")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"保存先のフォルダがありません: {out.parent}")
        try:
            model = load_model(options["model"])
            frame = read_csv(options["csv"])
            scores = model.predict(frame)
        except ModelingError as error:
            raise CommandError(str(error)) from error
        id_column = model.metadata.get("id_column")
        if id_column and id_column in frame.columns:
            ids = frame[id_column]
        else:
            ids = pl.Series("row", range(1, frame.height + 1))
        try:
            pl.DataFrame([ids, pl.Series("score", scores)]).write_csv(out, float_precision=6)
        except OSError as error:
            raise CommandError(f"CSVを書き出せません: {out}({error.strerror})") from error
        self.stdout.write(f"{frame.height:,}行を採点しました → {out}")
