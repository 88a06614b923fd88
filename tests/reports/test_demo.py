"""Demo data: a realistic spread written in bulk, and the CLI commands that use it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.factories import reports as f
from triage.db import session_scope, utcnow
from triage.reports import cli
from triage.reports.demo import demo_data
from triage.reports.service import Scope, iter_list
from triage.reports.summary import build_summary
from triage.review.service import review_queue
from triage.routing.models import Assignment
from triage.tickets.codes import next_code
from triage.tickets.models import Caller, Ticket, TicketEvent
from triage.tickets.period import Period
from triage.web.templating import REASONS

NOW = f.local(2026, 11, 1, 7, 0)


def _count(model: type) -> int:
    with session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_demo_data_spreads_over_topics_agencies_and_lateness(database: str) -> None:
    with session_scope() as s:
        made = demo_data(s, months=2, per_month=400, now=NOW)
    assert made == 800 and _count(Ticket) == 800
    assert 600 < _count(Caller) < 800
    assert _count(Assignment) > 800 and _count(TicketEvent) > 1600
    with session_scope() as s:
        summary = build_summary(s, Scope(Period(2026, 10)))
        late = list(iter_list(s, Scope(Period(2026, 10)), "tre_xu_ly"))
        reassigned = s.scalar(select(func.count()).select_from(Assignment)
                              .where(Assignment.end_reason == "rerouted"))
        code = next_code(s, f.local(2026, 10, 15, 9))
    assert summary.totals.received == 400 and summary.totals.tre_han > 5
    assert len(summary.by_topic) > 10 and len(summary.by_channel) >= 5
    assert len(summary.ranking) > 20 and late and reassigned
    assert code.split("-")[2] == "00401"  # intake numbers after the demo's range


def test_cli_report_and_demo_data(database: str, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("report")(cli.report)
    app.command("demo-data")(cli.demo_data)
    runner = CliRunner()
    done = runner.invoke(app, ["demo-data", "--months", "1", "--per-month", "300"])
    assert done.exit_code == 0, done.output
    assert "Đã tạo 300 phản ánh mẫu trong 1 tháng và 25 phiếu chờ tổng đài viên xem xét" \
        in done.output
    month = str(Period.previous_of(utcnow()))
    out = tmp_path / "out"
    done = runner.invoke(app, ["report", "--month", month, "--format", "all", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert sorted(p.suffix for p in out.iterdir()) == [".csv", ".pdf", ".xlsx"]
    bad = runner.invoke(app, ["report", "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output


def test_demo_data_fills_the_review_queue_with_reasons(database: str) -> None:
    with session_scope() as s:
        made = demo_data(s, months=1, per_month=50, now=NOW, review=12)
    assert made == 62
    with session_scope() as s:
        queue = list(s.scalars(select(Ticket).where(Ticket.status == "needs_review")))
        items, total = review_queue(s, status=None, page=1, per_page=50)
        events = s.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id.in_([t.id for t in queue]))).all()
    assert len(queue) == total == 12 and len(items) == 12
    assert all(t.review_reasons and t.agency_code is None for t in queue)
    assert all(set(t.review_reasons) <= set(REASONS) for t in queue)  # each has its words
    reasons = {r for t in queue for r in t.review_reasons}
    # Unsure of the topic, of a flag, of the language, and of the place ("phường 1").
    assert {"uncertain_topic", "routing_unsure", "not_vietnamese"} <= reasons
    ambiguous = [t for t in queue if t.location.get("status") == "ambiguous"]
    assert ambiguous and all(len(t.location["candidates"]) > 1 for t in ambiguous)
    undecided = [t for t in ambiguous if t.routing_rule == "R5-ambiguous-place"]
    assert undecided and all("tổng đài viên cần xác định" in (t.routing_reason or "")
                             for t in undecided)
    assert all(NOW - timedelta(days=3) <= t.received_at <= NOW for t in queue)
    assert sorted(events).count("needs_review") == 12
    # Numbered in the month each was received (the three days before 1 November 07:00).
    assert all(t.code.startswith(f"1022-{Period.containing(t.received_at).year}"
                                 f"{Period.containing(t.received_at).month:02d}-")
               for t in queue)
    assert len({t.code for t in queue}) == 12
