"""The sweeper owns completeness: any ticket whose pipeline has not advanced within the
staleness window gets a fresh outbox row, whatever happened to the first message; so does
an assignment whose notification was never planned (triage.notify.sweep)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from triage.notify.sweep import sweep_notifications
from triage.outbox.models import OutboxMessage
from triage.outbox.service import broker_backlog, enqueue
from triage.outbox.tasks import PROCESS_TICKET
from triage.settings import get_settings
from triage.tickets.models import Ticket
from triage.tickets.states import PIPELINE_PENDING

log = logging.getLogger(__name__)
# A ticket re-enqueued again and again waits at most 2**MAX_DOUBLINGS windows.
MAX_DOUBLINGS = 4


def sweep_stale(session: Session, now: datetime) -> int:
    """Re-enqueue work that has not advanced within the window: tickets still owed a
    pipeline step, and assignments whose 'assigned' notification was never planned."""
    waiting = broker_backlog()
    if waiting is not None and waiting > get_settings().sweeper_max_backlog:
        log.info("sweeper holds off: %d messages wait in the queue", waiting)
        return 0
    return sweep_pipeline(session, now) + sweep_notifications(session, now)


def sweep_pipeline(session: Session, now: datetime) -> int:
    """A ticket still owed a step gets a fresh message once it has not moved for the
    window, then after 2, 4, 8 and 16 windows: while a backlog longer than the window sits
    in the queue, re-enqueueing every ticket every window would flood the queue with
    duplicates faster than the workers retire them (found by the battery, A2 with 10,000
    complaints: the pipeline never caught up)."""
    window = timedelta(seconds=get_settings().sweeper_stale_seconds)
    sent = (select(func.count(OutboxMessage.id))
            .where(OutboxMessage.ticket_id == Ticket.id, OutboxMessage.task == PROCESS_TICKET)
            .correlate(Ticket).scalar_subquery())
    due = or_(*(and_(sent <= 1 if e == 0 else sent == e + 1 if e < MAX_DOUBLINGS
                     else sent > e, Ticket.updated_at < now - window * 2 ** e)
                for e in range(MAX_DOUBLINGS + 1)))
    stmt = (
        select(Ticket)
        .where(Ticket.status.in_([s.value for s in PIPELINE_PENDING]),
               Ticket.updated_at < now - window, due)
        .order_by(Ticket.id)
        .limit(1000)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rescued = 0
    for ticket in session.scalars(stmt):
        enqueue(session, PROCESS_TICKET, {"ticket_id": ticket.id, "swept": True},
                ticket_id=ticket.id, now=now)
        # Touching updated_at starts the next waiting period from this message.
        ticket.updated_at = now
        rescued += 1
    if rescued:
        log.info("sweeper re-enqueued %d stale tickets", rescued)
    return rescued
