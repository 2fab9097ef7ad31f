"""CSV exports cannot carry a formula into the spreadsheet of the person who opens them."""

from __future__ import annotations

import csv
import io

import pytest

from tsunagu.core import csv_export


@pytest.mark.parametrize(
    "text", ["=1+2+cmd|' /C calc'!A0", '=HYPERLINK("http://x")', "+81 90", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_text_a_spreadsheet_would_run_is_written_as_text(text):
    out = io.StringIO()
    csv_export.writer(out).writerow(["名前", text])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["名前", "'" + text]


def test_numbers_and_plain_text_are_unchanged():
    out = io.StringIO()
    csv_export.writer(out).writerows([[-5, 0.25, "山田 太郎", "", None, "K000000723", "+25", "-3.5%", "-", "+1,200"]])
    assert out.getvalue() == '-5,0.25,山田 太郎,,,K000000723,+25,-3.5%,-,"+1,200"\r\n'
