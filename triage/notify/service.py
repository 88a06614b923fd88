"""Notifications: decide once (a row per assignment, kind and channel), deliver with
retries and capped exponential backoff, never two rows for the same message."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.agencies.models import AgencyRow
from triage.agencies.seed import PROVINCE_OFFICE
from triage.notify import messages, transports
from triage.notify.models import Notification
from triage.routing.models import Assignment
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
OPEN_STATUSES = ("routed", "acknowledged")
# Messages to the province office; they are sent even once the assignment has ended.
# Messages to the province office about an agency's ticket (not cancelled by a re-route):
# escalations, and the copy of a collective complaint (many households, a group petition,
# a crowd), which the office follows whichever agency handles it.
ESCALATIONS = ("escalation", "urgent_escalation", "reraised_escalation", "collective_copy")
# A claim is held while its sender lives: the sending task renews it every RENEW_EVERY
# (triage.notify.tasks), so a claim left by a worker killed mid-send expires within
# LEASE, and the next sweep hands the message to another worker (seconds, not the
# minutes a lease covering the longest possible send would take). LEASE - RENEW_EVERY is
# how late a renewal may be before a live sender could lose its claim.
LEASE = timedelta(seconds=20)
RENEW_EVERY = timedelta(seconds=5)


def contacts(session: Session, agency_code: str) -> dict[str, str]:
    """Channels and addresses of an agency: the editable DB row wins over the data file."""
    row = session.get(AgencyRow, agency_code)
    agency = load_directory().get(agency_code)
    email = (row.email if row else None) or (agency.email if agency else None)
    webhook = (row.webhook_url if row else None) or (agency.webhook_url if agency else None)
    if agency_code == PROVINCE_OFFICE and not email:
        email = get_settings().province_office_email or None
    return {k: v for k, v in {"email": email, "webhook": webhook}.items() if v}


def plan(session: Session, assignment: Assignment, kind: str, now: datetime) -> list[int]:
    """Create the notification rows of one message (idempotent); return pending ids."""
    target = PROVINCE_OFFICE if kind in ESCALATIONS else assignment.agency_code
    for channel, recipient in contacts(session, target).items():
        exists = session.scalars(select(Notification.id).where(
            Notification.assignment_id == assignment.id, Notification.kind == kind,
            Notification.channel == channel)).first()
        if exists is not None:
            continue
        try:
            with session.begin_nested():
                session.add(Notification(ticket_id=assignment.ticket_id,
                                         assignment_id=assignment.id, kind=kind,
                                         channel=channel, recipient=recipient, created_at=now,
                                         next_attempt_at=now))
        except IntegrityError:
            pass  # planned concurrently by another worker: the unique key kept one
    stmt = select(Notification.id).where(Notification.assignment_id == assignment.id,
                                         Notification.kind == kind,
                                         Notification.status == "pending")
    return list(session.scalars(stmt))


def claim(session: Session, notification_id: int, now: datetime) -> bool:
    """Take the right to send now; a concurrent worker's claim fails (one row changed)."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending",
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .values(next_attempt_at=now + LEASE, attempts=Notification.attempts + 1)
    )
    return bool(getattr(result, "rowcount", 0))


def renew(session: Session, notification_id: int, now: datetime) -> bool:
    """Extend the claim of a message being sent (False once it is no longer pending)."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status == "pending")
        .values(next_attempt_at=now + LEASE)
    )
    return bool(getattr(result, "rowcount", 0))


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def send(session: Session, notification: Notification) -> None:
    ticket = session.get_one(Ticket, notification.ticket_id)
    assignment = session.get_one(Assignment, notification.assignment_id)
    if notification.channel == "email":
        subject, body = messages.render(notification.kind, ticket, assignment)
        transports.send_email(notification.recipient, subject, body)
    else:
        payload = messages.webhook_payload(notification.kind, ticket, assignment,
                                           notification.id)
        transports.post_webhook(notification.recipient, payload,
                                delivery_id=f"n{notification.id}")


class Delivery(Protocol):
    """An outgoing message's row: an agency's notification, a citizen's survey message."""

    id: Any
    status: Any
    sent_at: Any
    last_error: Any
    attempts: Any
    next_attempt_at: Any


