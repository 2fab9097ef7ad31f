"""One-sheet XLSX lists (an agency's 送付リスト) written with openpyxl: a bold, frozen header row,
column widths fitted to the text (full-width characters count double), and every cell stored as
text with the text number format, so codes with leading zeros (郵便番号, 証券番号) and dates stay
exactly as in the CSV. Reports with a title above the header pass `header_row`; reports of counts
pass `numbers=True` so that int/float/Decimal values are stored as numbers. No Django here."""

from __future__ import annotations

import decimal
import io
import unicodedata
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

TEXT_FORMAT = "@"  # Excel's 文字列 format: an edited cell stays text too
INTEGER_FORMAT = "#,##0"
MIN_WIDTH = 6
MAX_WIDTH = 60
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    # Control characters are not allowed in the XML of a cell; drop them rather than fail the download.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet: full-width (East Asian wide) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(name: str) -> str:
    """A valid sheet name: Excel forbids []:*?/\\ and allows 31 characters."""
    return (name.translate(_SHEET_NAME_FORBIDDEN).strip("'") or "Sheet1")[:31]


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return None


def xlsx(
    rows: Iterable[Sequence[object]], *, sheet_name: str = "Sheet1", header_row: int = 1, numbers: bool = False
) -> bytes:
    """The rows as an .xlsx workbook with one sheet; row `header_row` (1-based) is the header: bold,
    and the sheet frozen below it. Rows above it (a title) do not count for the column widths.
    With `numbers`, int/float/Decimal values are numbers (#,##0 for whole ones); all else is text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(sheet_name)
    widths: dict[int, int] = {}
    bold = Font(bold=True)
    header_cells = 0
    for number, row in enumerate(rows, start=1):
        if number == header_row:
            header_cells = len(row)
        # Rows above the header (a title) and a one-cell line under a wider table (a note) would
        # widen the first column to their length: they do not count for the widths.
        fitted = number >= header_row and (len(row) > 1 or header_cells <= 1)
        for column, value in enumerate(row, start=1):
            figure = _number(value) if numbers else None
            if figure is not None:
                text = f"{figure:,}"
                cell = sheet.cell(row=number, column=column, value=figure)
                if isinstance(figure, int):
                    cell.number_format = INTEGER_FORMAT
            else:
                text = _text(value)
                cell = sheet.cell(row=number, column=column, value=text)
                cell.data_type = "s"  # a string even when it looks like a number or a formula ("=…")
                cell.number_format = TEXT_FORMAT
            if number == header_row:
                cell.font = bold
            if fitted:
                widths[column] = max(widths.get(column, 0), display_width(text))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    if widths:
        sheet.freeze_panes = f"A{header_row + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
