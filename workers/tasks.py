"""Thin Celery tasks: ids in, run the body triage.outbox.tasks names for the task."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from sqlalchemy.exc import OperationalError

from triage.outbox import tasks as names
from triage.outbox.tasks import TASKS

RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 10,
}


@shared_task(name=names.PROCESS_TICKET, **RETRY)
def process_ticket(ticket_id: int) -> str:
    return TASKS[names.PROCESS_TICKET](ticket_id)


@shared_task(name=names.SWEEP, **RETRY)
def sweep() -> int:
    """Beat's safety net: re-enqueue stale work, then publish what the outbox holds."""
    from triage.db import session_scope, utcnow
    from triage.outbox.broker import make_celery
    from triage.outbox.service import CeleryDispatcher, relay_batch

    rescued: int = TASKS[names.SWEEP]()
    with session_scope() as session:
        relay_batch(session, CeleryDispatcher(make_celery()), utcnow())
    return rescued


@shared_task(name=names.PING)
def ping() -> str:
    return TASKS[names.PING]()


@shared_task(name=names.NOTIFY_ASSIGNED, **RETRY)
def notify_assigned(assignment_id: int) -> int:
    return TASKS[names.NOTIFY_ASSIGNED](assignment_id)


@shared_task(name=names.NOTIFY_DELIVER, **RETRY)
def notify_deliver(notification_id: int) -> str:
    return TASKS[names.NOTIFY_DELIVER](notification_id)


@shared_task(name=names.SCAN_DEADLINES, **RETRY)
def scan_deadlines() -> int:
    return TASKS[names.SCAN_DEADLINES]()


@shared_task(name=names.RETRY_NOTIFICATIONS, **RETRY)
def retry_due() -> int:
    return TASKS[names.RETRY_NOTIFICATIONS]()


@shared_task(name=names.MONTHLY_REPORTS, **RETRY)
def monthly_report(period: str | None = None) -> list[int]:
    """Fan out: create the month's report rows once, one send task per report."""
    return TASKS[names.MONTHLY_REPORTS](
        period, enqueue=lambda rid: send_report.delay(rid))


@shared_task(name=names.SEND_REPORT, **RETRY)
def send_report(report_id: int) -> str:
    return TASKS[names.SEND_REPORT](report_id, workers=2)


@shared_task(name=names.BUILD_REPORT, **RETRY)
def build_report(report_id: int) -> str:
    return TASKS[names.BUILD_REPORT](report_id, workers=2)


@shared_task(name=names.RETRAIN)
def retrain() -> str:
    """Monthly: a candidate model with the month's corrections, promoted if not worse."""
    return TASKS[names.RETRAIN]()


@shared_task(name=names.PURGE, **RETRY)
def retention_purge() -> int:
    return TASKS[names.PURGE]()


@shared_task(name=names.SURVEY_DELIVER, **RETRY)
def survey_deliver(message_id: int) -> str:
    return TASKS[names.SURVEY_DELIVER](message_id)


@shared_task(name=names.SURVEY_RETRY, **RETRY)
def survey_retry_due() -> int:
    return TASKS[names.SURVEY_RETRY]()


@shared_task(name=names.CASES_REFRESH, **RETRY)
def cases_refresh() -> int:
    return TASKS[names.CASES_REFRESH]()
