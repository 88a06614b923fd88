"""The ticket page with its full history, and search by code, phone or text."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from triage.agencies.service import agency_names
from triage.auth import audit, policy
from triage.auth.deps import PrincipalDep, client_ip, visible_ticket
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import Forbidden
from triage.intake import service as intake
from triage.review import service as review
from triage.routing.service import visible_events
from triage.sanitize import clean_text
from triage.search import service as ticket_search
from triage.tickets import service as tickets
from triage.tickets.codes import parse_code, staff_condition
from triage.tickets.models import Caller, Ticket, TicketEvent
from triage.tickets.phones import InvalidPhone, canonical_phone
from triage.tickets.present import caller_out, ticket_out
from triage.tickets.schemas import CallerOut, TicketOut
from triage.web.cases import panel as case_panel
from triage.web.operator import agency_groups
from triage.web.pages import FormPrincipal, PageRoute, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
READERS = ("operator", "supervisor", "admin", "agency_staff")
SEARCHERS = READERS
PHONE_SEARCHERS = ("operator",)
RESULTS = 50
PHONE_LIKE = re.compile(r"^[\s+().\-\d]{9,20}$")


def ticket_view(session: Session, principal: Principal, ticket: Ticket, request: Request
                ) -> tuple[TicketOut, list[TicketEvent]]:
    reveal = policy.can_see_caller(principal, ticket)
    out = ticket_out(ticket, reveal_caller=reveal)
    if principal.role == "agency_staff":
        if policy.is_confidential(ticket):
            out = out.model_copy(update={"caller": None})
        events = visible_events(session, ticket, principal.agency_code or "")
    else:
        events = tickets.events_of(session, ticket.id)
    if reveal and out.caller is not None:
        audit.record(session, principal, "read_caller", ticket_id=ticket.id,
                     source_ip=client_ip(request))
    return out, events


@router.get("/phieu/{code}")
def ticket_page(code: str, request: Request, principal: PrincipalDep, session: SessionDep
                ) -> Response:
    require(request, principal, *READERS)
    ticket = visible_ticket(session, principal, code, request)
    return _ticket_page(session, principal, ticket, request)


def _ticket_page(session: Session, principal: Principal, ticket: Ticket, request: Request,
                 *, caller: CallerOut | None = None, reveal_error: str | None = None
                 ) -> Response:
    out, events = ticket_view(session, principal, ticket, request)
    if caller is not None:
        out = out.model_copy(update={"caller": caller})
    holds = policy.holds_ticket(principal, ticket)
    reviewer = principal.role in ("operator", "supervisor", "admin")
    reassign = review.reassign_reasons(session, [ticket.id]).get(ticket.id) \
        if reviewer else None
    may_reveal = principal.role == "supervisor" and ticket.caller_id is not None \
        and caller is None
    return render(request, "ticket.html", principal, t=out, ticket=ticket, events=events,
                  holds=holds, confidential_case=policy.is_confidential(ticket),
                  reviewer=reviewer, reassign_reason=reassign,
                  agency_names=agency_names(session), agency_groups=agency_groups(),
                  may_reveal=may_reveal, reveal_error=reveal_error, revealed=caller is not None,
                  cases=case_panel(session, principal, ticket))


@router.post("/phieu/{code}/nguoi-phan-anh")
def reveal_caller(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
                  reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """A supervisor sees a masked caller (a denouncer included) only after giving a reason,
    which the audit log keeps; shown in this answer only, never stored in a page or URL."""
    require(request, principal, "supervisor")
    ticket = visible_ticket(session, principal, code, request)
    cleaned = clean_text(reason)
    if ticket.caller is not None and len(cleaned) < intake.REVEAL_REASON_MIN:  # else 404
        return _ticket_page(session, principal, ticket, request, reveal_error=(
            f"Hãy ghi lý do cần xem (ít nhất {intake.REVEAL_REASON_MIN} ký tự); "
            "lý do được lưu vào nhật ký."))
    caller = intake.reveal_caller(session, principal, ticket, cleaned,
                                  source_ip=client_ip(request))
    return _ticket_page(session, principal, ticket, request,
                        caller=caller_out(caller, reveal=True))


def _results(session: Session, principal: Principal, q: str) -> tuple[list[Ticket], bool, str]:
    """Tickets matching `q` within what `principal` may see, whether more match, and how
    `q` was read."""
    scope = policy.ticket_scope(principal)
    if parse_code(q) is not None:
        found = list(session.scalars(select(Ticket).where(scope, staff_condition(q))))
        if found:
            return found, False, "code"
    phone = _phone(q)
    if phone is not None:
        if principal.role not in PHONE_SEARCHERS:
            raise Forbidden("Chỉ tổng đài viên được tìm theo số điện thoại.")
        stmt = (select(Ticket).join(Caller, Ticket.caller_id == Caller.id)
                .where(scope, Caller.phone_e164 == phone)
                .order_by(Ticket.id.desc()))
        found = list(session.scalars(stmt.limit(RESULTS + 1)))
        return found[:RESULTS], len(found) > RESULTS, "phone"
    # Anything else, a partial or spaced code included, is searched forgivingly.
    return ticket_search.search(session, q, now=utcnow(), scope=scope, limit=RESULTS)


def _load_callers(session: Session, items: list[Ticket]) -> None:
    """The listed tickets' callers in one query (the summary leaves their names out): the
    page would otherwise load them one at a time, 50 round trips for a full page."""
    ids = {t.caller_id for t in items if t.caller_id is not None}
    if not ids:
        return
    callers = {c.id: c for c in session.scalars(select(Caller).where(Caller.id.in_(ids)))}
    for t in items:
        if t.caller_id is not None and "caller" not in t.__dict__:
            set_committed_value(t, "caller", callers.get(t.caller_id))


def _phone(q: str) -> str | None:
    """The canonical phone number `q` is, or None (digits that are no phone may be part of
    a ticket code)."""
    if not PHONE_LIKE.match(q):
        return None
    try:
        return canonical_phone(q)
    except InvalidPhone:
        return None


@router.get("/tim-kiem")
def search_form(request: Request, principal: PrincipalDep) -> Response:
    require(request, principal, *SEARCHERS)
    return render(request, "search.html", principal, q="", items=None, more=False, kind="",
                  agency_names={})


@router.post("/tim-kiem")
def search(request: Request, principal: FormPrincipal, session: SessionDep,
           q: Annotated[str, Form(max_length=200)] = "") -> Response:
    """POST, so that a phone number searched for never lands in a URL or an access log."""
    require(request, principal, *SEARCHERS)
    if not q.strip():
        return render(request, "search.html", principal, q="", items=None, more=False,
                      kind="", agency_names={},
                      error="Hãy nhập mã phiếu, số điện thoại hoặc nội dung.")
    items, more, kind = _results(session, principal, q)
    _load_callers(session, items)
    audit.record(session, principal, "web.search", source_ip=client_ip(request),
                 data={"kind": kind, "results": len(items), "more": more})
    return render(request, "search.html", principal, q=q, items=items, more=more, kind=kind,
                  apart_days=ticket_search.APART_DAYS, agency_names=agency_names(session))
