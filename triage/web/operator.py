"""Operator pages: the case-entry desk with its live suggestion, and the review queue."""

from __future__ import annotations

import re
import secrets
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from triage.agencies.directory import load_directory
from triage.agencies.picker import find_agencies
from triage.agencies.service import agency_names
from triage.auth import audit
from triage.auth.deps import CSRF_HEADER, PrincipalDep, check_csrf, check_origin, client_ip
from triage.auth.service import Principal
from triage.classify.corpus import CONDUCT_KINDS
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import DomainError, Forbidden, InvalidInput
from triage.intake import desk
from triage.intake.schemas import ComplaintIn
from triage.review import service as review
from triage.review.service import Labels
from triage.routing import overlay
from triage.taxonomy import CHANNELS
from triage.tickets.service import find_by_code, get_by_code
from triage.validation import describe
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
api = APIRouter(include_in_schema=False)
ENTRY_ROLES = ("operator",)
REVIEWERS = ("operator", "supervisor", "admin")
LEVELS = {"commune": "Cấp xã: UBND, một cửa", "police": "Công an",
          "province": "Sở, ban, ngành tỉnh", "utility": "Điện, nước, bệnh viện, dịch vụ",
          "vertical": "Cơ quan ngành dọc"}
CODE = re.compile(r"^[0-9A-Za-z-]{1,32}$")
# Each queued case carries its own agency <select> (some 360 options): ten per page.
QUEUE_PAGE = 10


@lru_cache(maxsize=1)
def agency_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Agencies for one <select>, grouped by level and sorted by name."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for agency in load_directory().agencies.values():
        groups.setdefault(agency.level, []).append((agency.code, agency.name))
    return [(LEVELS.get(level, level), sorted(groups[level], key=lambda a: a[1]))
            for level in [*LEVELS, *sorted(set(groups) - set(LEVELS))] if level in groups]


def _entry_page(request: Request, principal: Principal, *, values: dict[str, Any],
                suggestion: desk.Suggestion | None = None, error: str | None = None,
                status_code: int = 200, created: desk.Filed | None = None) -> Response:
    return render(request, "entry.html", principal, status_code=status_code, values=values,
                  suggestion=suggestion, error=error, agency_groups=agency_groups(),
                  created=created, idem=secrets.token_urlsafe(16))


EMPTY = {"channel": "phone", "name": "", "phone": "", "email": "", "address": "", "text": "",
         "topic": "", "flags": [], "agency": ""}


@router.get("/tiep-nhan")
def entry_form(request: Request, principal: PrincipalDep, session: SessionDep) -> Response:
    require(request, principal, *ENTRY_ROLES)
    code = request.query_params.get("code", "")
    ticket = find_by_code(session, code) if CODE.match(code) else None
    return _entry_page(request, principal, values=dict(EMPTY),
                       created=desk.filed(ticket) if ticket is not None else None)


# What the desk asks of the caller; the e-mail is where the answer's survey link goes too.
CALLER_FIELDS = ("name", "phone", "email", "address")


def _complaint(values: dict[str, Any]) -> ComplaintIn:
    caller = {k: values[k].strip() for k in CALLER_FIELDS if values[k].strip()}
    return ComplaintIn.model_validate({"text": values["text"], "channel": values["channel"],
                                       **({"caller": caller} if caller else {})})


@router.post("/tiep-nhan")
def entry_submit(
    request: Request, principal: FormPrincipal, session: SessionDep,
    text: Annotated[str, Form(max_length=20_000)] = "",
    channel: Annotated[str, Form(max_length=16)] = "phone",
    name: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=320)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    topic: Annotated[str, Form(max_length=40)] = "",
    flags: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 (FastAPI copies it)
    agency: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[str, Form(max_length=16)] = "suggest",
    idem: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    require(request, principal, *ENTRY_ROLES)
    values = {"channel": channel if channel in CHANNELS else "phone", "name": name,
              "phone": phone, "email": email, "address": address, "text": text, "topic": topic,
              "flags": flags, "agency": agency}
    suggestion = desk.suggest(text, overlay.router(session, utcnow()), session) if text.strip() \
        else None
    if action not in ("accept", "queue"):
        return _entry_page(request, principal, values=values, suggestion=suggestion)
    try:
        complaint = _complaint(values)
        choice = desk.choice_at_accept(suggestion, topic, flags, agency) \
            if action == "accept" else None
        ticket = desk.submit(session, complaint, choice, actor=principal.username,
                              now=utcnow(), idempotency_key=f"web-{idem}" if idem else None)
    except ValidationError as exc:
        return _entry_page(request, principal, values=values, suggestion=suggestion,
                           error=describe(dict(exc.errors()[0]))["message"], status_code=422)
    except DomainError as exc:
        session.rollback()
        return _entry_page(request, principal, values=values, suggestion=suggestion,
                           error=exc.message, status_code=exc.status_code)
    audit.record(session, principal, "web.entry", ticket_id=ticket.id,
                 source_ip=client_ip(request), data={"action": action})
    notice = "routed" if choice is not None else "queued"
    return redirect("/tiep-nhan", notice, code=ticket.code)


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=20_000)


