"""The report's lists, streamed from the database a batch at a time.

1. complaints flagged tre_han received in the month;
2. complaints flagged thai_do received in the month, complaints (2a, one list per kind:
   triage.reports.conduct) apart from praise (2b); nhung_nhieu also apart (2c);
3. assignments due in the month that their agency answered late or held unanswered past
   the deadline (each assignment counts for the agency that held it);
4. re-raised cases and 5. collective complaints (triage.reports.case_lists).

Rows come ordered by agency code, so every format can group them while streaming."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Select, String, cast, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.auth.policy import CONFIDENTIAL_FLAGS
from triage.db import utcnow
from triage.locations.tokens import fold
from triage.reports import case_lists, conduct, lateness
from triage.reports.cells import summary
from triage.routing import overlay
from triage.routing.deadlines import WorkCalendar
from triage.routing.models import Assignment
from triage.taxonomy import CHANNELS
from triage.tickets.models import Caller, Ticket
from triage.tickets.period import Period
from triage.tickets.phones import mask_phone
from triage.tickets.service import local_tz
from triage.tickets.states import STATUS_NAMES

BATCH = 2000
TEXT_CHARS = 600
NO_AGENCY = "Chưa xác định cơ quan"
STATUS_BY_CODE: dict[str, str] = {s.value: name for s, name in STATUS_NAMES.items()}


@dataclass(frozen=True)
class Scope:
    period: Period
    agency_code: str | None = None  # None: the province-wide report
    # When the report is made: a month still running is judged as of then (lateness.cutoff).
    as_of: datetime = field(default_factory=utcnow, compare=False)

    @property
    def slug(self) -> str:
        return self.agency_code or "toan-tinh"

    @property
    def cutoff(self) -> datetime:
        return lateness.cutoff(self.period, self.as_of)


@dataclass(frozen=True)
class ListSpec:
    key: str
    number: str
    title: str
    sheet: str


LISTS: tuple[ListSpec, ...] = (
    ListSpec("tre_han", "1", "Danh sách phản ánh về giải quyết TTHC trễ hạn, quá hạn",
             "1. TTHC trễ hạn"),
    # List 2a, conduct complaints, grouped by kind (triage.reports.conduct).
    *(ListSpec(*group) for group in conduct.GROUPED),
    ListSpec("khen", "2b", "Danh sách ý kiến khen ngợi thái độ, tác phong của công chức, "
             "viên chức", "2b. Thái độ - khen ngợi"),
    ListSpec(*conduct.SEPARATE),  # nhung_nhieu, for the inspectorate
    ListSpec("tre_xu_ly", "3", "Danh sách phiếu chuyển xử lý trễ hạn", "3. Phiếu trễ hạn"),
    ListSpec("tai_phan_anh", "4", "Danh sách vụ việc bị tái phản ánh", "4. Tái phản ánh"),
    ListSpec("dong_nguoi", "5", "Danh sách phản ánh đông người", "5. Đông người"),
)

COLUMNS: tuple[str, ...] = (
    "STT", "Cơ quan xử lý", "Mã phiếu", "Ngày tiếp nhận", "Nội dung tóm tắt", "Địa bàn",
    "Kênh tiếp nhận", "Số điện thoại", "Hạn xử lý", "Ngày trả lời", "Tình trạng",
    "Số ngày trễ",
)


@dataclass(frozen=True, slots=True)
class ReportRow:
    agency_code: str | None
    agency_name: str
    code: str
    received_at: datetime
    summary: str
    place: str
    channel: str
    phone: str
    due_at: datetime | None
    answered_at: datetime | None
    status: str
    days_late: int

    def values(self, number: int) -> tuple[Any, ...]:
        """The row in COLUMNS order; datetimes are local and naive (as a sheet shows them)."""
        return (number, self.agency_name, self.code, _naive(self.received_at), self.summary,
                self.place, self.channel, self.phone, _naive(self.due_at),
                _naive(self.answered_at), self.status, self.days_late)


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


# Praise of an official is filed under thai_do too; the list reports it apart.
_PRAISE = ("khen", "bieu duong", "tuyen duong", "cam on", "biet on", "tan tinh", "tan tam",
           "nhiet tinh", "chu dao", "vui ve", "niem no")
_COMPLAINT = ("hach dich", "nhung nhieu", "phien ha", "gay kho", "tho lo", "boi duong",
              "quat", "to tieng", "vang mat", "tieu cuc", "khong tan tinh", "khong nhiet tinh",
              "thieu nhiet tinh", "chua nhiet tinh", "khong vui ve", "tu choi", "quat nat")


_WORDS = re.compile(r"\w+")


def is_praise(text: str) -> bool:
    words = " " + " ".join(_WORDS.findall(fold(text))) + " "
    if any(f" {cue} " in words for cue in _COMPLAINT):
        return False
    return any(f" {cue} " in words for cue in _PRAISE)


def has_flag(flag: str) -> Any:
    """Flags are a JSON list; its text form holds the quoted code on both backends."""
    return cast(Ticket.flags, String).like(f'%"{flag}"%')


def _agency_name(code: str | None, name: str | None) -> str:
    return name or code or NO_AGENCY


def _phone(e164: str | None, confidential: bool | None) -> str:
    # A denouncer's identity is never shown, not even masked (Luật Tố cáo).
    if confidential:
        return ""
    return mask_phone(e164)


def _raw(column: Any) -> Any:
    """A timestamp column read without the UTCDateTime conversion: the rows convert it
    once, straight to local time (see _Clock)."""
    return type_coerce(column, DateTime(timezone=True))


class _Clock:
    """Timestamps as the database driver returns them (aware on PostgreSQL, naive UTC
    on SQLite) made aware in UTC and in local time."""

    def __init__(self) -> None:
        self.tz = local_tz()

    def utc(self, moment: datetime | None) -> datetime | None:
        if moment is None or moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=UTC)

    def local(self, moment: datetime | None) -> datetime | None:
        aware = self.utc(moment)
        return aware.astimezone(self.tz) if aware is not None else None


def _ticket_columns() -> tuple[Any, ...]:
    # Whether the ticket is confidential is decided in SQL: decoding every row's JSON
    # flags costs more than the rest of the row.
    confidential = or_(*[has_flag(flag) for flag in sorted(CONFIDENTIAL_FLAGS)])
    return (Ticket.code, _raw(Ticket.received_at), func.substr(Ticket.text, 1, TEXT_CHARS),
            Ticket.channel, Ticket.status, confidential, Caller.phone_e164, Caller.name,
            Ticket.location["ward_name"].as_string())


def flagged_stmt(scope: Scope, flag: str) -> Select[Any]:
    return received_stmt(scope, has_flag(flag))


def received_stmt(scope: Scope, condition: Any) -> Select[Any]:
    """The month's received tickets that meet `condition`, by agency, oldest first."""
    period = scope.period
    stmt = (select(Ticket.agency_code, AgencyRow.name, *_ticket_columns(),
                   _raw(Ticket.due_at), _raw(Ticket.resolved_at))
            .outerjoin(AgencyRow, AgencyRow.code == Ticket.agency_code)
            .outerjoin(Caller, Caller.id == Ticket.caller_id)
            .where(Ticket.received_at >= period.start, Ticket.received_at < period.end,
                   condition)
            .order_by(Ticket.agency_code.is_(None), Ticket.agency_code, Ticket.received_at,
                      Ticket.id))
    if scope.agency_code is not None:
        stmt = stmt.where(Ticket.agency_code == scope.agency_code)
    return stmt


