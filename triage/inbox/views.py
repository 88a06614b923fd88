"""Agency inbox API. Only agency staff use it, and only on tickets currently assigned to
their agency: any other ticket is answered exactly like an unknown code (404)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from triage.auth import audit, policy
from triage.auth.deps import PrincipalDep, client_ip, held_ticket
from triage.auth.service import Principal
from triage.cases.present import with_case
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import Forbidden
from triage.inbox import service
from triage.inbox.schemas import AcknowledgeIn, InboxPage, NoteIn, ReassignIn, ResolveIn
from triage.routing.service import visible_events
from triage.survey import service as survey
from triage.tickets.models import Ticket
from triage.tickets.present import ticket_out
from triage.tickets.schemas import EventOut, TicketOut
from triage.tickets.states import Status

router = APIRouter(prefix="/inbox", tags=["inbox"])
STAFF = "agency_staff"


def _agency(principal: Principal) -> str:
    policy.require_role(principal, STAFF)
    if not principal.agency_code:
        raise Forbidden("Tài khoản chưa được gắn với cơ quan nào.", code="no_agency")
    return principal.agency_code


def agency_view(ticket: Ticket, *, reveal: bool, events: list[EventOut] | None = None
                ) -> TicketOut:
    """Denouncers (thái độ, tố cáo) stay unknown to the agency: no caller at all."""
    out = with_case(ticket_out(ticket, reveal_caller=reveal), ticket)
    update: dict[str, object] = {"events": events}
    if policy.is_confidential(ticket):
        update["caller"] = None
    return out.model_copy(update=update)


@router.get("/tickets", response_model=InboxPage)
def list_inbox(
    session: SessionDep,
    principal: PrincipalDep,
    status: Status | None = None,
    due: Literal["soon", "overdue"] | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxPage:
    """My agency's tickets; `due=soon` (within 48 hours) or `due=overdue` for open ones."""
    _agency(principal)
    flt = service.InboxFilter(status=status.value if status else None, due=due)
    items, total = service.list_inbox(session, policy.ticket_scope(principal), flt,
                                      now=utcnow(), page=page, per_page=per_page)
    return InboxPage(items=[agency_view(t, reveal=False) for t in items], total=total,
                     page=page, per_page=per_page)


@router.get("/tickets/{code}", response_model=TicketOut)
def get_ticket(code: str, request: Request, session: SessionDep, principal: PrincipalDep
               ) -> TicketOut:
    agency = _agency(principal)
    ticket = held_ticket(session, principal, code, request)
    reveal = policy.can_see_caller(principal, ticket)
    if reveal and ticket.caller is not None:
        audit.record(session, principal, "read_caller", ticket_id=ticket.id,
                     source_ip=client_ip(request))
    events = [EventOut.model_validate(e, from_attributes=True)
              for e in visible_events(session, ticket, agency)]
    judged = survey.satisfactions(session, [ticket], for_agency=True, now=utcnow())
    return agency_view(ticket, reveal=reveal, events=events).model_copy(
        update={"satisfaction": judged[ticket.id]})


def _done(session: Session, principal: Principal, request: Request, ticket: Ticket,
          action: str) -> TicketOut:
    audit.record(session, principal, action, ticket_id=ticket.id, source_ip=client_ip(request),
                 data={"status": ticket.status})
    return agency_view(ticket, reveal=False)


@router.post("/tickets/{code}/acknowledge", response_model=TicketOut)
def acknowledge(code: str, request: Request, session: SessionDep, principal: PrincipalDep,
                body: AcknowledgeIn | None = None) -> TicketOut:
    agency = _agency(principal)
    ticket = held_ticket(session, principal, code, request)
    service.acknowledge(session, ticket, actor=principal.username, agency_code=agency,
                        now=utcnow(), note=body.note if body else None)
    return _done(session, principal, request, ticket, "inbox.acknowledge")


@router.post("/tickets/{code}/notes", response_model=TicketOut, status_code=201)
def add_note(code: str, body: NoteIn, request: Request, session: SessionDep,
             principal: PrincipalDep) -> TicketOut:
    agency = _agency(principal)
    ticket = held_ticket(session, principal, code, request)
    service.add_note(session, ticket, body.note, actor=principal.username, agency_code=agency,
                     now=utcnow())
    return _done(session, principal, request, ticket, "inbox.note")


@router.post("/tickets/{code}/resolve", response_model=TicketOut)
def resolve(code: str, body: ResolveIn, request: Request, session: SessionDep,
            principal: PrincipalDep) -> TicketOut:
    agency = _agency(principal)
    ticket = held_ticket(session, principal, code, request)
    service.resolve(session, ticket, body.answer, actor=principal.username, agency_code=agency,
                    now=utcnow(), public=body.public)
    return _done(session, principal, request, ticket, "inbox.resolve")


@router.post("/tickets/{code}/reassign", response_model=TicketOut)
def request_reassign(code: str, body: ReassignIn, request: Request, session: SessionDep,
                     principal: PrincipalDep) -> TicketOut:
    agency = _agency(principal)
    ticket = held_ticket(session, principal, code, request)
    service.request_reassign(session, ticket, reason=body.reason,
                             suggested_agency=body.suggested_agency, topic=body.topic,
                             flags=body.flags, actor=principal.username, agency_code=agency,
                             now=utcnow())
    return _done(session, principal, request, ticket, "inbox.reassign")
