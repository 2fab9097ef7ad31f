"""The one way analytics answers a table download: CSV (UTF-8 with BOM, formula-safe through
`core.csv_export`) or XLSX (`documents.xlsx`). The callers check the format, scope and log the read."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.http import HttpResponse

from tsunagu.core import csv_export
from tsunagu.documents.xlsx import xlsx

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(
    rows: Sequence[Sequence[object]], file_format: str, *, sheet_name: str, filename: str, numbers: bool = True
) -> HttpResponse:
    """`rows` as an attachment `filename.<file_format>`; in XLSX, int/float cells are numbers unless
    `numbers` is False."""
    if file_format == "xlsx":
        body = xlsx(rows, sheet_name=sheet_name, numbers=numbers)
    else:
        buffer = io.StringIO()
        csv_export.writer(buffer).writerows(rows)
        body = ("\ufeff" + buffer.getvalue()).encode()
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{file_format}"'
    return response
