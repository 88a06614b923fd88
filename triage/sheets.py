"""Rows of an uploaded CSV or XLSX sheet, keyed by the field each column header names.

Used by the complaint import and by the labelled files training and evaluation read
(a province's history of 1022 cases is usually a spreadsheet). Headers are matched
without case and diacritics ("Nội dung", "noi dung", "NỘI DUNG"); unknown columns are
ignored; blank rows are skipped; row numbers are those a spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from openpyxl import load_workbook

from triage.errors import InvalidInput
from triage.locations.tokens import fold

Row = tuple[int, dict[str, Any]]


def header_key(cell: Any) -> str:
    """A header as matched: lower case, no diacritics, words joined by single spaces."""
    text = fold(unicodedata.normalize("NFC", str(cell or "")))
    return " ".join(text.replace("_", " ").split())


def read_sheet(filename: str, data: bytes, headers: Mapping[str, str], required: str,
               missing_message: str) -> list[Row]:
    """Rows of a CSV (UTF-8) or XLSX file; ``headers`` maps header keys to fields and the
    file must have a column for ``required``."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_cells(data)
    elif name.endswith(".csv") or not name:
        raw = _csv_cells(data)
    else:
        raise InvalidInput("Chỉ nhận tệp CSV hoặc XLSX.", code="unsupported_file_type")
    header = next(raw, None)
    if header is None:
        raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
    fields = [headers.get(header_key(c)) for c in header]
    if required not in fields:
        raise InvalidInput(missing_message, code="missing_column")
    return [(number, {f: v for f, v in zip(fields, cells, strict=False) if f})
            for number, cells in enumerate(raw, start=2)
            if any(c not in (None, "") and str(c).strip() for c in cells)]


def _csv_cells(data: bytes) -> Iterator[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Tệp CSV phải được mã hóa UTF-8.", code="invalid_encoding") from exc
    yield from csv.reader(io.StringIO(text))


def _xlsx_cells(data: bytes) -> Iterator[list[Any]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise InvalidInput("Không đọc được tệp XLSX.", code="invalid_xlsx") from exc
    for cells in book.worksheets[0].iter_rows(values_only=True):
        yield list(cells)
