"""Reading import files: CSV (UTF-8, UTF-8 with BOM, CP932/Shift_JIS; detected or stated) and
XLSX (first sheet, read with the standard library). Pure: no Django.

A file that cannot be read at all raises `FileReadError` with a Japanese message; the importer
then changes nothing.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8bom": "utf-8-sig",
    "utf-8-bom": "utf-8-sig",
    "sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
}
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8(BOM付き)", "cp932": "Shift_JIS(CP932)"}
XLSX_MAGIC = b"PK\x03\x04"


class FileReadError(ValueError):
    """The file cannot be read at all (the message is Japanese)."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # data rows only; row i is file row i + 2 (after the header)
    file_format: str  # "csv" | "xlsx"
    encoding: str = ""


def canonical_encoding(name: str) -> str:
    key = name.strip().lower().replace(" ", "")
    if key in ENCODING_ALIASES:
        return ENCODING_ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise FileReadError(
            f"文字コード「{name}」には対応していません(UTF-8、Shift_JIS(CP932)を指定してください)。"
        ) from None


def read_table(data: bytes, *, file_name: str = "", encoding: str = "") -> Table:
    if not data.strip():
        raise FileReadError("ファイルが空です。")
    if data.startswith(XLSX_MAGIC) or file_name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    text, used = decode(data, encoding)
    return _read_csv(text, used)


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """Decode strictly with the stated encoding, or detect: BOM → UTF-8 → CP932."""
    if encoding:
        name = canonical_encoding(encoding)
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            label = ENCODING_LABELS.get(name, name)
            raise FileReadError(
                f"指定された文字コード({label})で読み取れません({line}行目)。文字コードを確かめてください。"
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FileReadError(f"UTF-8(BOM付き)のファイルに読み取れない文字があります({line}行目)。") from None
    for name in ("utf-8", "cp932"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise FileReadError(
        "文字コードを判定できません。UTF-8またはShift_JIS(CP932)で保存するか、文字コードを指定してください。"
    )


def _read_csv(text: str, encoding: str) -> Table:
    if "\x00" in text:
        raise FileReadError("CSVファイルとして読み取れません(NUL文字が含まれています)。")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise FileReadError(
            f"CSVファイルとして読み取れません({exc})。引用符の閉じ忘れなどを確かめてください。"
        ) from None
    return _table(rows, "csv", encoding)


def _table(rows: list[list[str]], file_format: str, encoding: str = "") -> Table:
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise FileReadError("ファイルにデータがありません。")
    headers = [h.strip() for h in rows[0]]
    if not any(headers):
        raise FileReadError("1行目に見出し(列名)がありません。")
    seen: set[str] = set()
    for header in headers:
        if header and header in seen:
            raise FileReadError(f"見出し「{header}」が重複しています。列名は重複しないようにしてください。")
        seen.add(header)
    return Table(headers=headers, rows=rows[1:], file_format=file_format, encoding=encoding)


# --- XLSX ------------------------------------------------------------------------------------

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_CELL_RE = re.compile(r"^([A-Z]+)(\d+)$")
_DATE_FORMAT_IDS = set(range(14, 23)) | {27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58}
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _read_xlsx(data: bytes) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            names = set(book.namelist())
            sheet_path = _first_sheet_path(book)
            shared = _shared_strings(book) if "xl/sharedStrings.xml" in names else []
            date_styles = _date_styles(book) if "xl/styles.xml" in names else set()
            root = ElementTree.fromstring(book.read(sheet_path))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        raise FileReadError("XLSXファイルとして読み取れません(ファイルが壊れているか、形式が違います)。") from None
    rows: list[list[str]] = []
    for row in root.iterfind(".//m:sheetData/m:row", _NS):
        number = int(row.get("r", len(rows) + 1))
        while len(rows) < number - 1:
            rows.append([])
        cells: list[str] = []
        for cell in row.iterfind("m:c", _NS):
            ref = _CELL_RE.match(cell.get("r", ""))
            index = _column_index(ref.group(1)) if ref else len(cells)
            while len(cells) < index:
                cells.append("")
            cells.append(_cell_value(cell, shared, date_styles))
        rows.append(cells)
    return _table(rows, "xlsx")


def _first_sheet_path(book: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    sheet = workbook.find("m:sheets/m:sheet", _NS)
    if sheet is None:
        raise KeyError("no sheet")
    rel_id = sheet.get(f"{{{_NS['r']}}}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iterfind("rel:Relationship", _NS):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError("sheet relationship")


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in item.iterfind(".//m:t", _NS)) for item in root.iterfind("m:si", _NS)]


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    root = ElementTree.fromstring(book.read("xl/styles.xml"))
    custom = {
        int(fmt.get("numFmtId", "0"))
        for fmt in root.iterfind("m:numFmts/m:numFmt", _NS)
        if re.search(r"[yd]", re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt.get("formatCode", "")), re.IGNORECASE)
    }
    styles: set[int] = set()
    for index, xf in enumerate(root.iterfind("m:cellXfs/m:xf", _NS)):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _DATE_FORMAT_IDS or fmt in custom:
            styles.add(index)
    return styles


def _cell_value(cell: ElementTree.Element, shared: list[str], date_styles: set[int]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iterfind(".//m:t", _NS))
    value = cell.findtext("m:v", default="", namespaces=_NS)
    if kind == "s":
        return shared[int(value)] if value else ""
    if kind == "b":
        return "TRUE" if value == "1" else "FALSE"
    if kind == "n" and value:
        if int(cell.get("s", "0")) in date_styles:
            return (_EXCEL_EPOCH + dt.timedelta(days=int(float(value)))).isoformat()
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else value
    return value
