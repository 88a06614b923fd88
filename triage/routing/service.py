"""Assigning a ticket to an agency: the automatic route, an operator's override and a
re-route after an agency sends a ticket back all go through `assign`. And what an agency
may read of the history of a ticket it holds (`visible_events`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.errors import InvalidInput
from triage.outbox.service import enqueue
from triage.outbox.tasks import NOTIFY_ASSIGNED
from triage.routing import overlay
from triage.routing.deadlines import due_at
from triage.routing.models import Assignment
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.service import transition
from triage.tickets.states import Status


def agency_name(code: str | None) -> str | None:
    if code is None:
        return None
    agency = load_directory().get(code)
    return agency.name if agency is not None else None


def current_assignment(session: Session, ticket: Ticket) -> Assignment | None:
    stmt = (select(Assignment)
            .where(Assignment.ticket_id == ticket.id, Assignment.ended_at.is_(None))
            .order_by(Assignment.id.desc()))
    return session.scalars(stmt).first()


def assign(
    session: Session, ticket: Ticket, agency_code: str, *, rule: str, reason: str,
    actor: str, now: datetime, kind: str = "routed",
) -> Assignment:
    """Hand the ticket to `agency_code` with a fresh deadline; end any earlier assignment."""
    if load_directory().get(agency_code) is None:
        raise InvalidInput(f"Không có cơ quan mã {agency_code} trong danh bạ.",
                           code="unknown_agency")
    previous = current_assignment(session, ticket)
    if previous is not None:
        previous.ended_at = now
        previous.end_reason = kind
    # The first deadline counts from receipt; a re-route gives the new agency its own time.
    start = ticket.received_at if previous is None else now
    deadline = due_at(start, ticket.topic, ticket.flags or [],
                      calendar=overlay.calendar(session, now), urgency=ticket.urgency)
    assignment = Assignment(ticket_id=ticket.id, agency_code=agency_code, assigned_at=now,
                            due_at=deadline, rule=rule, actor=actor)
    session.add(assignment)
    ticket.agency_code = agency_code
    ticket.routing_rule = rule
    ticket.routing_reason = reason
    ticket.routed_at = now
    ticket.due_at = deadline
    transition(session, ticket, Status.ROUTED, actor=actor, kind=kind, now=now,
               data={"agency_code": agency_code, "rule": rule,
                     "due_at": deadline.isoformat(),
                     "previous_agency": previous.agency_code if previous else None})
    session.flush()
    enqueue(session, NOTIFY_ASSIGNED, {"assignment_id": assignment.id}, ticket_id=ticket.id,
            now=now)
    return assignment


def hand_back(session: Session, ticket: Ticket, *, actor: str, now: datetime,
              reason: str) -> Assignment | None:
    """The ticket goes back to the agency that answered it (a citizen not satisfied): that
    answer's assignment ends as it was (answered, on time or not, in the month it was due)
    and a new one starts with a fresh deadline counted from now, already acknowledged.
    None when the ticket has no assignment of its own."""
    previous = current_assignment(session, ticket)
    if previous is None:
        return None
    previous.ended_at = now
    previous.end_reason = reason
    deadline = due_at(now, ticket.topic, ticket.flags or [],
                      calendar=overlay.calendar(session, now), urgency=ticket.urgency)
    assignment = Assignment(ticket_id=ticket.id, agency_code=previous.agency_code,
                            assigned_at=now, acknowledged_at=now, due_at=deadline,
                            rule=previous.rule, actor=actor)
    session.add(assignment)
    ticket.due_at = deadline
    session.flush()
    return assignment


def visible_events(session: Session, ticket: Ticket, agency_code: str) -> list[TicketEvent]:
    """The history an agency may read: from its current assignment on, and nothing that
    another agency wrote (its notes, its reasons for sending the ticket back)."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    assignment = current_assignment(session, ticket)
    if assignment is not None:
        stmt = stmt.where(TicketEvent.at >= assignment.assigned_at)
    events = session.scalars(stmt.order_by(TicketEvent.id))
    return [e for e in events if (e.data or {}).get("agency_code") in (None, agency_code)]
