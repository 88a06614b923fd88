"""Operators' review API: the queue, accept, route by hand, re-route, close."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth import audit, policy
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.review import service
from triage.review.schemas import (
    AcceptIn,
    CloseIn,
    ConductKindsIn,
    ReviewItem,
    ReviewPage,
    RouteIn,
    Suggestion,
)
from triage.taxonomy import topic_name
from triage.tickets.models import Ticket
from triage.tickets.present import ticket_out
from triage.tickets.schemas import TicketOut
from triage.tickets.service import get_by_code, local_tz
from triage.tickets.states import STATUS_NAMES, Status

router = APIRouter(prefix="/review", tags=["review"])
REVIEWERS = ("operator", "supervisor", "admin")


def review_item(ticket: Ticket, names: dict[str, str], reassign_reason: str | None
                ) -> ReviewItem:
    suggested = (ticket.location or {}).get("suggested_agency")
    return ReviewItem(
        code=ticket.code, status=ticket.status, status_name=STATUS_NAMES[Status(ticket.status)],
        channel=ticket.channel, received_at=ticket.received_at.astimezone(local_tz()),
        text=ticket.text, topic=ticket.topic,
        topic_name=topic_name(ticket.topic) if ticket.topic else None,
        topic_confidence=ticket.topic_confidence, flags=list(ticket.flags or []),
        review_reasons=list(ticket.review_reasons or []), location=dict(ticket.location or {}),
        suggestion=Suggestion(agency_code=suggested,
                              agency_name=names.get(suggested) if suggested else None,
                              rule=ticket.routing_rule, reason=ticket.routing_reason),
        agency_code=ticket.agency_code,
        agency_name=names.get(ticket.agency_code) if ticket.agency_code else None,
        reassign_reason=reassign_reason,
        due_at=ticket.due_at.astimezone(local_tz()) if ticket.due_at else None,
    )


@router.get("/queue", response_model=ReviewPage)
def review_queue(
    session: SessionDep,
    principal: PrincipalDep,
    status: Literal["needs_review", "reassign_requested"] | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReviewPage:
    """Tickets waiting for a person: unsure cases and those an agency sent back."""
    policy.require_role(principal, *REVIEWERS)
    items, total = service.review_queue(session, status=status, page=page, per_page=per_page)
    names = agency_names(session)
    reasons = service.reassign_reasons(session, [t.id for t in items])
    return ReviewPage(items=[review_item(t, names, reasons.get(t.id)) for t in items],
                      total=total, page=page, per_page=per_page)


def _finish(session: Session, principal: Principal, request: Request,
            ticket: Ticket, action: str) -> TicketOut:
    audit.record(session, principal, action, ticket_id=ticket.id, source_ip=client_ip(request),
                 data={"agency_code": ticket.agency_code, "status": ticket.status})
    return ticket_out(ticket)


@router.post("/{code}/accept", response_model=TicketOut)
def accept(
    code: str, request: Request, session: SessionDep, principal: PrincipalDep,
    body: AcceptIn | None = None,
) -> TicketOut:
    """Route the ticket to the agency the rules suggested."""
    policy.require_role(principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    service.accept(session, ticket, actor=principal.username, now=utcnow(),
                   note=body.note if body else None)
    return _finish(session, principal, request, ticket, "review.accept")


def _labels(body: RouteIn) -> service.Labels:
    """What a route or re-route sets: topic, flags and conduct kinds left out are kept,
    an agency left out is chosen by the rules."""
    return service.Labels(topic=body.topic, flags=body.flags, agency_code=body.agency_code,
                          conduct_kinds=body.conduct_kinds)


@router.post("/{code}/route", response_model=TicketOut)
def route(
    code: str, body: RouteIn, request: Request, session: SessionDep,
    principal: PrincipalDep,
) -> TicketOut:
    """Set topic, flags and/or agency in one call and route the ticket."""
    policy.require_role(principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    labels = _labels(body)
    service.route(session, ticket, labels, actor=principal.username, now=utcnow(),
                  note=body.note)
    return _finish(session, principal, request, ticket, "review.route")


@router.post("/{code}/reroute", response_model=TicketOut)
def reroute(
    code: str, body: RouteIn, request: Request, session: SessionDep,
    principal: PrincipalDep,
) -> TicketOut:
    """Hand a routed ticket, or one an agency sent back, to another agency."""
    policy.require_role(principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    labels = _labels(body)
    service.reroute(session, ticket, labels, actor=principal.username, now=utcnow(),
                    note=body.note)
    return _finish(session, principal, request, ticket, "review.reroute")


@router.post("/{code}/conduct-kinds", response_model=TicketOut)
def conduct_kinds(
    code: str, body: ConductKindsIn, request: Request, session: SessionDep,
    principal: PrincipalDep,
) -> TicketOut:
    """Say what kind of conduct a thai_do complaint reports, in any state; the ticket
    stays where it is."""
    policy.require_role(principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    service.set_conduct_kinds(session, ticket, body.kinds, actor=principal.username,
                              now=utcnow(), note=body.note)
    return _finish(session, principal, request, ticket, "review.conduct_kinds")


@router.post("/{code}/close", response_model=TicketOut)
def close(
    code: str, body: CloseIn, request: Request, session: SessionDep,
    principal: PrincipalDep,
) -> TicketOut:
    """Close a ticket with no matter in it, with the reason."""
    policy.require_role(principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    service.close(session, ticket, note=body.note,
                  labels=service.Labels(topic=body.topic, flags=body.flags),
                  actor=principal.username, now=utcnow())
    return _finish(session, principal, request, ticket, "review.close")