def late_assignments_stmt(scope: Scope) -> Select[Any]:
    a, cut = Assignment, scope.cutoff
    stmt = (select(a.agency_code, AgencyRow.name, *_ticket_columns(),
                   _raw(a.due_at), _raw(a.answered_at), _raw(a.ended_at))
            .join(Ticket, Ticket.id == a.ticket_id)
            .outerjoin(AgencyRow, AgencyRow.code == a.agency_code)
            .outerjoin(Caller, Caller.id == Ticket.caller_id)
            .where(*lateness.due_in(scope.period, cut), lateness.late_condition(cut))
            .order_by(a.agency_code, a.due_at, a.id))
    if scope.agency_code is not None:
        stmt = stmt.where(a.agency_code == scope.agency_code)
    return stmt


def _flagged_row(r: Any, cutoff: datetime, clock: _Clock, calendar: WorkCalendar
                 ) -> ReportRow:
    (agency, name, code, received, text, channel, status, confidential, phone, caller_name,
     place, due, resolved) = r
    due, resolved = clock.utc(due), clock.utc(resolved)
    return ReportRow(
        agency, _agency_name(agency, name), code, clock.local(received) or received,
        summary(text or "", caller_name), place or "", CHANNELS.get(channel, channel),
        _phone(phone, confidential), clock.local(due),
        clock.local(resolved if resolved and resolved < cutoff else None),
        STATUS_BY_CODE.get(status, status),
        lateness.days_late(due, resolved, cutoff, calendar))


def _late_status(answered: datetime | None, ended: datetime | None) -> str:
    if answered is not None:
        return "Trả lời trễ hạn"
    if ended is not None:
        return "Quá hạn, đã chuyển đi"
    return "Quá hạn, chưa trả lời"


def _late_row(r: Any, cutoff: datetime, clock: _Clock, calendar: WorkCalendar) -> ReportRow:
    (agency, name, code, received, text, channel, _status, confidential, phone, caller_name,
     place, due, answered, ended) = r
    due, answered, ended = clock.utc(due), clock.utc(answered), clock.utc(ended)
    done = lateness.assignment_done(answered, ended, cutoff)
    answered = answered if answered is not None and answered < cutoff else None
    ended = ended if ended is not None and ended < cutoff else None
    return ReportRow(
        agency, _agency_name(agency, name), code, clock.local(received) or received,
        summary(text or "", caller_name), place or "", CHANNELS.get(channel, channel),
        _phone(phone, confidential), clock.local(due), clock.local(answered),
        _late_status(answered, ended),
        lateness.days_late(due, done, cutoff, calendar))


def _stream(session: Session, stmt: Select[Any]) -> Iterator[Any]:
    # yield_per: a server-side cursor on PostgreSQL, batches of BATCH rows in memory.
    yield from session.execute(stmt.execution_options(yield_per=BATCH))


def iter_list(session: Session, scope: Scope, key: str) -> Iterator[ReportRow]:
    cutoff, clock = scope.cutoff, _Clock()
    # Days late are working days of the calendar in force (admins' days off included).
    calendar = overlay.calendar(session, scope.as_of)
    if key == "tre_xu_ly":
        for r in _stream(session, late_assignments_stmt(scope)):
            yield _late_row(r, cutoff, clock, calendar)
        return
    if key in case_lists.KEYS:
        yield from case_lists.iter_rows(session, scope, key, cutoff, clock, calendar)
        return
    flag = "tre_han" if key == "tre_han" else "thai_do"
    keep: Callable[[str], bool] = (
        (lambda _t: True) if key == "tre_han" else is_praise if key == "khen"
        else (lambda t: not is_praise(t)))
    stmt = flagged_stmt(scope, flag)
    kind = conduct.kind_of(key)  # a conduct list grouped by kind
    if kind is not None:
        stmt = stmt.where(conduct.kind_condition(kind))
    for r in _stream(session, stmt):
        if keep(r[4] or ""):
            yield _flagged_row(r, cutoff, clock, calendar)
