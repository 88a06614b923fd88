"""A14 (the part that fits in process): reminders and escalations are exactly-once when the
deadline scan runs three times at once on PostgreSQL, and no task is scheduled with an
ETA or a countdown (they would be redelivered after the visibility timeout).

Beat restarts across a tick are left to beat itself: the scan is idempotent and catches
up on its next run, which is what the concurrent runs here exercise."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from tests.battery.conftest import record
from tests.conftest import run_together
from triage.agencies.models import AgencyRow
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.notify import tasks
from triage.notify.models import Notification
from triage.routing.service import assign
from triage.settings import get_settings
from triage.tickets.models import TicketEvent

ROOT = Path(__file__).resolve().parents[2]
AGENCY = "ubnd-30112"


def seed(count: int) -> None:
    now = utcnow()
    with session_scope() as s:
        s.add(AgencyRow(code=AGENCY, name=AGENCY, level="commune", aliases=[],
                        email=f"{AGENCY}@battery.invalid"))
        for i in range(count):
            ticket = intake.submit(s, ComplaintIn(text=f"Đèn đường ấp {i} hư", channel="phone"),
                                   actor="a14", now=now).ticket
            ticket.topic, ticket.status = "dien", "classified"
            a = assign(s, ticket, AGENCY, rule="a14", reason="kiểm thử", actor="a14", now=now)
            # Half overdue (escalation), half due within the reminder window (reminder).
            a.due_at = now + (timedelta(hours=-2) if i % 2 else timedelta(hours=2))


def test_a14_concurrent_deadline_scans_notify_exactly_once(pg: str, monkeypatch) -> None:
    monkeypatch.setenv("TRIAGE_PROVINCE_OFFICE_EMAIL", "vanphong@battery.invalid")
    monkeypatch.setenv("TRIAGE_SMTP_HOST", "")  # delivery fails for good: rows still count
    get_settings.cache_clear()
    seed(200)
    # A unique-key race would surface in `errors`.
    errors = run_together(tasks.scan_deadlines, 3, 120)
    tasks.scan_deadlines()  # and once more later: nothing new
    with session_scope() as s:
        per_kind = dict(s.execute(select(Notification.kind, func.count())
                                  .group_by(Notification.kind)).all())
        twice = s.scalar(select(func.count()).select_from(
            select(Notification.assignment_id).group_by(
                Notification.assignment_id, Notification.kind, Notification.channel)
            .having(func.count() > 1).subquery()))
        overdue = s.scalar(select(func.count()).select_from(TicketEvent)
                           .where(TicketEvent.kind == "overdue"))
        overdue_twice = s.scalar(select(func.count()).select_from(
            select(TicketEvent.ticket_id).where(TicketEvent.kind == "overdue")
            .group_by(TicketEvent.ticket_id).having(func.count() > 1).subquery()))
    record("A14", {"notifications": per_kind, "duplicated": twice, "overdue_events": overdue,
                   "overdue_twice": overdue_twice, "errors": [repr(e) for e in errors][:3]})
    assert not errors
    assert per_kind == {"reminder": 100, "escalation": 100}
    assert twice == 0
    assert overdue == 100 and overdue_twice == 0


def test_a14_no_task_is_published_with_an_eta_or_countdown() -> None:
    offenders = []
    for folder in ("triage", "workers"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text().splitlines(), start=1):
                if (re.search(r"\b(countdown|eta)\s*=", line) and "apply_async" in line) or \
                        re.search(r"\.(apply_async|send_task)\(.*\b(countdown|eta)\s*=", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []
