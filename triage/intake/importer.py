"""Bulk import of complaints from CSV or XLSX: good rows are kept, bad rows reported
with their row number and a Vietnamese message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from triage.errors import DomainError
from triage.intake import service
from triage.intake.schemas import ComplaintIn, ImportResult, ImportRowError
from triage.sheets import Row, read_sheet
from triage.validation import describe

# Accepted column headers (Vietnamese or English, matched without diacritics) -> field.
HEADERS = {
    "text": "text", "noi dung": "text",
    "channel": "channel", "kenh": "channel",
    "caller name": "name", "ho ten": "name", "name": "name",
    "caller phone": "phone", "so dien thoai": "phone", "phone": "phone",
    "caller address": "address", "dia chi": "address", "address": "address",
    "received at": "received_at", "thoi diem tiep nhan": "received_at",
    "ngay tiep nhan": "received_at",
    "idempotency key": "key", "ma nguon": "key",
}


def read_table(filename: str, data: bytes) -> list[Row]:
    return read_sheet(filename, data, HEADERS, "text",
                      "Tệp thiếu cột nội dung (tiêu đề «text» hoặc «Nội dung»).")


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
