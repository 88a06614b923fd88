"""What agency staff do with the tickets assigned to their agency: list, acknowledge,
note progress, resolve with the answer given to the citizen, send back. Callers check
first that the ticket is held by the staff member's agency (policy.holds_ticket)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.cases.service import acknowledge_case, answer_case, not_a_repeat
from triage.errors import Conflict, InvalidInput
from triage.routing.models import Assignment
from triage.routing.service import current_assignment
from triage.survey.service import on_answered
from triage.tickets.models import Ticket, TicketEvent, urgent_first
from triage.tickets.service import transition
from triage.tickets.states import STATUS_NAMES, Status
from triage.understand.record import record_correction

OPEN_STATES = (Status.ROUTED, Status.ACKNOWLEDGED)
DUE_SOON = timedelta(hours=48)


@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    due: str | None = None  # "soon" (within DUE_SOON) or "overdue"


def list_inbox(session: Session, scope: Any, flt: InboxFilter, *, now: datetime, page: int,
               per_page: int) -> tuple[list[Ticket], int]:
    """`scope` limits rows and the total alike, so a count never reveals other agencies."""
    conditions: list[Any] = [scope, not_a_repeat()]
    if flt.status:
        conditions.append(Ticket.status == flt.status)
    if flt.due:
        conditions.append(Ticket.status.in_(OPEN_STATES))
        if flt.due == "overdue":
            conditions.append(Ticket.due_at < now)
        else:
            conditions += [Ticket.due_at >= now, Ticket.due_at < now + DUE_SOON]
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
    order = (urgent_first(), *((Ticket.due_at, Ticket.id) if flt.due else (Ticket.id.desc(),)))
    stmt = (select(Ticket).where(*conditions).order_by(*order)
            .offset((page - 1) * per_page).limit(per_page))
    return list(session.scalars(stmt)), total


def _require(ticket: Ticket, states: tuple[Status, ...], action: str) -> None:
    if ticket.status not in states:
        name = STATUS_NAMES[Status(ticket.status)]
        raise Conflict(f"Không thể {action} phiếu đang ở trạng thái «{name}».",
                       code="wrong_status", details={"status": ticket.status})


def _assignment(session: Session, ticket: Ticket) -> Assignment | None:
    assignment = current_assignment(session, ticket)
    if assignment is not None and assignment.agency_code == ticket.agency_code:
        return assignment
    return None


def acknowledge(session: Session, ticket: Ticket, *, actor: str, agency_code: str,
                now: datetime, note: str | None = None) -> None:
    _require(ticket, (Status.ROUTED,), "xác nhận đã nhận")
    transition(session, ticket, Status.ACKNOWLEDGED, actor=actor, kind="acknowledged", now=now,
               data={"agency_code": agency_code, **({"note": note} if note else {})})
    assignment = _assignment(session, ticket)
    if assignment is not None:
        assignment.acknowledged_at = now
    acknowledge_case(session, ticket, actor=actor, agency_code=agency_code, now=now)


def add_note(session: Session, ticket: Ticket, note: str, *, actor: str, agency_code: str,
             now: datetime) -> TicketEvent:
    _require(ticket, OPEN_STATES, "ghi tiến độ cho")
    event = TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="note",
                        data={"agency_code": agency_code, "note": note})
    session.add(event)
    ticket.updated_at = now
    session.flush()
    return event


def resolve(session: Session, ticket: Ticket, answer: str, *, actor: str, agency_code: str,
            now: datetime, public: bool = False) -> None:
    """Record the answer given to the citizen (who reads it with the lookup); `public`:
    the agency lets it be published, scrubbed of personal data."""
    _require(ticket, OPEN_STATES, "trả lời")
    transition(session, ticket, Status.RESOLVED, actor=actor, kind="resolved", now=now,
               data={"agency_code": agency_code, "public": public})
    ticket.answer = answer
    ticket.answer_public = public
    ticket.resolved_at = now
    assignment = _assignment(session, ticket)
    if assignment is not None:
        assignment.answered_at = now
        assignment.acknowledged_at = assignment.acknowledged_at or now
    # Every open report of the case gets the answer too, and each caller is asked whether
    # it helped.
    for answered in (ticket, *answer_case(session, ticket, actor=actor,
                                          agency_code=agency_code, now=now)):
        on_answered(session, answered, now)


def request_reassign(
    session: Session, ticket: Ticket, *, reason: str, suggested_agency: str | None,
    topic: str | None, flags: list[str] | None, actor: str, agency_code: str, now: datetime,
) -> None:
    """Send the ticket back to the operators' queue; the agency's view is kept as a
    correction (source "agency") whether or not it names the right agency."""
    _require(ticket, OPEN_STATES, "đề nghị chuyển lại")
    if suggested_agency is not None and load_directory().get(suggested_agency) is None:
        raise InvalidInput(f"Không có cơ quan mã {suggested_agency} trong danh bạ.",
                           code="unknown_agency")
    record_correction(
        session, ticket, source="agency", actor=actor,
        topic=topic if topic is not None else ticket.topic,
        flags=flags if flags is not None else list(ticket.flags or []),
        agency=suggested_agency, old_agency=agency_code, reason=reason, now=now, always=True)
    ticket.review_reasons = sorted({*(ticket.review_reasons or []), "agency_reassign"})
    transition(session, ticket, Status.REASSIGN_REQUESTED, actor=actor,
               kind="reassign_requested", now=now,
               data={"agency_code": agency_code, "reason": reason,
                     "suggested_agency": suggested_agency})
