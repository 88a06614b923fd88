"""Bulk import of complaints from CSV or XLSX: good rows are kept, bad rows reported
with their row number and a Vietnamese message."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from triage.errors import DomainError, InvalidInput
from triage.intake import service
from triage.intake.schemas import ComplaintIn, ImportResult, ImportRowError
from triage.validation import describe

# Accepted column headers (Vietnamese or English) -> field.
HEADERS = {
    "text": "text", "noi dung": "text", "nội dung": "text", "noi_dung": "text",
    "channel": "channel", "kenh": "channel", "kênh": "channel",
    "caller_name": "name", "ho ten": "name", "họ tên": "name", "name": "name",
    "caller_phone": "phone", "so dien thoai": "phone", "số điện thoại": "phone", "phone": "phone",
    "caller_address": "address", "dia chi": "address", "địa chỉ": "address", "address": "address",
    "received_at": "received_at", "thoi diem tiep nhan": "received_at",
    "thời điểm tiếp nhận": "received_at", "ngay tiep nhan": "received_at",
    "ngày tiếp nhận": "received_at",
    "idempotency_key": "key", "ma nguon": "key", "mã nguồn": "key",
}
Row = tuple[int, dict[str, Any]]


def read_table(filename: str, data: bytes) -> list[Row]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return list(_xlsx_rows(data))
    if name.endswith(".csv") or not name:
        return list(_csv_rows(data))
    raise InvalidInput("Chỉ nhận tệp CSV hoặc XLSX.", code="unsupported_file_type")


def _map_header(cells: list[Any]) -> list[str | None]:
    mapped = [HEADERS.get(str(c or "").strip().lower()) for c in cells]
    if "text" not in mapped:
        raise InvalidInput(
            "Tệp thiếu cột nội dung (tiêu đề «text» hoặc «Nội dung»).", code="missing_column"
        )
    return mapped


def _csv_rows(data: bytes) -> Iterator[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("Tệp CSV phải được mã hóa UTF-8.", code="invalid_encoding") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
    fields = _map_header(header)
    for number, cells in enumerate(reader, start=2):
        if any(c.strip() for c in cells):
            yield number, {f: v for f, v in zip(fields, cells, strict=False) if f}


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise InvalidInput("Không đọc được tệp XLSX.", code="invalid_xlsx") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
    fields = _map_header(list(header))
    for number, cells in enumerate(rows, start=2):
        if any(c not in (None, "") for c in cells):
            yield number, {f: v for f, v in zip(fields, cells, strict=False) if f}


def _complaint(values: dict[str, Any]) -> ComplaintIn:
    received = values.get("received_at")
    caller = {k: str(values[k]) for k in ("name", "phone", "address") if values.get(k)}
    payload: dict[str, Any] = {
        "text": "" if values.get("text") is None else str(values["text"]),
        "channel": str(values.get("channel") or "phone").strip().lower(),
    }
    if caller:
        payload["caller"] = caller
    if isinstance(received, datetime) or (isinstance(received, str) and received.strip()):
        payload["received_at"] = received
    return ComplaintIn.model_validate(payload)


def import_rows(session: Session, rows: list[Row], *, actor: str, now: datetime) -> ImportResult:
    created: list[str] = []
    errors: list[ImportRowError] = []
    for number, values in rows:
        try:
            complaint = _complaint(values)
            key = str(values["key"]).strip() if values.get("key") else None
            with session.begin_nested():
                result = service.submit(session, complaint, actor=actor, idempotency_key=key,
                                        now=now)
            if result.created:
                created.append(result.ticket.code)
        except ValidationError as exc:
            first = describe(dict(exc.errors()[0]))
            errors.append(ImportRowError(row=number, code=first["code"], message=first["message"]))
        except DomainError as exc:
            errors.append(ImportRowError(row=number, code=exc.code, message=exc.message))
    return ImportResult(created=created, errors=errors)
