"""The notifications' part of the sweep: an 'assigned' message lost on the way, and
messages due again (a claim left by a dead sender, a retry after backoff)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.notify.models import Notification
from triage.notify.service import (
    contacts,
    due_for_retry,
    escalate_unacknowledged,
    unacknowledged_urgent,
)
from triage.outbox.models import OutboxMessage
from triage.outbox.service import enqueue
from triage.outbox.tasks import NOTIFY_ASSIGNED, RETRY_NOTIFICATIONS
from triage.routing.models import Assignment
from triage.settings import get_settings

log = logging.getLogger(__name__)
# Lost notifications older than this are left to the deadline reminders.
NOTIFY_HORIZON = timedelta(days=2)


def sweep_notifications(session: Session, now: datetime) -> int:
    # Urgent escalations first: the messages they plan are due now, and sweep_due hands
    # them to a worker in this same sweep.
    urgent = sweep_urgent(session, now)
    return urgent + sweep_unplanned(session, now) + sweep_due(session, now)


def sweep_urgent(session: Session, now: datetime) -> int:
    """Urgent tickets not acknowledged within TRIAGE_URGENT_ACK_MINUTES: the sweep runs
    every few seconds, not daily like the deadline scan, so the province office hears of
    them within the window, nights and holidays included."""
    escalated = 0
    for assignment_id in unacknowledged_urgent(session, now):
        escalate_unacknowledged(session, session.get_one(Assignment, assignment_id), now)
        escalated += 1
    if escalated:
        log.warning("%d urgent tickets not acknowledged in time: escalated", escalated)
    return escalated


def sweep_due(session: Session, now: datetime) -> int:
    """Messages due now (a claim whose sender died and stopped renewing it, a retry after
    backoff) get one retry task, at most one per sweep interval whichever process sweeps:
    the task delivers every due message, each under its own claim. Returns 1 if enqueued."""
    if not due_for_retry(session, now, limit=1):
        return 0
    since = now - timedelta(seconds=get_settings().sweeper_interval_seconds)
    # ticket_id IS NULL: found through the ticket_id index among the few rows of no ticket.
    recent = session.scalars(select(OutboxMessage.id).where(
        OutboxMessage.ticket_id.is_(None), OutboxMessage.task == RETRY_NOTIFICATIONS,
        OutboxMessage.created_at > since)).first()
    if recent is not None:
        return 0
    enqueue(session, RETRY_NOTIFICATIONS, {}, now=now)
    return 1


def sweep_unplanned(session: Session, now: datetime) -> int:
    """The notify.assigned message can be lost like any other (Redis restarted empty, a
    pool child killed with reject_on_worker_lost off): the ticket is routed, so the
    pipeline sweep no longer sees it. An open assignment older than the window, with no
    'assigned' notification planned and no fresh message for it, gets a new message, with
    a growing pause if it keeps failing. Agencies without any contact plan nothing and are
    skipped."""
    settings = get_settings()
    cutoff = now - timedelta(seconds=settings.sweeper_stale_seconds)
    planned = select(Notification.id).where(Notification.assignment_id == Assignment.id,
                                            Notification.kind == "assigned").exists()
    fresh = select(OutboxMessage.id).where(OutboxMessage.task == NOTIFY_ASSIGNED,
                                           OutboxMessage.ticket_id == Assignment.ticket_id,
                                           OutboxMessage.created_at >= cutoff).exists()
    owed = [Assignment.ended_at.is_(None), Assignment.assigned_at < cutoff,
            Assignment.assigned_at >= now - NOTIFY_HORIZON, ~planned, ~fresh]
    codes = session.scalars(select(Assignment.agency_code).where(*owed).distinct()).all()
    reachable = [code for code in codes if contacts(session, code)]
    if not reachable:
        return 0
    stmt = (select(Assignment).where(*owed, Assignment.agency_code.in_(reachable))
            .order_by(Assignment.id).limit(1000))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rescued = 0
    for assignment in session.scalars(stmt):
        sent, last = session.execute(select(func.count(), func.max(OutboxMessage.created_at))
                                     .where(OutboxMessage.task == NOTIFY_ASSIGNED,
                                            OutboxMessage.ticket_id == assignment.ticket_id)
                                     ).one()
        # A message that keeps failing is retried less and less often (the window
        # doubles each time), never more often than once per window.
        wait = timedelta(seconds=settings.sweeper_stale_seconds * 2 ** min(sent - 1, 8))
        if sent and last is not None and _aware(last) > now - wait:
            continue
        enqueue(session, NOTIFY_ASSIGNED, {"assignment_id": assignment.id, "swept": True},
                ticket_id=assignment.ticket_id, now=now)
        rescued += 1
    if rescued:
        log.info("sweeper re-enqueued %d lost 'assigned' notifications", rescued)
    return rescued


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
