"""The monthly_reports rows: create once per (period, agency), claim building and sending
with conditional UPDATEs so that only one worker acts, record files and delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, union, update
from sqlalchemy.orm import Session

from triage.reports.models import FORMATS, MonthlyReport
from triage.reports.service import Scope
from triage.routing.models import Assignment
from triage.tickets.models import Ticket
from triage.tickets.period import Period

R = MonthlyReport
BUILD_LEASE = timedelta(minutes=30)
SEND_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class FileInfo:
    path: str  # relative to the reports directory
    size: int
    sha256: str


def _insert(session: Session) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(MonthlyReport)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(MonthlyReport)


def active_agencies(session: Session, period: Period) -> list[str]:
    """Agencies with a complaint received, or an assignment due, in the month."""
    received = select(Ticket.agency_code).where(
        Ticket.received_at >= period.start, Ticket.received_at < period.end,
        Ticket.agency_code.is_not(None))
    due = select(Assignment.agency_code).where(
        Assignment.due_at >= period.start, Assignment.due_at < period.end)
    return sorted(c for c in session.scalars(select(union(received, due).subquery().c[0])) if c)


def ensure_reports(session: Session, period: Period, now: datetime,
                   agencies: list[str] | None = None) -> list[int]:
    """Create the province report and one per active agency, unless they exist.

    INSERT … ON CONFLICT DO NOTHING against the unique keys: concurrent or repeated runs
    never create a second row."""
    codes: list[str | None] = [None, *(active_agencies(session, period)
                                       if agencies is None else agencies)]
    rows = [{"period": str(period), "agency_code": code, "status": "pending", "attempts": 0,
             "created_at": now} for code in codes]
    session.execute(_insert(session).values(rows).on_conflict_do_nothing())
    return list(session.scalars(select(R.id).where(R.period == str(period))
                                .order_by(R.agency_code.is_not(None), R.agency_code)))


def ensure_report(session: Session, scope: Scope, now: datetime) -> MonthlyReport:
    ensure_reports(session, scope.period, now,
                   agencies=[scope.agency_code] if scope.agency_code else [])
    found = find_report(session, scope)
    assert found is not None
    return found


def find_report(session: Session, scope: Scope) -> MonthlyReport | None:
    code = R.agency_code.is_(None) if scope.agency_code is None \
        else R.agency_code == scope.agency_code
    return session.scalars(select(R).where(R.period == str(scope.period), code)).first()


def scope_of(report: MonthlyReport, as_of: datetime) -> Scope:
    return Scope(Period.parse(report.period), report.agency_code, as_of)


def _changed(session: Session, stmt: Any) -> bool:
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0) == 1


def claim_build(session: Session, report_id: int, now: datetime, *, force: bool = False,
                stale_before: datetime | None = None) -> bool:
    """Take the build of one report; True only for the one caller that changed the row.

    A ready report generated before `stale_before` (a month's report made while the
    month still ran, claimed once the month is over) is built again."""
    claimable = or_(
        and_(R.status.in_(("pending", "failed")), R.attempts < MAX_ATTEMPTS),
        and_(R.status == "generating", R.claimed_at < now - BUILD_LEASE),
    )
    if force:
        claimable = or_(claimable, R.status == "ready")
    elif stale_before is not None:
        claimable = or_(claimable, and_(R.status == "ready", R.generated_at < stale_before))
    return _changed(session, update(R).where(R.id == report_id, claimable).values(
        status="generating", claimed_at=now, attempts=R.attempts + 1, last_error=None))


def mark_built(session: Session, report_id: int, files: dict[str, FileInfo],
               now: datetime) -> None:
    values: dict[str, Any] = {"status": "ready", "generated_at": now, "claimed_at": None}
    for fmt in FORMATS:
        info = files.get(fmt)
        values[f"{fmt}_path"] = info.path if info else None
        values[f"{fmt}_size"] = info.size if info else None
        values[f"{fmt}_sha256"] = info.sha256 if info else None
    session.execute(update(R).where(R.id == report_id, R.status == "generating")
                    .values(**values).execution_options(synchronize_session=False))


def mark_failed(session: Session, report_id: int, error: BaseException) -> None:
    session.execute(update(R).where(R.id == report_id, R.status == "generating").values(
        status="failed", claimed_at=None, last_error=f"{type(error).__name__}: {error}"[:500],
    ).execution_options(synchronize_session=False))


def claim_send(session: Session, report_id: int, now: datetime) -> bool:
    return _changed(session, update(R).where(
        R.id == report_id, R.status == "ready", R.sent_at.is_(None),
        or_(R.send_claimed_at.is_(None), R.send_claimed_at < now - SEND_LEASE),
    ).values(send_claimed_at=now))


def mark_sent(session: Session, report_id: int, now: datetime, recipient: str | None,
              delivery: str) -> None:
    session.execute(update(R).where(R.id == report_id, R.sent_at.is_(None)).values(
        sent_at=now, recipient=recipient, delivery=delivery,
    ).execution_options(synchronize_session=False))


def release_send(session: Session, report_id: int) -> None:
    session.execute(update(R).where(R.id == report_id, R.sent_at.is_(None))
                    .values(send_claimed_at=None)
                    .execution_options(synchronize_session=False))


def unsent_ids(session: Session, period: Period) -> list[int]:
    return list(session.scalars(select(R.id).where(
        R.period == str(period), R.sent_at.is_(None)).order_by(R.id)))


def count_reports(session: Session, period: Period) -> int:
    return int(session.scalar(select(func.count()).select_from(R)
                              .where(R.period == str(period))) or 0)
