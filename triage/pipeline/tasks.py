"""Task bodies shared by Celery and the in-process worker: ids in, one transaction each.

Celery tasks in workers/tasks.py and the embedded dispatcher both call these, so the
embedded default and production run the same code."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from triage.db import session_scope, utcnow
from triage.outbox.models import TaskRun
from triage.pipeline import service
from triage.settings import get_settings


def process_ticket(ticket_id: int) -> str:
    now = utcnow()
    with session_scope() as session:
        session.add(TaskRun(task="pipeline.process", ticket_id=ticket_id, started_at=now))
        ticket = service.claim_attempt(session, ticket_id, now)
    if ticket is None:
        return "skipped"
    delay = get_settings().pipeline_delay_seconds
    if delay:
        time.sleep(delay)
    with session_scope() as session:
        return service.process(session, ticket_id, utcnow())


def sweep() -> int:
    from triage.outbox.service import sweep_stale

    with session_scope() as session:
        return sweep_stale(session, utcnow())


def ping() -> str:
    return "pong"


def _notify_tasks() -> dict[str, Callable[..., Any]]:
    from triage.notify import tasks as notify

    return {
        "notify.assigned": notify.notify_assigned,
        "notify.deliver": notify.deliver,
        "notify.scan_deadlines": notify.scan_deadlines,
        "notify.retry_due": notify.retry_due,
    }


def _report_tasks() -> dict[str, Callable[..., Any]]:
    from triage.reports import tasks as reports

    return {
        "reports.monthly": reports.monthly_report,
        "reports.build": reports.build_report,
        "reports.send": reports.send_report,
    }


def purge_personal_data() -> int:
    """Daily: erase the caller's personal data of tickets finished longer ago than
    TRIAGE_RETENTION_DAYS (idempotent: a second run finds nothing to do)."""
    from triage.retention import purge

    return purge().tickets


def _retrain() -> str:
    from triage.classify.tasks import retrain_with_corrections

    return retrain_with_corrections()


TASKS: dict[str, Callable[..., Any]] = {
    "pipeline.process": process_ticket,
    "outbox.sweep": sweep,
    "health.ping": ping,
    **_notify_tasks(),
    **_report_tasks(),
    "classify.retrain": _retrain,
    "retention.purge": purge_personal_data,
}
