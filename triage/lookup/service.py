"""Citizen lookup: a ticket code plus the last four digits of the caller's phone give the
progress and the published answer; never the text, never anything about the caller.
A ticket's full code alone gives its progress (`progress_out`)."""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.agencies.service import agency_name
from triage.auth.policy import is_confidential
from triage.db import utcnow
from triage.lookup.schemas import LookupOut, ProgressOut
from triage.survey.service import prompt_for
from triage.tickets.codes import public_code
from triage.tickets.models import Ticket
from triage.tickets.service import find_public, local_tz
from triage.tickets.states import STATUS_NAMES, Status

PUBLISHED = (Status.RESOLVED, Status.CLOSED)


def find(session: Session, code: str, phone_last4: str) -> Ticket | None:
    """The ticket if the code exists and its caller's phone ends in `phone_last4`. The
    full code, with its check part; a code handed out before check parts existed also as
    it was given, the phone being the second factor it always needed."""
    ticket = find_public(session, code) or session.scalars(
        select(Ticket).where(Ticket.code == code.strip())).first()
    if ticket is None or ticket.caller is None or not ticket.caller.phone_last4:
        return None
    if not hmac.compare_digest(ticket.caller.phone_last4, phone_last4):
        return None
    return ticket


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()) if value is not None else None


def progress_out(session: Session, ticket: Ticket) -> ProgressOut:
    status = Status(ticket.status)
    published = status in PUBLISHED
    return ProgressOut(
        code=public_code(ticket.code), status=status.value, status_name=STATUS_NAMES[status],
        agency_name=None if is_confidential(ticket)
        else agency_name(session, ticket.agency_code),
        received_at=ticket.received_at.astimezone(local_tz()),
        routed_at=_local(ticket.routed_at), due_at=_local(ticket.due_at),
        resolved_at=_local(ticket.resolved_at) if published else None,
    )


def lookup_out(session: Session, ticket: Ticket) -> LookupOut:
    published = Status(ticket.status) in PUBLISHED
    return LookupOut(**progress_out(session, ticket).model_dump(),
                     answer=ticket.answer if published else None,
                     survey=prompt_for(session, ticket, utcnow()) if published else None)
