"""Task bodies for the monthly reports (Celery wrappers and beat live in workers/).

- ``monthly_report``: beat's job, 07:00 local on the 1st (safe to run daily as catch-up):
  ensures the report rows of the previous month exist (province + each active agency)
  and fans out one ``send_report`` per report not yet sent;
- ``send_report``: builds the report if needed, then e-mails it once;
- ``build_report``: builds one report's files (claimed, so only one worker does it).

Each re-reads its row and returns quietly when its work is already done."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from triage.db import session_scope, utcnow
from triage.reports import build, store
from triage.reports.mail import FileMailer, Mailer, recipient_of, report_message
from triage.reports.models import MonthlyReport
from triage.reports.service import Scope
from triage.tickets.period import Period

log = logging.getLogger(__name__)


def monthly_report(period: str | None = None, *, now: datetime | None = None,
                   enqueue: Callable[[int], object] | None = None) -> list[int]:
    """Create the month's report rows once; hand each unsent one to `enqueue`.

    `period` defaults to the month before `now` (local time). Without `enqueue` the
    reports are built and sent in this process (embedded default)."""
    now = now or utcnow()
    target = Period.parse(period) if period else Period.previous_of(now)
    with session_scope() as session:
        store.ensure_reports(session, target, now)
        pending = store.unsent_ids(session, target)
    # Enqueue only after the rows are committed: a worker must find them.
    for report_id in pending:
        if enqueue is not None:
            enqueue(report_id)
        else:
            send_report(report_id, now=now)
    return pending


def build_report(report_id: int, *, now: datetime | None = None, force: bool = False,
                 workers: int = 1) -> str:
    """Build one report's files. workers=2 writes the PDF in a forked process (for
    Celery workers and commands; keep 1 inside the multi-threaded API server)."""
    now = now or utcnow()
    with session_scope() as session:
        report = session.get(MonthlyReport, report_id)
        if report is None:
            return "skipped"
        # A report made while its month ran is a snapshot; once the month is over the
        # whole month is built (and that is what gets sent).
        end = Period.parse(report.period).end
        if not store.claim_build(session, report_id, now, force=force,
                                 stale_before=end if now >= end else None):
            return "skipped"
        session.refresh(report)
        scope = store.scope_of(report, now)
    try:
        with session_scope() as session:
            files = build.write_report_files(session, scope, workers=workers)
    except Exception as exc:
        with session_scope() as session:
            store.mark_failed(session, report_id, exc)
        raise
    with session_scope() as session:
        store.mark_built(session, report_id, files, now)
    log.info("report %s (%s %s) built", report_id, scope.period, scope.slug)
    return "built"


def generate_report(scope: Scope, *, now: datetime, force: bool = False
                    ) -> tuple[int, str | None]:
    """One report built now (rebuilt with `force`), not e-mailed: its row is committed
    first, so that the build's own transactions find it. Returns the report id and the
    build's outcome (None when the report was ready and nothing was asked)."""
    with session_scope() as session:
        report = store.ensure_report(session, scope, now)
        report_id, ready = report.id, report.status == "ready"
    if ready and not force:
        return report_id, None
    return report_id, build_report(report_id, now=now, force=force)


def send_report(report_id: int, *, now: datetime | None = None,
                mailer: Mailer | None = None, workers: int = 1) -> str:
    """Build if needed, then deliver exactly once (the send is claimed before delivery)."""
    now = now or utcnow()
    build_report(report_id, now=now, workers=workers)
    with session_scope() as session:
        report = session.get(MonthlyReport, report_id)
        if report is None:
            return "missing"
        if report.sent_at is not None:
            return "already_sent"
        if report.status != "ready":
            return "not_ready"
        if not store.claim_send(session, report_id, now):
            return "skipped"
        address, name = recipient_of(session, report)
        message = report_message(report, address, name) if address else None
    if message is None:
        with session_scope() as session:
            store.mark_sent(session, report_id, now, None, "no_address")
        log.warning("report %s has no recipient address; not e-mailed", report_id)
        return "no_address"
    try:
        (mailer or FileMailer()).deliver(message, f"bao-cao-{report_id}")
    except Exception:
        with session_scope() as session:
            store.release_send(session, report_id)
        raise
    with session_scope() as session:
        store.mark_sent(session, report_id, now, address, "sent")
    return "sent"
