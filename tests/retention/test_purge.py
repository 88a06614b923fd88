"""D2 — the retention purge, on SQLite and PostgreSQL: the caller's personal data of tickets
closed longer ago than the retention period is erased (and phone numbers scrubbed from the
text), the tickets and their statistics stay, each run is audited, a second run is a no-op,
and open or recently closed tickets are never touched."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import run_together
from triage import retention
from triage.auth.models import AuditEntry
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.settings import get_settings
from triage.tickets.models import Caller, Ticket
from triage.tickets.service import transition
from triage.tickets.states import Status
from triage.understand.models import LabelCorrection

DAYS = 730  # 24 months, the battery's D2 setting
NAME = "Nguyễn Thị Hoa"
ADDRESS = "12 Nguyễn Trãi, phường 3"
TEXT = (f"Tôi là {NAME}, ở {ADDRESS}. Đèn đường trước nhà hư đã một tuần, "
        "gọi lại cho tôi số 0912 345 678 hoặc +84 987.654.321 nhé.")


def make_ticket(at: datetime, *, closed: bool, caller: bool = True, text: str = TEXT,
                resolved_after: timedelta | None = None) -> int:
    """A ticket received at `at`, with a caller, moved to review and (maybe) closed an
    hour later; a label correction copies its text, as the review screen does."""
    body: dict = {"text": text, "channel": "phone"}
    if caller:
        body["caller"] = {"name": NAME, "phone": "0912 345 678", "address": ADDRESS}
    with session_scope() as s:
        ticket = intake.submit(s, ComplaintIn.model_validate(body), actor="t", now=at).ticket
        ticket.topic, ticket.agency_code = "dien", "ubnd-30112"
        ticket.normalized_text = ticket.text.lower()  # the column the schema keeps for it
        transition(s, ticket, Status.NEEDS_REVIEW, actor="t", kind="needs_review",
                          now=at + timedelta(minutes=5))
        s.add(LabelCorrection(ticket_id=ticket.id, source="operator", actor="t",
                              text=ticket.text, new_topic="dien", created_at=at))
        if closed:
            transition(s, ticket, Status.CLOSED, actor="t", kind="closed",
                              now=at + timedelta(hours=1))
        elif resolved_after is not None:
            transition(s, ticket, Status.ROUTED, actor="t", kind="routed",
                              now=at + timedelta(hours=1))
            transition(s, ticket, Status.RESOLVED, actor="t", kind="resolved",
                              now=at + resolved_after)
        s.flush()
        return ticket.id


def snapshot(ticket_id: int) -> dict:
    with session_scope() as s:
        t = s.get_one(Ticket, ticket_id)
        c = s.get(Caller, t.caller_id) if t.caller_id else None
        corrections = s.scalars(select(LabelCorrection.text)
                                .where(LabelCorrection.ticket_id == ticket_id)).all()
        return {"code": t.code, "status": t.status, "topic": t.topic, "agency": t.agency_code,
                "received_at": t.received_at, "created_at": t.created_at,
                "updated_at": t.updated_at, "text": t.text, "normalized": t.normalized_text,
                "caller": (c.name, c.phone_e164, c.phone_last4, c.address) if c else None,
                "corrections": list(corrections)}


def statistics() -> list[tuple]:
    with session_scope() as s:
        return [tuple(r) for r in s.execute(
            select(Ticket.topic, Ticket.agency_code, Ticket.status,
                   func.date(Ticket.received_at), func.count())
            .group_by(Ticket.topic, Ticket.agency_code, Ticket.status,
                      func.date(Ticket.received_at))
            .order_by(Ticket.status, func.date(Ticket.received_at))).all()]


def audit(action: str) -> list[AuditEntry]:
    with session_scope() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)))
        s.expunge_all()
        return rows


@pytest.fixture
def tickets(database: str) -> dict[str, int]:
    now = utcnow()
    return {
        "old_closed": make_ticket(now - timedelta(days=DAYS + 30), closed=True),
        "old_closed_no_caller": make_ticket(now - timedelta(days=DAYS + 10), closed=True,
                                            caller=False),
        "recently_closed": make_ticket(now - timedelta(days=DAYS - 30), closed=True),
        "old_but_open": make_ticket(now - timedelta(days=DAYS + 60), closed=False),
    }


def test_purge_erases_caller_data_of_long_closed_tickets_only(tickets: dict[str, int]) -> None:
    before = {name: snapshot(tid) for name, tid in tickets.items()}
    stats = statistics()

    result = retention.purge(days=DAYS)

    assert (result.tickets, result.callers, result.texts) == (2, 1, 2)
    after = {name: snapshot(tid) for name, tid in tickets.items()}
    old = after["old_closed"]
    assert old["caller"] == (None, None, None, None)
    for field in ("text", "normalized", "corrections"):
        rendered = str(old[field])
        assert NAME not in rendered and ADDRESS not in rendered
        assert "345 678" not in rendered and "654.321" not in rendered
        assert retention.ERASED_PHONE in rendered
    assert "Đèn đường trước nhà hư đã một tuần" in old["text"]  # the matter itself stays
    no_caller = after["old_closed_no_caller"]
    assert no_caller["caller"] is None and "345 678" not in no_caller["text"]
    # The tickets and everything the statistics read are unchanged.
    for name in tickets:
        for key in ("code", "status", "topic", "agency", "received_at", "created_at",
                    "updated_at"):
            assert after[name][key] == before[name][key], (name, key)
    assert statistics() == stats
    # Open and recently closed tickets are not touched at all.
    assert after["recently_closed"] == before["recently_closed"]
    assert after["old_but_open"] == before["old_but_open"]
    # Audited: one row per purged ticket (ids, no personal data), one for the run.
    per_ticket = audit(retention.PURGE_ACTION)
    assert sorted(r.ticket_id for r in per_ticket) == sorted(
        [tickets["old_closed"], tickets["old_closed_no_caller"]])
    assert {tuple(r.data["erased"]) for r in per_ticket} == {("name", "phone", "address"), ()}
    assert all(NAME not in str(r.data) and "0912" not in str(r.data) for r in per_ticket)
    runs = audit(retention.RUN_ACTION)
    assert len(runs) == 1 and runs[0].actor == retention.ACTOR
    assert runs[0].data["tickets"] == 2 and runs[0].data["days"] == DAYS


def test_resolved_tickets_nobody_closes_are_finished_too(database: str) -> None:
    """Counted from the resolution, not the receipt: answered late, kept longer."""
    now = utcnow()
    old = make_ticket(now - timedelta(days=DAYS + 90), closed=False,
                      resolved_after=timedelta(days=30))
    lately = make_ticket(now - timedelta(days=DAYS + 90), closed=False,
                         resolved_after=timedelta(days=DAYS + 30))
    result = retention.purge(days=DAYS)
    assert result.tickets == 1
    assert snapshot(old)["caller"] == (None, None, None, None)
    assert snapshot(old)["status"] == "resolved"
    assert snapshot(lately)["caller"] == (NAME, "+84912345678", "5678", ADDRESS)


def test_a_second_run_is_a_no_op_but_is_still_audited(tickets: dict[str, int]) -> None:
    retention.purge(days=DAYS)
    state = {name: snapshot(tid) for name, tid in tickets.items()}
    per_ticket = len(audit(retention.PURGE_ACTION))

    again = retention.purge(days=DAYS)

    assert (again.tickets, again.callers, again.texts) == (0, 0, 0)
    assert {name: snapshot(tid) for name, tid in tickets.items()} == state
    assert len(audit(retention.PURGE_ACTION)) == per_ticket
    assert [r.data["tickets"] for r in audit(retention.RUN_ACTION)] == [2, 0]


def test_the_period_comes_from_the_setting_and_time_moves_tickets_in(
        tickets: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_RETENTION_DAYS", str(DAYS - 60))
    get_settings.cache_clear()
    assert retention.purge().tickets == 3  # the recently closed one is now past the period
    assert snapshot(tickets["recently_closed"])["caller"] == (None, None, None, None)
    assert snapshot(tickets["old_but_open"])["caller"] is not None  # open: never
    # A year later the open ticket is still open, so still kept.
    assert retention.purge(now=utcnow() + timedelta(days=365)).tickets == 0
    assert snapshot(tickets["old_but_open"])["caller"][0] == NAME


def test_dry_run_counts_without_changing_anything(tickets: dict[str, int]) -> None:
    before = {name: snapshot(tid) for name, tid in tickets.items()}
    assert retention.purge(days=DAYS, dry_run=True).tickets == 2
    assert {name: snapshot(tid) for name, tid in tickets.items()} == before
    assert audit(retention.RUN_ACTION) == []


def test_small_batches_purge_everything_once(database: str) -> None:
    old = utcnow() - timedelta(days=DAYS + 1)
    ids = [make_ticket(old, closed=True) for _ in range(7)]
    assert retention.purge(days=DAYS, batch=3).tickets == 7
    assert sorted(r.ticket_id for r in audit(retention.PURGE_ACTION)) == sorted(ids)


def test_cli_purge(tickets: dict[str, int]) -> None:
    from triage.cli import app

    runner = CliRunner()
    dry = runner.invoke(app, ["purge", "--days", str(DAYS), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Sẽ xoá dữ liệu cá nhân của 2 phiếu" in dry.output
    assert snapshot(tickets["old_closed"])["caller"][0] == NAME
    done = runner.invoke(app, ["purge", "--days", str(DAYS)])
    assert done.exit_code == 0, done.output
    assert "Đã xoá dữ liệu cá nhân của 2 phiếu" in done.output
    assert snapshot(tickets["old_closed"])["caller"] == (None, None, None, None)
    again = runner.invoke(app, ["purge", "--days", str(DAYS)])
    assert "của 0 phiếu" in again.output
    assert runner.invoke(app, ["purge", "--days", "0"]).exit_code != 0


def test_daily_job_in_the_beat_schedule_runs_the_purge(tickets: dict[str, int]) -> None:
    from celery.schedules import crontab

    from workers import tasks
    from workers.beat import schedule
    from workers.celery_app import app

    entry = schedule()["retention-purge"]
    assert entry["task"] == "retention.purge"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {2} and entry["schedule"].day_of_month == set(range(1, 32))
    assert "retention.purge" in app.tasks
    assert tasks.retention_purge() == 2  # the task body, as the worker runs it
    assert tasks.retention_purge() == 0


def test_concurrent_runs_purge_each_ticket_once(pg: str) -> None:
    """The CLI and the daily job at the same moment (PostgreSQL, SKIP LOCKED)."""
    old = utcnow() - timedelta(days=DAYS + 1)
    ids = [make_ticket(old, closed=True) for _ in range(30)]
    results: list[int] = []
    errors = run_together(
        lambda: results.append(retention.purge(days=DAYS, batch=5).tickets), 3, 60)
    assert not errors
    assert sum(results) == 30
    assert sorted(r.ticket_id for r in audit(retention.PURGE_ACTION)) == sorted(ids)


def test_the_embedded_relay_runs_the_purge_once_a_day(
        tickets: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Without beat (the embedded default) the relay thread runs it when a day has passed."""
    from triage.outbox import relay
    from triage.outbox.service import LocalDispatcher
    from triage.outbox.tasks import TASKS

    purge_only = {"retention.purge": TASKS["retention.purge"]}
    loop = relay.RelayLoop(LocalDispatcher(purge_only, workers=0), sweep=False, periodic=True)
    loop.scans.next_at = float("inf")  # not the hourly jobs: they need real tasks
    loop.run_once()
    assert audit(retention.RUN_ACTION) == []  # started less than a day ago: not yet
    monkeypatch.setenv("TRIAGE_RETENTION_DAYS", str(DAYS + 365))
    get_settings.cache_clear()
    loop.purges.next_at -= relay.PURGE_EVERY
    loop.run_once()
    assert [r.data["tickets"] for r in audit(retention.RUN_ACTION)] == [0]
    loop.run_once()  # the same day: no second run
    assert len(audit(retention.RUN_ACTION)) == 1
    monkeypatch.setenv("TRIAGE_RETENTION_DAYS", str(DAYS))
    get_settings.cache_clear()
    loop.purges.next_at -= relay.PURGE_EVERY
    loop.run_once()
    assert [r.data["tickets"] for r in audit(retention.RUN_ACTION)] == [0, 2]
    assert snapshot(tickets["old_closed"])["caller"] == (None, None, None, None)
