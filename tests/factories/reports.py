"""Rows for report tests, written directly (the report reads history, not the pipeline)."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.routing.models import Assignment
from triage.tickets.models import Caller, Ticket

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_numbers = itertools.count(1)

AGENCIES = {
    "vp-ubnd-tinh": ("Văn phòng UBND tỉnh Đồng Tháp", "vanphong@dongthap.invalid"),
    "so-yt": ("Sở Y tế", "soyte@dongthap.invalid"),
    "so-xd": ("Sở Xây dựng", "soxaydung@dongthap.invalid"),
    "ubnd-28249": ("UBND phường Đạo Thạnh", None),
}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
          second: int = 0) -> datetime:
    """An aware datetime in Asia/Ho_Chi_Minh: local(2026, 10, 31, 23, 59)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def agencies(session: Session) -> None:
    for code, (name, email) in AGENCIES.items():
        session.merge(AgencyRow(code=code, name=name, level="province", email=email,
                                aliases=[]))
    session.flush()


def ticket(session: Session, received: datetime, *, flags: tuple[str, ...] = (),
           agency: str | None = "so-yt", text: str = "Phản ánh thử nghiệm.",
           topic: str = "y_te", channel: str = "phone", phone: str | None = "+84912345678",
           name: str | None = "Nguyễn Văn An", status: str = "routed",
           due: datetime | None = None, resolved: datetime | None = None) -> Ticket:
    caller = None
    if phone or name:
        caller = Caller(name=name, phone_e164=phone, phone_last4=phone[-4:] if phone else None)
        session.add(caller)
        session.flush()
    row = Ticket(code=f"1022-{received.astimezone(TZ):%Y%m}-{next(_numbers):05d}",
                 channel=channel, received_at=received, text=text, status=status,
                 topic=topic, flags=list(flags), agency_code=agency,
                 caller_id=caller.id if caller else None, due_at=due, resolved_at=resolved,
                 location={"ward_name": "Phường Mỹ Phú"})
    session.add(row)
    session.flush()
    return row


def assign(session: Session, t: Ticket, agency: str, assigned: datetime, due: datetime, *,
           answered: datetime | None = None, ended: datetime | None = None,
           reason: str | None = None) -> Assignment:
    row = Assignment(ticket_id=t.id, agency_code=agency, assigned_at=assigned, due_at=due,
                     actor="test", answered_at=answered, ended_at=ended, end_reason=reason)
    session.add(row)
    t.agency_code, t.due_at = agency, due
    if answered is not None:
        t.resolved_at = answered
    session.flush()
    return row
