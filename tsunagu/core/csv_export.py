"""CSV for spreadsheets, safe to open: the one way the product writes a CSV a person downloads.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and
LibreOffice as a formula (CSV injection: `=HYPERLINK(...)` typed into a memo by one user runs on the
machine of the next user who opens the export). Such text is written with a leading apostrophe, which
the spreadsheet shows as plain text. Numbers stay numbers: only `str` values are touched, and text that is
a signed number ("+25", "-3.5%", an NPS or a change) or a lone "-" placeholder is left as it is (a
spreadsheet reads it as that number or that dash, never as a formula).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d+)?%?)?")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading apostrophe when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose rows go through `safe_cell` (CRLF line ends, what spreadsheets expect)."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)
