"""Intake API under /api/v1: submit, read, list, bulk import."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Response, UploadFile
from sqlalchemy.orm import Session

from triage.db import utcnow
from triage.deps import db_session, runtime
from triage.errors import InvalidInput
from triage.intake import service
from triage.intake.importer import import_rows, read_table
from triage.intake.present import ticket_out
from triage.intake.schemas import ComplaintIn, ImportResult, TicketOut, TicketPage
from triage.runtime import Runtime

router = APIRouter(tags=["complaints"])

SessionDep = Annotated[Session, Depends(db_session)]
RuntimeDep = Annotated[Runtime | None, Depends(runtime)]


@router.post("/complaints", status_code=201, response_model=TicketOut)
def submit_complaint(
    complaint: ComplaintIn,
    response: Response,
    session: SessionDep,
    rt: RuntimeDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> TicketOut:
    key = idempotency_key.strip() if idempotency_key else None
    result = service.submit(session, complaint, actor="api", idempotency_key=key or None,
                            now=utcnow())
    ticket = result.ticket
    out = ticket_out(ticket)
    if result.created:
        session.commit()
        if rt is not None:
            rt.after_commit()
    else:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/complaints/{ticket.code}"
    return out


@router.get("/complaints/{code}", response_model=TicketOut)
def get_complaint(code: str, session: SessionDep) -> TicketOut:
    ticket = service.get_by_code(session, code)
    return ticket_out(ticket, events=service.events_of(session, ticket.id))


@router.get("/complaints", response_model=TicketPage)
def list_complaints(
    session: SessionDep,
    status: str | None = None,
    topic: str | None = None,
    channel: str | None = None,
    agency: str | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    flt = service.TicketFilter(status=status, topic=topic, channel=channel, agency_code=agency,
                               received_from=received_from, received_to=received_to, q=q)
    items, total = service.list_tickets(session, flt, page=page, per_page=per_page)
    return TicketPage(items=[ticket_out(t) for t in items], total=total, page=page,
                      per_page=per_page)


@router.post("/complaints/import", response_model=ImportResult)
def import_complaints(
    file: Annotated[UploadFile, File()], session: SessionDep, rt: RuntimeDep
) -> ImportResult:
    data = file.file.read()
    if not data:
        raise InvalidInput("Tệp tải lên rỗng.", code="empty_file")
    rows = read_table(file.filename or "", data)
    result = import_rows(session, rows, actor="api:import", now=utcnow())
    if rt is not None:
        rt.after_commit()
    return result
