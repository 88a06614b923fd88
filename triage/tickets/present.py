"""Turning ORM rows into API shapes. Personal data is masked unless the caller may see it."""

from __future__ import annotations

from datetime import datetime

from triage.taxonomy import topic_name
from triage.tickets.models import Caller, Ticket, TicketEvent
from triage.tickets.phones import mask_phone, national_digits
from triage.tickets.schemas import CallerOut, EventOut, TicketOut, UrgencyOut
from triage.tickets.service import local_tz
from triage.tickets.states import STATUS_NAMES, Status


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    initials = [part[0] + "." for part in name.split()]
    return " ".join([*initials[:-1], initials[-1].rstrip(".") + "***"])


def caller_out(caller: Caller | None, *, reveal: bool) -> CallerOut | None:
    if caller is None:
        return None
    if reveal:
        phone = national_digits(caller.phone_e164) if caller.phone_e164 else None
        return CallerOut(name=caller.name, phone=phone, address=caller.address)
    return CallerOut(name=mask_name(caller.name), phone=mask_phone(caller.phone_e164) or None,
                     address="***" if caller.address else None)


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(local_tz()) if value is not None else None


def ticket_out(
    ticket: Ticket, *, reveal_caller: bool = False, events: list[TicketEvent] | None = None
) -> TicketOut:
    return TicketOut(
        code=ticket.code,
        status=ticket.status,
        status_name=STATUS_NAMES[Status(ticket.status)],
        channel=ticket.channel,
        received_at=_local(ticket.received_at),
        declared_at=_local(ticket.declared_at),
        text=ticket.text,
        topic=ticket.topic,
        topic_name=topic_name(ticket.topic) if ticket.topic else None,
        topic_confidence=ticket.topic_confidence,
        flags=list(ticket.flags or []),
        model_version=ticket.model_version,
        urgency=UrgencyOut(level=ticket.urgency, score=ticket.urgency_score,
                           reason=ticket.urgency_reason) if ticket.urgency else None,
        review_reasons=list(ticket.review_reasons or []),
        location=dict(ticket.location or {}),
        agency_code=ticket.agency_code,
        routing_rule=ticket.routing_rule,
        routing_reason=ticket.routing_reason,
        due_at=_local(ticket.due_at),
        resolved_at=_local(ticket.resolved_at),
        answer=ticket.answer,
        created_at=_local(ticket.created_at),
        updated_at=_local(ticket.updated_at),
        caller=caller_out(ticket.caller, reveal=reveal_caller),
        events=[EventOut.model_validate(e, from_attributes=True) for e in events]
        if events is not None else None,
    )

