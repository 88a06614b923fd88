"""A month still running is judged as of now (clock frozen on Monday 7 December 2026,
10:00 local): only assignments whose deadline has passed count, on the dashboard, in the
ranking, in the report's late list and in the trend. Once the month is over the same
assignments are judged at its end. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.factories import reports as f
from tests.factories.api import client_fixture
from tests.factories.users import issue_token
from triage.db import session_scope
from triage.reports import dashboard as board
from triage.reports import lateness, tasks
from triage.reports.models import MonthlyReport
from triage.reports.service import Scope, iter_list
from triage.reports.summary import build_summary, trend
from triage.settings import get_settings
from triage.tickets.period import Period

DEC = Period(2026, 12)
NOW = f.local(2026, 12, 7, 10, 0)
AFTER = f.local(2027, 1, 2, 8, 0)


@pytest.fixture
def december(database: str) -> dict[str, str]:
    """so-yt: one answered on time, one past its deadline unanswered, one entered minutes
    ago (due next week), one answered early (due later this month). so-xd: one due next
    week, still open."""
    with session_scope() as s:
        f.agencies(s)
        on_time = f.ticket(s, f.local(2026, 12, 1, 9))
        f.assign(s, on_time, "so-yt", f.local(2026, 12, 1, 10), f.local(2026, 12, 3, 17),
                 answered=f.local(2026, 12, 2, 15))
        late = f.ticket(s, f.local(2026, 12, 1, 9))
        f.assign(s, late, "so-yt", f.local(2026, 12, 1, 10), f.local(2026, 12, 4, 17))
        fresh = f.ticket(s, f.local(2026, 12, 7, 9, 50))
        f.assign(s, fresh, "so-yt", f.local(2026, 12, 7, 9, 51), f.local(2026, 12, 14, 17))
        early = f.ticket(s, f.local(2026, 12, 2, 9))
        f.assign(s, early, "so-yt", f.local(2026, 12, 2, 10), f.local(2026, 12, 9, 17),
                 answered=f.local(2026, 12, 4, 9))
        open_xd = f.ticket(s, f.local(2026, 12, 4, 9), agency="so-xd")
        f.assign(s, open_xd, "so-xd", f.local(2026, 12, 4, 10), f.local(2026, 12, 11, 17))
        return {"late": late.code, "fresh": fresh.code, "open_xd": open_xd.code}


def test_cutoff_of_a_running_month_is_now_and_of_a_past_month_its_end() -> None:
    assert lateness.cutoff(DEC, NOW) == NOW
    assert lateness.cutoff(DEC, AFTER) == DEC.end
    assert lateness.cutoff(Period(2026, 11), NOW) == Period(2026, 11).end
    assert Scope(DEC, as_of=NOW).cutoff == NOW


def test_dashboard_of_a_running_month_counts_only_what_is_due(
        december: dict[str, str]) -> None:
    with session_scope() as s:
        data = board.dashboard(s, board.Filters(DEC), NOW)
        only_xd = board.dashboard(s, board.Filters(DEC, "so-xd"), NOW)
    # Due so far: the one answered on time and the one past its deadline.
    assert data["on_time"] == {"due": 2, "on_time": 1, "late": 1, "rate": 0.5}
    assert data["trend"][-1]["period"] == "2026-12"
    assert (data["trend"][-1]["due"], data["trend"][-1]["late"]) == (2, 1)
    assert only_xd["on_time"] == {"due": 0, "on_time": 0, "late": 0, "rate": None}
    assert data["counts"]["received"] == 5  # receipts are counted whatever the deadline


def test_ranking_of_a_running_month_counts_only_due_assignments(
        december: dict[str, str]) -> None:
    with session_scope() as s:
        summary = build_summary(s, Scope(DEC, as_of=NOW))
    rows = {r.code: r for r in summary.ranking}
    assert set(rows) == {"so-yt"}  # so-xd has nothing due yet: not in the ranking
    assert (rows["so-yt"].due, rows["so-yt"].on_time, rows["so-yt"].late) == (2, 1, 1)
    assert (summary.totals.due, summary.totals.late) == (2, 1)
    assert summary.trend[-1] == (DEC, 5, 1)


def test_late_list_of_a_running_month_holds_only_deadlines_passed(
        december: dict[str, str]) -> None:
    with session_scope() as s:
        rows = list(iter_list(s, Scope(DEC, as_of=NOW), "tre_xu_ly"))
    # Due Friday 4/12 17:00, unanswered on Monday 7/12: one working day late.
    assert [(r.code, r.days_late, r.status) for r in rows] == [
        (december["late"], 1, "Quá hạn, chưa trả lời")]


def test_the_same_month_once_over_is_judged_at_its_end(december: dict[str, str]) -> None:
    with session_scope() as s:
        summary = build_summary(s, Scope(DEC, as_of=AFTER))
        late = {r.code for r in iter_list(s, Scope(DEC, as_of=AFTER), "tre_xu_ly")}
        data = board.dashboard(s, board.Filters(DEC), AFTER)
    rows = {r.code: r for r in summary.ranking}
    assert (rows["so-yt"].due, rows["so-yt"].on_time, rows["so-yt"].late) == (4, 2, 2)
    assert (rows["so-xd"].due, rows["so-xd"].late) == (1, 1)
    assert late == {december["late"], december["fresh"], december["open_xd"]}
    assert data["on_time"]["due"] == 5 and data["on_time"]["late"] == 3


def test_trend_judges_the_running_month_as_of_now(december: dict[str, str]) -> None:
    with session_scope() as s:
        running = trend(s, Scope(DEC, as_of=NOW))
        over = trend(s, Scope(DEC, as_of=AFTER))
    assert running[-1] == (DEC, 5, 1) and over[-1] == (DEC, 5, 3)


def test_a_report_made_while_the_month_ran_is_rebuilt_once_it_is_over(
        december: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    report_id, outcome = tasks.generate_report(Scope(DEC, as_of=NOW), now=NOW)
    assert outcome == "built"
    # Later the same month: the snapshot stands unless someone asks for a new one.
    assert tasks.build_report(report_id, now=NOW + timedelta(days=1)) == "skipped"
    assert tasks.build_report(report_id, now=AFTER) == "built"
    assert tasks.build_report(report_id, now=AFTER + timedelta(hours=1)) == "skipped"
    with session_scope() as s:
        report = s.get(MonthlyReport, report_id)
        assert report is not None and report.generated_at == AFTER


client = client_fixture(on="december")


def test_dashboard_api_on_the_frozen_clock(client: TestClient, december: dict[str, str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.reports.views.utcnow", lambda: NOW)
    boss = issue_token("supervisor")
    data = client.get("/api/v1/reports/dashboard", headers=boss).json()
    assert data["period"] == "2026-12"
    assert data["on_time"] == {"due": 2, "on_time": 1, "late": 1, "rate": 0.5}
    staff = client.get("/api/v1/reports/dashboard",
                       headers=issue_token("agency_staff", "so-xd")).json()
    assert staff["on_time"]["late"] == 0
