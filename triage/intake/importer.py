"""Bulk import of complaints from CSV or XLSX: good rows are kept, bad rows reported
with their row number, every problem of the row and, where a value was wrong, the values
allowed. The console's own words are accepted: a channel by its label ("Điện thoại",
"Zalo", "Trực tiếp") or its code, in any case and with or without diacritics; dates as
dd/mm/yyyy (with an optional hh:mm) or ISO 8601, in the hotline's local time.

A row already imported (same text, channel, time received and phone, whatever file it came
in) is refused as a duplicate naming the ticket it made, unless the file gives each row its
own source id («Mã nguồn»), which then decides.

Only operators and admins import, so a row may say when the call came, within the import
window (TRIAGE_IMPORT_MAX_PAST_DAYS, a month's paper log) and never before the service's
own data (TRIAGE_RECEIVED_AT_FLOOR); the deadline of a row entered late still counts from
the import, its declared time kept beside it."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from triage.errors import DomainError
from triage.intake import service
from triage.intake.schemas import ComplaintIn, ImportResult, ImportRowError
from triage.locations.tokens import fold
from triage.sheets import Row, read_sheet
from triage.taxonomy import CHANNELS
from triage.tickets.service import local_tz
from triage.validation import describe

# Accepted column headers (Vietnamese or English, matched without diacritics) -> field.
HEADERS = {
    "text": "text", "noi dung": "text",
    "channel": "channel", "kenh": "channel", "kenh tiep nhan": "channel",
    "caller name": "name", "ho ten": "name", "name": "name", "ho va ten": "name",
    "caller phone": "phone", "so dien thoai": "phone", "phone": "phone",
    "caller address": "address", "dia chi": "address", "address": "address",
    "caller email": "email", "email": "email", "e-mail": "email", "thu dien tu": "email",
    "received at": "received_at", "thoi diem tiep nhan": "received_at",
    "ngay tiep nhan": "received_at",
    "idempotency key": "key", "ma nguon": "key",
}
# A channel as written in a sheet, folded -> its code: codes and the console's labels.
CHANNEL_WORDS = {" ".join(fold(word).split()): code
                 for code, label in CHANNELS.items() for word in (code, label)}
CHANNEL_WORDS.update({"dien thoai": "phone", "dt": "phone", "e-mail": "email",
                      "mail": "email", "tin nhan": "sms", "truc tiep": "walk-in"})
ALLOWED_CHANNELS = ", ".join(f"«{label}» ({code})" for code, label in CHANNELS.items())
DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hg](\d{2}))?$")
DATE_FORMATS = "dd/mm/yyyy (có thể thêm giờ hh:mm) hoặc ISO 8601 (2026-12-01T08:30)"


class RowProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def read_table(filename: str, data: bytes) -> list[Row]:
    return read_sheet(filename, data, HEADERS, "text",
                      "Tệp thiếu cột nội dung (tiêu đề «text» hoặc «Nội dung»).")


def channel_code(value: Any) -> str:
    """The channel a cell names; an empty cell means a phone call."""
    if value is None or not str(value).strip():
        return "phone"
    code = CHANNEL_WORDS.get(" ".join(fold(str(value)).split()))
    if code is None:
        raise RowProblem("invalid_channel",
                         f"Kênh «{value}» không hợp lệ; dùng một trong: {ALLOWED_CHANNELS}.")
    return code


def received_time(value: Any) -> datetime | None:
    """A time received as a sheet holds it: a date cell, dd/mm/yyyy, or ISO 8601."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=local_tz())
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=local_tz())
    text = str(value).strip()
    try:
        found = DAY_FIRST.match(text)
        if found:
            day, month, year, hour, minute = found.groups()
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                            tzinfo=local_tz())
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RowProblem("invalid_datetime", f"Ngày tiếp nhận «{text}» không hợp lệ; "
                         f"viết {DATE_FORMATS}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local_tz())


def _complaint(values: dict[str, Any]) -> tuple[ComplaintIn | None, list[ImportRowError]]:
    """The row as a complaint, or every problem found in it."""
    problems: list[tuple[str, str]] = []
    payload: dict[str, Any] = {
        "text": "" if values.get("text") is None else str(values["text"])}
    for field, read in (("channel", channel_code), ("received_at", received_time)):
        try:
            value = read(values.get(field))
        except RowProblem as exc:
            problems.append((exc.code, exc.message))
            value = None
        if value is not None:
            payload[field] = value
    payload.setdefault("channel", "phone")
    caller = {k: str(values[k]) for k in ("name", "phone", "email", "address") if values.get(k)}
    if caller:
        payload["caller"] = caller
    try:
        complaint = ComplaintIn.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            described = describe(dict(error))
            problems.append((described["code"], described["message"]))
        complaint = None
    if problems:
        return None, [ImportRowError(row=0, code=c, message=m) for c, m in problems]
    return complaint, []


def row_key(complaint: ComplaintIn) -> str:
    """The idempotency key of a row without a source id: what makes it the same call."""
    caller = complaint.caller
    parts = [" ".join(fold(complaint.text).split()), complaint.channel,
             complaint.received_at.isoformat() if complaint.received_at else "",
             (caller.phone or "") if caller else ""]
    return "import-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def import_rows(session: Session, rows: list[Row], *, actor: str, now: datetime) -> ImportResult:
    created: list[str] = []
    errors: list[ImportRowError] = []
    for number, values in rows:
        complaint, problems = _complaint(values)
        if complaint is None:
            errors.extend(p.model_copy(update={"row": number}) for p in problems)
            continue
        source = str(values["key"]).strip() if values.get("key") else None
        try:
            with session.begin_nested():
                result = service.submit(session, complaint, actor=actor, now=now,
                                        idempotency_key=source or row_key(complaint),
                                        window=service.import_window())
        except DomainError as exc:
            errors.append(ImportRowError(row=number, code=exc.code, message=exc.message))
            continue
        if result.created:
            created.append(result.ticket.code)
        else:
            same = "cùng mã nguồn" if source else \
                "cùng nội dung, kênh, thời điểm tiếp nhận và số điện thoại"
            errors.append(ImportRowError(row=number, code="duplicate_row", message=(
                f"Dòng này đã được nhập trước đó (phiếu {result.ticket.code}, {same}); "
                "không nhập lại.")))
    return ImportResult(created=created, errors=errors)