@api.post("/tiep-nhan/goi-y")
def suggest_json(body: SuggestIn, request: Request, principal: PrincipalDep,
                 session: SessionDep) -> JSONResponse:
    """The live suggestion, fetched by static/entry.js as the operator types."""
    try:
        check_origin(request)
        check_csrf(principal, request.headers.get(CSRF_HEADER))
        if principal.role not in ENTRY_ROLES:
            raise Forbidden("Vai trò của bạn không được dùng chức năng này.")
    except DomainError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)
    return JSONResponse(desk.suggest(body.text, overlay.router(session, utcnow()),
                                     session).as_dict())


@api.get("/co-quan/tim")
def find_agency_json(request: Request, principal: PrincipalDep, q: str = "") -> JSONResponse:
    """The agency picker's choices for what the operator typed (static/picker.js)."""
    if principal.role not in REVIEWERS:
        err = Forbidden("Vai trò của bạn không được dùng chức năng này.")
        return JSONResponse(err.to_dict(), status_code=err.status_code)
    found = find_agencies(q[:200])
    return JSONResponse([{"code": a.code, "name": a.name, "level": LEVELS.get(a.level, a.level)}
                         for a in found])


@router.get("/xem-xet")
def review_queue(request: Request, principal: PrincipalDep, session: SessionDep,
                 page: int = 1) -> Response:
    require(request, principal, *REVIEWERS)
    page = max(1, min(page, 10_000))
    items, total = review.review_queue(session, status=None, page=page, per_page=QUEUE_PAGE)
    reasons = review.reassign_reasons(session, [t.id for t in items])
    return render(request, "review.html", principal, items=items, total=total, page=page,
                  per_page=QUEUE_PAGE, reassign=reasons, agency_names=agency_names(session),
                  agency_groups=agency_groups())


@router.post("/xem-xet/{code}")
def review_act(
    code: str, request: Request, principal: FormPrincipal, session: SessionDep,
    action: Annotated[str, Form(max_length=16)],
    topic: Annotated[str, Form(max_length=40)] = "",
    flags: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006
    kinds: Annotated[list[str], Form(max_length=4)] = [],  # noqa: B006
    agency: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    back: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    require(request, principal, *REVIEWERS)
    ticket = get_by_code(session, code, lock=True)
    now, actor, clean_note = utcnow(), principal.username, note.strip() or None
    chosen = _kinds(kinds)
    labels = Labels(topic=topic or None, flags=sorted(set(flags)), agency_code=agency or None,
                    conduct_kinds=chosen if "thai_do" in flags else None)
    if action == "kinds":
        review.set_conduct_kinds(session, ticket, chosen or [], actor=actor, now=now,
                                 note=clean_note)
    elif action == "accept":
        review.accept(session, ticket, actor=actor, now=now, note=clean_note)
    elif action == "route" and ticket.status == "needs_review":
        review.route(session, ticket, labels, actor=actor, now=now, note=clean_note)
    elif action == "route":
        review.reroute(session, ticket, labels, actor=actor, now=now, note=clean_note)
    elif action == "close":
        if not clean_note:
            raise InvalidInput("Hãy ghi lý do đóng phiếu.", code="note_required")
        review.close(session, ticket, note=clean_note, labels=Labels(), actor=actor, now=now)
    else:
        raise InvalidInput("Thao tác không hợp lệ.", code="invalid_action")
    audit.record(session, principal, f"review.{action}", ticket_id=ticket.id,
                 source_ip=client_ip(request),
                 data={"agency_code": ticket.agency_code, "status": ticket.status})
    target = f"/phieu/{ticket.code}" if back == "ticket" else "/xem-xet"
    done = {"close": "closed", "kinds": "kinds_saved"}.get(action, "routed")
    return redirect(target, done)


def _kinds(values: list[str]) -> list[str] | None:
    """The conduct kinds ticked on the form (None: none ticked)."""
    unknown = [v for v in values if v not in CONDUCT_KINDS]
    if unknown:
        raise InvalidInput(f"Loại hành vi không hợp lệ: {', '.join(unknown)}.",
                           code="unknown_kind")
    return sorted(set(values)) or None
