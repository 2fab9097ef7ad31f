"""Read a user's CSV into polars: UTF-8 (with or without BOM) or Shift_JIS (cp932, what Excel writes
in Japan), a header row required, types inferred from the whole file; Japanese errors otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from .errors import ModelingError

NULL_VALUES = ["", "NA", "N/A", "NaN", "null", "NULL"]


def read_csv(path: str | Path) -> pl.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise ModelingError(f"CSVファイルが見つかりません: {file}")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp932")
        except UnicodeDecodeError as error:
            raise ModelingError("CSVの文字コードを判別できません(UTF-8 か Shift_JIS で保存してください)。") from error
    if not text.strip():
        raise ModelingError(f"CSVファイルが空です: {file}")
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema_length=None, null_values=NULL_VALUES)
    except (pl.exceptions.PolarsError, ValueError) as error:
        hint = "列数の合わない行や引用符の誤りがないか確認してください"
        raise ModelingError(f"CSVを読み込めません({hint}): {error}") from error
    if frame.height == 0:
        raise ModelingError("CSVにデータ行がありません(見出し行のみ)。")
    return frame
