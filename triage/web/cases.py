"""The operator's one click on the ticket page: link a ticket into the case of a
proposed match, or take it out of its case. Both are audited and kept as corrections
(case_link_corrections) for tuning the link threshold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from triage.auth import audit
from triage.auth.deps import client_ip
from triage.auth.service import Principal
from triage.cases import service
from triage.cases.models import Case
from triage.db import utcnow
from triage.deps import SessionDep
from triage.tickets.models import Ticket
from triage.tickets.service import get_by_code
from triage.web.pages import FormPrincipal, PageRoute, redirect, require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
LINKERS = ("operator", "supervisor", "admin")


@dataclass(frozen=True)
class Panel:
    """What the ticket page shows of cases: the ticket's case and its reports, or the
    matches proposed for it."""

    case: Case | None
    reports: list[Ticket]
    proposals: list[service.Candidate]
    may_link: bool


def panel(session: Session, principal: Principal, ticket: Ticket) -> Panel:
    case = service.case_of(session, ticket.id)
    may_link = principal.role in LINKERS
    reports = service.reports_of(session, case) if case is not None else []
    proposals = service.proposals(session, ticket, utcnow()) if may_link else []
    return Panel(case, reports, proposals, may_link)


@router.post("/phieu/{code}/vu-viec/gop")
def link(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
         target: Annotated[str, Form(max_length=40)]) -> Response:
    require(request, principal, *LINKERS)
    ticket = get_by_code(session, code, lock=True)
    other = get_by_code(session, target)
    case = service.link(session, ticket, other, actor=principal.username, now=utcnow())
    audit.record(session, principal, "case.link", ticket_id=ticket.id,
                 source_ip=client_ip(request),
                 data={"case_code": case.code, "target": other.code})
    return redirect(f"/phieu/{ticket.code}", "case_linked")


@router.post("/phieu/{code}/vu-viec/tach")
def unlink(code: str, request: Request, principal: FormPrincipal,
           session: SessionDep) -> Response:
    require(request, principal, *LINKERS)
    ticket = get_by_code(session, code, lock=True)
    case = service.unlink(session, ticket, actor=principal.username, now=utcnow())
    audit.record(session, principal, "case.unlink", ticket_id=ticket.id,
                 source_ip=client_ip(request), data={"case_code": case.code})
    return redirect(f"/phieu/{ticket.code}", "case_unlinked")
