"""Thin Celery tasks: ids in, call one task body from triage.pipeline.tasks."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from triage.pipeline import tasks as bodies

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name="pipeline.process", **RETRY)
def process_ticket(ticket_id: int) -> str:
    return bodies.process_ticket(ticket_id)


@shared_task(name="outbox.sweep", **RETRY)
def sweep() -> int:
    """Beat's safety net: re-enqueue stale work, then publish what the outbox holds."""
    from triage.db import session_scope, utcnow
    from triage.outbox.service import CeleryDispatcher, relay_batch

    rescued = bodies.sweep()
    with session_scope() as session:
        relay_batch(session, CeleryDispatcher(), utcnow())
    return rescued


@shared_task(name="health.ping")
def ping() -> str:
    return bodies.ping()


@shared_task(name="notify.assigned", **RETRY)
def notify_assigned(assignment_id: int) -> int:
    from triage.notify import tasks as notify

    return notify.notify_assigned(assignment_id)


@shared_task(name="notify.deliver", **RETRY)
def notify_deliver(notification_id: int) -> str:
    from triage.notify import tasks as notify

    return notify.deliver(notification_id)


@shared_task(name="notify.scan_deadlines", **RETRY)
def scan_deadlines() -> int:
    from triage.notify import tasks as notify

    return notify.scan_deadlines()


@shared_task(name="notify.retry_due", **RETRY)
def retry_due() -> int:
    from triage.notify import tasks as notify

    return notify.retry_due()


@shared_task(name="reports.monthly", **RETRY)
def monthly_report(period: str | None = None) -> list[int]:
    """Fan out: create the month's report rows once, one send task per report."""
    from triage.reports import tasks as reports

    return reports.monthly_report(period, enqueue=lambda rid: send_report.delay(rid))


@shared_task(name="reports.send", **RETRY)
def send_report(report_id: int) -> str:
    from triage.reports import tasks as reports

    return reports.send_report(report_id, workers=2)


@shared_task(name="reports.build", **RETRY)
def build_report(report_id: int) -> str:
    from triage.reports import tasks as reports

    return reports.build_report(report_id, workers=2)


@shared_task(name="classify.retrain")
def retrain() -> str:
    """Monthly: a candidate model with the month's corrections, promoted if not worse."""
    from triage.classify.tasks import retrain_with_corrections

    return retrain_with_corrections()


@shared_task(name="retention.purge", **RETRY)
def retention_purge() -> int:
    return bodies.purge_personal_data()
