"""A ticket's life and its lookups: moving it through the state machine, finding it by
code, reading its history, listing tickets. Every area uses these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.errors import NotFound
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.states import check_transition


def local_tz() -> ZoneInfo:
    """The hotline's local time (codes, deadlines, reports and every time shown)."""
    return ZoneInfo(get_settings().timezone)


def transition(
    session: Session,
    ticket: Ticket,
    target: str,
    *,
    actor: str,
    kind: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> None:
    """Move a ticket to another state (refusing illegal moves) and record who did it."""
    goal = check_transition(ticket.status, target)
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind=kind,
                            from_status=ticket.status, to_status=goal, data=data or {}))
    ticket.status = goal
    ticket.updated_at = now


def find_by_code(session: Session, code: str, *, lock: bool = False) -> Ticket | None:
    """The ticket with this code (staff may leave the check part out), or None; `lock`
    takes the row for the transaction."""
    from triage.tickets.codes import staff_condition  # codes reads local_tz from here

    stmt = select(Ticket).where(staff_condition(code))
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def find_public(session: Session, code: str) -> Ticket | None:
    """The ticket a code given without login names: only with its right check part, so
    that codes cannot be walked. Anything else is None, like an unknown code."""
    from triage.tickets.codes import public_condition

    condition = public_condition(code)
    if condition is None:
        return None
    return session.scalars(select(Ticket).where(condition)).first()


def not_found(code: str) -> NotFound:
    """The one answer for a code that does not exist, or that the asker may not see."""
    return NotFound(f"Không tìm thấy phiếu {code}.", code="ticket_not_found")


def get_by_code(session: Session, code: str, *, lock: bool = False) -> Ticket:
    ticket = find_by_code(session, code, lock=lock)
    if ticket is None:
        raise not_found(code)
    return ticket


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    topic: str | None = None
    channel: str | None = None
    agency_code: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None


def list_tickets(
    session: Session, flt: TicketFilter, *, page: int, per_page: int, scope: Any = None,
    match: Sequence[Any] = (), order_by: Sequence[Any] = (),
) -> tuple[list[Ticket], int]:
    """A page of tickets; `match` and `order_by` come from a text search
    (triage.search), newest first otherwise."""
    conditions: list[Any] = [*match] if scope is None else [scope, *match]
    if flt.status:
        conditions.append(Ticket.status == flt.status)
    if flt.topic:
        conditions.append(Ticket.topic == flt.topic)
    if flt.channel:
        conditions.append(Ticket.channel == flt.channel)
    if flt.agency_code:
        conditions.append(Ticket.agency_code == flt.agency_code)
    if flt.received_from:
        conditions.append(Ticket.received_at >= flt.received_from)
    if flt.received_to:
        conditions.append(Ticket.received_at < flt.received_to)
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    stmt = (
        select(Ticket)
        .where(*conditions)
        .order_by(*(order_by or (Ticket.id.desc(),)))
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.scalars(stmt)), total
