"""Agency staff: the inbox of their agency's tickets and the four things they do with one
(acknowledge, note progress, resolve with the answer, send back with a reason)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.auth import audit, policy
from triage.auth.deps import PrincipalDep, client_ip, held_ticket
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import Forbidden, InvalidInput
from triage.inbox import service as inbox
from triage.sanitize import clean_text
from triage.taxonomy import TOPICS
from triage.tickets.models import Ticket, urgent_first
from triage.tickets.states import Status
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STAFF = "agency_staff"
PER_PAGE = 50
# tab -> (title, status filter, due filter); "" is the default: everything still open.
TABS: dict[str, tuple[str, str | None, str | None]] = {
    "": ("Cần xử lý", None, None),
    "moi": ("Mới chuyển đến", Status.ROUTED.value, None),
    "sap-han": ("Sắp đến hạn", None, "soon"),
    "qua-han": ("Quá hạn", None, "overdue"),
    "da-tra-loi": ("Đã trả lời", Status.RESOLVED.value, None),
}


def _agency_of(request: Request, principal: Principal) -> str:
    require(request, principal, STAFF)
    if not principal.agency_code:
        raise Forbidden("Tài khoản chưa được gắn với cơ quan nào.")
    return principal.agency_code


def _open(session: Session, principal: Principal, page: int) -> tuple[list[Ticket], int]:
    condition = [policy.ticket_scope(principal), Ticket.status.in_(inbox.OPEN_STATES)]
    total = session.scalar(select(func.count()).select_from(Ticket).where(*condition)) or 0
    stmt = (select(Ticket).where(*condition)
            .order_by(urgent_first(), Ticket.due_at.is_(None), Ticket.due_at, Ticket.id)
            .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return list(session.scalars(stmt)), total


def _counts(session: Session, principal: Principal, now: datetime) -> dict[str, int]:
    scope = policy.ticket_scope(principal)
    out = {}
    for tab, (_, status, due) in TABS.items():
        if tab in ("", "da-tra-loi"):
            continue
        flt = inbox.InboxFilter(status=status, due=due)
        out[tab] = inbox.list_inbox(session, scope, flt, now=now, page=1, per_page=1)[1]
    return out


@router.get("/hop-thu")
def inbox_page(request: Request, principal: PrincipalDep, session: SessionDep,
               tab: str = "", page: int = 1) -> Response:
    _agency_of(request, principal)
    tab = tab if tab in TABS else ""
    page = max(1, min(page, 10_000))
    now = utcnow()
    title, status, due = TABS[tab]
    if tab == "":
        items, total = _open(session, principal, page)
    else:
        flt = inbox.InboxFilter(status=status, due=due)
        items, total = inbox.list_inbox(session, policy.ticket_scope(principal), flt, now=now,
                                        page=page, per_page=PER_PAGE)
    return render(request, "inbox.html", principal, items=items, total=total, page=page,
                  per_page=PER_PAGE, tab=tab, tabs=TABS, title=title,
                  counts=_counts(session, principal, now), now=now, soon=now + inbox.DUE_SOON,
                  agency_names=agency_names(session))


def _text(value: str, what: str) -> str:
    cleaned = clean_text(value)
    if not cleaned:
        raise InvalidInput(f"Hãy nhập {what}.", code="empty_text")
    return cleaned


def _done(session: Session, principal: Principal, request: Request, ticket: Ticket,
          action: str, notice: str) -> Response:
    audit.record(session, principal, action, ticket_id=ticket.id, source_ip=client_ip(request),
                 data={"status": ticket.status})
    if ticket.agency_code != principal.agency_code or ticket.status not in inbox.OPEN_STATES:
        return redirect("/hop-thu", notice)
    return redirect(f"/phieu/{ticket.code}", notice)


@router.post("/phieu/{code}/tiep-nhan")
def acknowledge(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
                note: Annotated[str, Form(max_length=1000)] = "") -> Response:
    agency = _agency_of(request, principal)
    ticket = held_ticket(session, principal, code, request)
    inbox.acknowledge(session, ticket, actor=principal.username, agency_code=agency,
                      now=utcnow(), note=clean_text(note) or None)
    return _done(session, principal, request, ticket, "inbox.acknowledge", "acknowledged")


@router.post("/phieu/{code}/ghi-chu")
def add_note(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
             note: Annotated[str, Form(max_length=4000)] = "") -> Response:
    agency = _agency_of(request, principal)
    ticket = held_ticket(session, principal, code, request)
    inbox.add_note(session, ticket, _text(note, "nội dung tiến độ"), actor=principal.username,
                   agency_code=agency, now=utcnow())
    return _done(session, principal, request, ticket, "inbox.note", "noted")


@router.post("/phieu/{code}/tra-loi")
def resolve(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
            answer: Annotated[str, Form(max_length=10_000)] = "",
            public: Annotated[bool, Form()] = False) -> Response:
    agency = _agency_of(request, principal)
    ticket = held_ticket(session, principal, code, request)
    inbox.resolve(session, ticket, _text(answer, "nội dung trả lời công dân"),
                  actor=principal.username, agency_code=agency, now=utcnow(), public=public)
    return _done(session, principal, request, ticket, "inbox.resolve", "resolved")


@router.post("/phieu/{code}/tra-lai")
def send_back(code: str, request: Request, principal: FormPrincipal, session: SessionDep,
              reason: Annotated[str, Form(max_length=1000)] = "",
              suggested_agency: Annotated[str, Form(max_length=64)] = "",
              topic: Annotated[str, Form(max_length=40)] = "") -> Response:
    agency = _agency_of(request, principal)
    ticket = held_ticket(session, principal, code, request)
    if topic and topic not in TOPICS:
        raise InvalidInput("Lĩnh vực không có trong danh mục.", code="invalid_topic")
    inbox.request_reassign(session, ticket, reason=_text(reason, "lý do chuyển lại"),
                           suggested_agency=suggested_agency or None, topic=topic or None,
                           flags=None, actor=principal.username, agency_code=agency,
                           now=utcnow())
    return _done(session, principal, request, ticket, "inbox.reassign", "sent_back")
