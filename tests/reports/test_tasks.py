"""Monthly scheduling with a frozen clock (`now` passed in): one report per (period,
agency), re-runs and concurrent runs idempotent, one e-mail per report."""

from __future__ import annotations

import threading
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import run_together
from tests.factories import reports as f
from triage.db import session_scope
from triage.reports import store, tasks
from triage.reports.mail import FileMailer
from triage.reports.models import MonthlyReport
from triage.tickets.period import Period

# Beat was down over 00:05 on the 1st and came back at 00:20 (local time).
NOW = f.local(2026, 11, 1, 0, 20)
LATER = f.local(2026, 11, 2, 7, 0)


class CountingMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def deliver(self, message: EmailMessage, key: str) -> None:
        with self.lock:
            self.sent.append((key, str(message["To"])))


def _rows() -> list[tuple[str, str | None, str]]:
    with session_scope() as s:
        return [(r.period, r.agency_code, r.status) for r in s.scalars(
            select(MonthlyReport).order_by(MonthlyReport.agency_code.is_not(None),
                                           MonthlyReport.agency_code))]


def _run(mailer: CountingMailer, now: datetime = NOW) -> list[int]:
    def send(report_id: int) -> str:  # what the Celery task will do for each id
        return tasks.send_report(report_id, now=now, mailer=mailer)

    return tasks.monthly_report(now=now, enqueue=send)


def test_previous_month_reported_once_per_agency_and_sent_once(
        october: dict[str, str]) -> None:
    mailer = CountingMailer()
    first = _run(mailer)
    assert _rows() == [("2026-10", None, "ready"), ("2026-10", "so-xd", "ready"),
                       ("2026-10", "so-yt", "ready")]
    assert sorted(to for _k, to in mailer.sent) == [
        "soxaydung@dongthap.invalid", "soyte@dongthap.invalid", "vanphong@dongthap.invalid"]
    assert len(first) == 3
    # Re-runs (the same tick, the next day's catch-up) change nothing and send nothing.
    assert _run(mailer) == [] and _run(mailer, LATER) == []
    assert len(mailer.sent) == 3 and len(_rows()) == 3


def test_rebuild_gives_byte_identical_files(october: dict[str, str]) -> None:
    _run(CountingMailer())
    with session_scope() as s:
        before = {r.id: (r.xlsx_sha256, r.pdf_sha256, r.csv_sha256)
                  for r in s.scalars(select(MonthlyReport))}
    for report_id in before:
        assert tasks.build_report(report_id, now=LATER, force=True) == "built"
    with session_scope() as s:
        after = {r.id: (r.xlsx_sha256, r.pdf_sha256, r.csv_sha256)
                 for r in s.scalars(select(MonthlyReport))}
    assert after == before


def test_province_report_is_unique_even_with_null_agency(october: dict[str, str]) -> None:
    with session_scope() as s:
        s.add(MonthlyReport(period="2026-10", agency_code=None, created_at=NOW))
    with pytest.raises(IntegrityError), session_scope() as s:
        s.add(MonthlyReport(period="2026-10", agency_code=None, created_at=NOW))
    with session_scope() as s:
        ids = store.ensure_reports(s, Period(2026, 10), NOW)
        ids_again = store.ensure_reports(s, Period(2026, 10), NOW)
    assert ids == ids_again and len(ids) == 3


def test_build_and_send_claims_are_exclusive(october: dict[str, str]) -> None:
    with session_scope() as s:
        (report_id, *_rest) = store.ensure_reports(s, Period(2026, 10), NOW)
    with session_scope() as s:
        assert store.claim_build(s, report_id, NOW)
    with session_scope() as s:
        assert not store.claim_build(s, report_id, NOW)  # held by the first claimer
    # A claim older than the lease (a crashed worker) may be taken over.
    with session_scope() as s:
        assert store.claim_build(s, report_id, NOW + store.BUILD_LEASE * 2)


def test_failed_delivery_releases_the_claim_for_a_retry(october: dict[str, str]) -> None:
    class Down:
        def deliver(self, message: EmailMessage, key: str) -> None:
            raise ConnectionError("smtp down")

    with session_scope() as s:
        (report_id, *_rest) = store.ensure_reports(s, Period(2026, 10), NOW)
    with pytest.raises(ConnectionError):
        tasks.send_report(report_id, now=NOW, mailer=Down())
    mailer = CountingMailer()
    assert tasks.send_report(report_id, now=NOW, mailer=mailer) == "sent"
    assert tasks.send_report(report_id, now=NOW, mailer=mailer) == "already_sent"
    assert len(mailer.sent) == 1


def test_default_mailer_writes_one_file_per_report(october: dict[str, str],
                                                   tmp_path: Path) -> None:
    tasks.monthly_report(now=NOW)
    outbox = sorted((tmp_path / "data" / "mail" / "outbox").glob("*.eml"))
    assert len(outbox) == 3
    body = outbox[0].read_bytes()
    assert b"application/pdf" in body and b"spreadsheetml" in body


def test_concurrent_runs_make_one_report_and_one_mail_each(pg: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    from triage.settings import get_settings

    get_settings.cache_clear()
    with session_scope() as s:
        f.agencies(s)
        for day in range(1, 6):
            t = f.ticket(s, f.local(2026, 10, day, 9), flags=("tre_han",))
            f.assign(s, t, "so-yt", f.local(2026, 10, day, 10), f.local(2026, 10, day + 5, 17))
    mailer = CountingMailer()
    errors = run_together(lambda: _run(mailer), 4, 120)
    assert errors == []
    _run(mailer)  # the catch-up finishes whatever a racing thread left "not ready"
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(MonthlyReport)) == 2
    assert sorted(k for k, _to in mailer.sent) == sorted(set(k for k, _to in mailer.sent))
    assert len(mailer.sent) == 2


def test_file_mailer_overwrites_rather_than_duplicates(tmp_path: Path) -> None:
    mailer, message = FileMailer(tmp_path), EmailMessage()
    message["Subject"] = "Báo cáo"
    mailer.deliver(message, "bao-cao-1")
    mailer.deliver(message, "bao-cao-1")
    assert [p.name for p in tmp_path.iterdir()] == ["bao-cao-1.eml"]
