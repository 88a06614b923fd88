"""Task bodies for notifications (shared by Celery and the in-process worker)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from triage.db import session_scope, utcnow
from triage.notify import service
from triage.notify.models import Notification
from triage.notify.transports import PermanentError, TransientError
from triage.routing.models import Assignment
from triage.tickets.models import Ticket

log = logging.getLogger(__name__)


def notify_assigned(assignment_id: int) -> int:
    with session_scope() as session:
        assignment = session.get(Assignment, assignment_id)
        if assignment is None:
            return 0
        now = utcnow()
        pending = service.plan(session, assignment, "assigned", now)
        ticket = session.get(Ticket, assignment.ticket_id)
        if ticket is not None and ticket.urgency == "dong_nguoi":
            pending += service.plan(session, assignment, "collective_copy", now)
    return sum(deliver(n) == "sent" for n in pending)


def deliver(notification_id: int) -> str:
    with session_scope() as session:
        if not service.claim(session, notification_id, utcnow()):
            return "skipped"
    with session_scope() as session:
        notification = session.get_one(Notification, notification_id)
        assignment = session.get_one(Assignment, notification.assignment_id)
        if assignment.ended_at is not None and notification.kind not in service.ESCALATIONS:
            # Re-routed before delivery: the earlier agency gets nothing more.
            notification.status = "cancelled"
            return notification.status
        error: Exception | None = None
        with keep_claim(notification_id):
            try:
                service.send(session, notification)
            except (TransientError, PermanentError) as exc:
                error = exc
        service.record_outcome(notification, error, utcnow())
        return notification.status


@contextmanager
def keep_claim(notification_id: int) -> Iterator[None]:
    """Renew the claim from a thread of its own while the message is being sent, for as
    long as the send takes (SMTP and HTTP time out per operation, not per message). It
    stops before the outcome is recorded, so a renewal never overwrites the backoff."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(service.RENEW_EVERY.total_seconds()):
            try:
                with session_scope() as session:
                    service.renew(session, notification_id, utcnow())
            except Exception:
                # The database may be away for a moment: the next renewal tries again, and
                # the send itself must not fail for it.
                log.warning("could not renew the claim of notification %s", notification_id,
                            exc_info=True)

    thread = threading.Thread(target=renew, name=f"notify-claim-{notification_id}",
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def scan_deadlines() -> int:
    """Daily: remind before the deadline, escalate after it, mark overdue tickets."""
    now = utcnow()
    pending: list[int] = []
    with session_scope() as session:
        for assignment_id, kind in service.deadline_work(session, now):
            assignment = session.get_one(Assignment, assignment_id)
            if kind == "escalation":
                service.mark_overdue(session, assignment, now)
            pending.extend(service.plan(session, assignment, kind, now))
    return sum(deliver(n) == "sent" for n in pending)


def retry_due() -> int:
    with session_scope() as session:
        ids = service.due_for_retry(session, utcnow())
    return sum(deliver(n) == "sent" for n in ids)


def sent_count(assignment_id: int, kind: str) -> int:
    with session_scope() as session:
        stmt = select(Notification.id).where(Notification.assignment_id == assignment_id,
                                             Notification.kind == kind,
                                             Notification.status == "sent")
        return len(session.scalars(stmt).all())
