"""Intake API under /api/v1: submit, read, list, bulk import."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.auth import audit, policy
from triage.auth.deps import (
    SESSION_COOKIE,
    PrincipalDep,
    bearer_token,
    client_ip,
    get_principal,
    refuse_url_secrets,
    token_holder,
)
from triage.auth.service import ANONYMOUS
from triage.cases.present import with_case
from triage.db import get_one_statement_sessionmaker, utcnow
from triage.deps import SessionDep
from triage.errors import InvalidInput
from triage.intake import service
from triage.intake.fastpath import FastIntake
from triage.intake.importer import import_rows, read_table
from triage.intake.schemas import ComplaintIn, ImportResult, not_a_number
from triage.lookup import guard
from triage.lookup.schemas import ProgressOut
from triage.lookup.service import progress_out
from triage.routing.service import visible_events
from triage.sanitize import OPTIONAL_TEXT_PATTERN, clean_text
from triage.search import service as search
from triage.survey import service as survey
from triage.tickets import service as tickets
from triage.tickets.present import caller_out, ticket_out
from triage.tickets.schemas import CallerOut, TicketOut, TicketPage

router = APIRouter(tags=["complaints"])

SUBMITTERS = ("operator", "supervisor", "admin", "integration")
READERS = ("operator", "supervisor", "admin", "agency_staff")


def clean_query(value: str | None) -> str | None:
    """Search terms are normalised like stored text (NFC; NUL, bidi and lone surrogates
    refused), so that "Việt" typed in NFD finds the NFC text (B7)."""
    if value is None:
        return None
    return clean_text(value) or None


# Documented as the API description says it (no NUL, no bidi controls): E5 checks both ways.
TERM_SCHEMA = {"pattern": OPTIONAL_TEXT_PATTERN}
SearchTerm = Annotated[str | None, Query(json_schema_extra=TERM_SCHEMA),
                       AfterValidator(clean_query)]


@router.post("/complaints", status_code=201, response_model=TicketOut, responses={
    200: {"model": TicketOut,
          "description": "Gửi lại với cùng Idempotency-Key: trả về phiếu đã tạo."}})
async def submit_complaint(
    complaint: ComplaintIn,
    request: Request,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> TicketOut:
    """Public intake: citizens' web forms and integrations may submit without an account.

    The hot path of the service: who is asking, the ticket and its commit happen in one
    trip to a worker thread and one database connection."""
    key = (idempotency_key or "").strip() or None
    fast: FastIntake | None = getattr(request.app.state, "fast_intake", None)
    done = await _submit_on_loop(fast, request, complaint, key) if fast is not None else None
    if done is None:
        done = await run_in_threadpool(_submit_request, request, complaint, key)
    out, created = done
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/complaints/{out.code}"
    return out


async def _submit_on_loop(fast: FastIntake, request: Request, complaint: ComplaintIn,
                          key: str | None) -> tuple[TicketOut, bool] | None:
    """The common case on PostgreSQL without leaving the event loop: a bearer token (or
    none) and a new ticket. None: `_submit_request` handles it (sessions, replays)."""
    refuse_url_secrets(request)
    token = bearer_token(request)
    if token is None and SESSION_COOKIE in request.cookies:
        return None
    principal = ANONYMOUS if token is None else token_holder(await fast.principal(token))
    if not principal.is_anonymous:
        policy.require_role(principal, *SUBMITTERS)
    result = await fast.submit(complaint, actor=principal.username, idempotency_key=key,
                               now=utcnow(), window=service.declare_window(principal.role))
    return (ticket_out(result.ticket), True) if result is not None else None


def _submit_request(request: Request, complaint: ComplaintIn,
                    key: str | None) -> tuple[TicketOut, bool]:
    # On PostgreSQL the submission is one statement (service.submit_fast), so it needs no
    # transaction of its own around it.
    session = get_one_statement_sessionmaker()()
    try:
        principal = get_principal(request, session)
        if not principal.is_anonymous:
            policy.require_role(principal, *SUBMITTERS)
        result = _submit(session, complaint, principal.username, key,
                         service.declare_window(principal.role))
        return ticket_out(result.ticket), result.created
    finally:
        session.rollback()
        session.close()


def _submit(session: Session, complaint: ComplaintIn, actor: str, key: str | None,
            window: timedelta | None) -> service.Submission:
    """Submit and commit: the hot path's own one-statement session, not the request's
    transaction (`SessionDep`). Two requests with one new key can both miss the lookup; the
    unique key stops the second at its flush, and it then answers as a replay of the
    first (or 409 if its body differs) instead of a database error."""
    try:
        result = service.submit_fast(session, complaint, actor=actor, idempotency_key=key,
                                     now=utcnow(), window=window)
        if result.created:
            session.commit()
        return result
    except IntegrityError:
        session.rollback()
        if key is None or service.find_by_key(session, key) is None:
            raise
    return service.submit(session, complaint, actor=actor, idempotency_key=key, now=utcnow(),
                          window=window)


@router.get("/complaints/{code}", response_model=TicketOut | ProgressOut,
            responses={404: {"description": "Không có phiếu mang mã này."}})
def get_complaint(
    code: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> TicketOut | ProgressOut:
    """Staff see the ticket and its history; anyone else only its progress, and only with
    the full code (its check part included): a code without it, or with a wrong one, is
    answered like an unknown code, so that codes cannot be walked."""
    if principal.role not in READERS:
        guard.check(client_ip(request))
        found = tickets.find_public(session, code)
        if found is None:
            guard.missed(client_ip(request))
            raise tickets.not_found(code)
        return progress_out(session, found)
    ticket = tickets.get_by_code(session, code)
    policy.check_view(principal, ticket)
    reveal = policy.can_see_caller(principal, ticket)
    if reveal and ticket.caller is not None:
        audit.record(session, principal, "read_caller", ticket_id=ticket.id,
                     source_ip=client_ip(request))
    if principal.role == "agency_staff" and principal.agency_code:
        # An agency sees the history from its own assignment on, not other agencies' notes.
        events = visible_events(session, ticket, principal.agency_code)
    else:
        events = tickets.events_of(session, ticket.id)
    satisfaction = survey.satisfactions(session, [ticket], now=utcnow(),
                                        for_agency=principal.role == "agency_staff")
    return with_case(ticket_out(ticket, reveal_caller=reveal, events=events,
                                satisfaction=satisfaction[ticket.id]), ticket)


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=service.REVEAL_REASON_MIN, max_length=500)


@router.post("/complaints/{code}/reveal", response_model=CallerOut)
def reveal_caller(
    code: str, body: RevealIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> CallerOut:
    """A supervisor may see a masked caller (a denouncer included) only with a recorded reason."""
    policy.require_role(principal, "supervisor")
    ticket = tickets.get_by_code(session, code)
    caller = service.reveal_caller(session, principal, ticket, body.reason.strip(),
                                   source_ip=client_ip(request))
    out = caller_out(caller, reveal=True)
    assert out is not None
    return out


@router.get("/complaints", response_model=TicketPage)
def list_complaints(
    session: SessionDep,
    principal: PrincipalDep,
    status: SearchTerm = None,
    topic: SearchTerm = None,
    channel: SearchTerm = None,
    agency: SearchTerm = None,
    received_from: Annotated[datetime | None, BeforeValidator(not_a_number)] = None,
    received_to: Annotated[datetime | None, BeforeValidator(not_a_number)] = None,
    q: Annotated[str | None, Query(max_length=200, json_schema_extra=TERM_SCHEMA),
                 AfterValidator(clean_query)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    policy.require_role(principal, *READERS)
    flt = tickets.TicketFilter(status=status, topic=topic, channel=channel, agency_code=agency,
                               received_from=received_from, received_to=received_to)
    found = search.matching(q, session.get_bind().dialect.name) if q else None
    if q and found is None:  # nothing searchable left in the term: nothing matches
        return TicketPage(items=[], total=0, page=page, per_page=per_page)
    items, total = tickets.list_tickets(
        session, flt, page=page, per_page=per_page, scope=policy.ticket_scope(principal),
        match=found.conditions if found else (), order_by=found.order_by if found else ())
    judged = survey.satisfactions(session, items, now=utcnow(),
                                  for_agency=principal.role == "agency_staff")
    return TicketPage(items=[with_case(ticket_out(t, satisfaction=judged[t.id]), t)
                             for t in items], total=total, page=page, per_page=per_page)


@router.post("/complaints/import", response_model=ImportResult)
def import_complaints(
    file: Annotated[UploadFile, File(json_schema_extra={"minLength": 1})], session: SessionDep,
    principal: PrincipalDep,
) -> ImportResult:
    policy.require_role(principal, "operator", "admin")
    data = file.file.read(get_max_import_bytes() + 1)
    if not data:
        raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
    rows = read_table(file.filename or "", data)
    return import_rows(session, rows, actor=principal.username, now=utcnow())


def get_max_import_bytes() -> int:
    from triage.settings import get_settings

    return get_settings().max_body_bytes