def record_outcome(row: Delivery, error: Exception | None, now: datetime,
                   what: str = "notification") -> None:
    """After a send: sent, or tried again later with a growing wait, or failed for good
    (a permanent error, or the last attempt)."""
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        return
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    permanent = isinstance(error, transports.PermanentError)
    if permanent or row.attempts >= get_settings().notify_max_attempts:
        row.status = "failed"
        log.error("%s %s failed for good: %s", what, row.id, error)
    else:
        row.next_attempt_at = now + backoff(row.attempts)


def due_for_retry(session: Session, now: datetime, limit: int = 500) -> list[int]:
    stmt = (select(Notification.id)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.id).limit(limit))
    return list(session.scalars(stmt))


def deadline_work(session: Session, now: datetime) -> list[tuple[int, str]]:
    """Open assignments needing a reminder (due within the window) or an escalation."""
    window = now + timedelta(hours=get_settings().reminder_hours_before)
    stmt = (select(Assignment).join(Ticket, Ticket.id == Assignment.ticket_id)
            .where(Assignment.ended_at.is_(None), Assignment.answered_at.is_(None),
                   Assignment.due_at.is_not(None), Assignment.due_at <= window,
                   Ticket.status.in_(OPEN_STATUSES)))
    work: list[tuple[int, str]] = []
    for assignment in session.scalars(stmt):
        assert assignment.due_at is not None
        work.append((assignment.id, "escalation" if assignment.due_at < now else "reminder"))
    return work


def unacknowledged_urgent(session: Session, now: datetime, limit: int = 500) -> list[int]:
    """Open assignments of urgent tickets the agency has not acknowledged within the
    window and not yet escalated for: the province office is told at once."""
    cutoff = now - timedelta(minutes=get_settings().urgent_ack_minutes)
    escalated = select(Notification.id).where(Notification.assignment_id == Assignment.id,
                                              Notification.kind == "urgent_escalation").exists()
    marked = select(TicketEvent.id).where(TicketEvent.ticket_id == Assignment.ticket_id,
                                          TicketEvent.kind == "urgent_unacknowledged").exists()
    stmt = (select(Assignment.id).join(Ticket, Ticket.id == Assignment.ticket_id)
            .where(Ticket.urgency == "khan", Ticket.status == "routed",
                   Assignment.ended_at.is_(None), Assignment.acknowledged_at.is_(None),
                   Assignment.answered_at.is_(None), Assignment.assigned_at <= cutoff,
                   ~escalated, ~marked)
            .order_by(Assignment.id).limit(limit))
    return list(session.scalars(stmt))


def escalate_unacknowledged(session: Session, assignment: Assignment, now: datetime) -> list[int]:
    """One event in the ticket's history and one escalation message per channel."""
    session.add(TicketEvent(ticket_id=assignment.ticket_id, at=now, actor="hệ thống",
                            kind="urgent_unacknowledged",
                            data={"assignment_id": assignment.id,
                                  "agency_code": assignment.agency_code,
                                  "minutes": get_settings().urgent_ack_minutes}))
    return plan(session, assignment, "urgent_escalation", now)


def mark_overdue(session: Session, assignment: Assignment, now: datetime) -> None:
    """One 'overdue' event per assignment in the ticket's history."""
    seen = session.scalars(select(TicketEvent.id).where(
        TicketEvent.ticket_id == assignment.ticket_id, TicketEvent.kind == "overdue",
        TicketEvent.data["assignment_id"].as_integer() == assignment.id)).first()
    if seen is None:
        session.add(TicketEvent(ticket_id=assignment.ticket_id, at=now, actor="hệ thống",
                                kind="overdue", data={"assignment_id": assignment.id,
                                                      "agency_code": assignment.agency_code}))
