"""Tickets in the states the pipeline, routing, inbox, review, lookup and Open311 tests
need.

Labels and routes are set directly (or through assign()), so that the tests do not
depend on a trained classifier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.factories import users
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import CallerIn, ComplaintIn
from triage.routing.service import assign
from triage.tickets.models import Ticket

AGENCY_A = "so-yt"
AGENCY_B = "so-gddt"
AGENCY_C = "so-xd"
CALLER_NAME = "Lê Thị Hoa"
CALLER_PHONE = "0987654321"


def submit(text: str, *, received_at: datetime | None = None, channel: str = "phone") -> int:
    """A ticket as intake writes it (received, its pipeline message in the outbox);
    `received_at` is written as if the ticket had come then (intake itself takes no time
    outside its window)."""
    with session_scope() as s:
        complaint = ComplaintIn(text=text, channel=channel)
        ticket = intake.submit(s, complaint, actor="test", now=utcnow()).ticket
        if received_at is not None:
            ticket.received_at = received_at
        return ticket.id


def marker(code: str) -> str:
    return f"MARK-{code}"


def make_ticket(
    *, agency: str | None = None, status: str | None = None, topic: str | None = "y_te",
    flags: list[str] | None = None, suggested: str | None = AGENCY_C, text: str | None = None,
    phone: str | None = CALLER_PHONE, received_at: datetime | None = None, tag: str = "",
) -> str:
    """A ticket routed to `agency` (status "routed" unless given), or one waiting in the
    review queue when `agency` is None. Its text carries a unique marker."""
    now = utcnow()
    with session_scope() as s:
        caller = CallerIn(name=CALLER_NAME, phone=phone, address="ấp 1, xã Mỹ Hiệp")
        body = text or f"Phản ánh về bệnh viện {tag} — nội dung riêng"
        complaint = ComplaintIn(text=body, channel="phone", caller=caller)
        ticket = intake.submit(s, complaint, actor="test", now=now).ticket
        if received_at is not None:  # as if it had come then (see submit)
            ticket.received_at = received_at
        ticket.text = f"{ticket.text} {marker(ticket.code)}" if text is None else ticket.text
        ticket.topic = topic
        ticket.flags = list(flags or [])
        ticket.status = "needs_review"
        ticket.review_reasons = ["routing_unsure"]
        ticket.location = {"suggested_agency": suggested} if suggested else {}
        ticket.routing_rule = "test-rule" if suggested else None
        ticket.routing_reason = "Gợi ý thử nghiệm." if suggested else None
        if agency is not None:
            assign(s, ticket, agency, rule="test-rule", reason="Chuyển thử nghiệm.",
                   actor="test", now=now)
            if status is not None:
                ticket.status = status
        return ticket.code


def reroute(code: str, agency: str) -> None:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        assign(s, ticket, agency, rule="operator", reason="Chuyển lại.", actor="test",
               now=utcnow(), kind="rerouted")


def load(code: str) -> Ticket:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        s.expunge(ticket)
        return ticket


def headers_for(actor: str) -> dict[str, str]:
    """Bearer headers for one of the actors of the access matrix (staff of AGENCY_A and
    AGENCY_B)."""
    return users.headers_for(actor, staff_a=AGENCY_A, staff_b=AGENCY_B)


ACTORS = users.ACTORS
