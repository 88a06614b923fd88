"""Task bodies of the pipeline, the sweep, the health probe and the retention purge: ids
in, one transaction each. The in-process worker and the Celery tasks in workers/ both run
them through triage.outbox.tasks, so the embedded default and production run the same
code."""

from __future__ import annotations

import time

from triage.db import session_scope, utcnow
from triage.outbox.tasks import PROCESS_TICKET
from triage.pipeline import service
from triage.pipeline.models import TaskRun
from triage.pipeline.sweep import sweep_stale
from triage.retention import purge
from triage.settings import get_settings


def process_ticket(ticket_id: int) -> str:
    now = utcnow()
    with session_scope() as session:
        session.add(TaskRun(task=PROCESS_TICKET, ticket_id=ticket_id, started_at=now))
        ticket = service.claim_attempt(session, ticket_id, now)
    if ticket is None:
        return "skipped"
    delay = get_settings().pipeline_delay_seconds
    if delay:
        time.sleep(delay)
    with session_scope() as session:
        return service.process(session, ticket_id, utcnow())


def sweep() -> int:
    with session_scope() as session:
        return sweep_stale(session, utcnow())


def ping() -> str:
    return "pong"


def purge_personal_data() -> int:
    """Daily: erase the caller's personal data of tickets finished longer ago than
    TRIAGE_RETENTION_DAYS (idempotent: a second run finds nothing to do)."""
    return purge().tickets
