"""Supervisor dashboard numbers: counts, 12-month trend, on-time rate and the open
backlog by agency, filtered by month, agency and topic. Agency staff get their own
agency's numbers only (the view forces the agency filter)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.agencies.service import agency_names
from triage.reports import lateness, summary
from triage.reports.period import Period
from triage.reports.ranking import as_dict, min_due
from triage.reports.service import NO_AGENCY, STATUS_BY_CODE, Scope, has_flag
from triage.routing.models import Assignment
from triage.taxonomy import TOPICS
from triage.tickets.models import Ticket

OPEN_STATUSES = ("routed", "acknowledged", "reassign_requested")


@dataclass(frozen=True)
class Filters:
    period: Period
    agency_code: str | None = None
    topic: str | None = None


def _ticket_where(f: Filters, period: Period) -> list[Any]:
    where = [Ticket.received_at >= period.start, Ticket.received_at < period.end]
    if f.agency_code:
        where.append(Ticket.agency_code == f.agency_code)
    if f.topic:
        where.append(Ticket.topic == f.topic)
    return where


def _on_time(session: Session, f: Filters, period: Period, now: datetime) -> dict[str, Any]:
    """Assignments due in `period` by its cut-off (now, while the month runs)."""
    cutoff = lateness.cutoff(period, now)
    stmt = select(
        func.coalesce(func.sum(case((lateness.counted_condition(cutoff), 1), else_=0)), 0),
        func.coalesce(func.sum(case((lateness.late_condition(cutoff), 1), else_=0)), 0),
    ).where(*lateness.due_in(period, cutoff))
    if f.agency_code:
        stmt = stmt.where(Assignment.agency_code == f.agency_code)
    if f.topic:
        stmt = stmt.join(Ticket, Ticket.id == Assignment.ticket_id).where(
            Ticket.topic == f.topic)
    due, late = session.execute(stmt).one()
    due, late = int(due), int(late)
    return {"due": due, "on_time": due - late, "late": late,
            "rate": round((due - late) / due, 4) if due else None}


def counts(session: Session, f: Filters) -> dict[str, Any]:
    received, tre_han, thai_do = session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((has_flag("tre_han"), 1), else_=0)), 0),
        func.coalesce(func.sum(case((has_flag("thai_do"), 1), else_=0)), 0),
    ).where(*_ticket_where(f, f.period))).one()
    by_status = session.execute(select(Ticket.status, func.count())
                                .where(*_ticket_where(f, f.period)).group_by(Ticket.status))
    by_topic = session.execute(select(Ticket.topic, func.count())
                               .where(*_ticket_where(f, f.period)).group_by(Ticket.topic))
    return {
        "received": int(received), "tre_han": int(tre_han), "thai_do": int(thai_do),
        "by_status": sorted(({"status": s, "name": STATUS_BY_CODE.get(s, s), "count": int(n)}
                             for s, n in by_status), key=lambda r: r["status"]),
        "by_topic": sorted(({"topic": t, "name": TOPICS.get(t or "", t or "Chưa phân loại"),
                             "count": int(n)} for t, n in by_topic),
                           key=lambda r: (-r["count"], r["topic"] or "")),
    }


def trend(session: Session, f: Filters, now: datetime, months: int = 12
          ) -> list[dict[str, Any]]:
    out = []
    for period in f.period.months_back(months):
        received = session.scalar(select(func.count()).where(*_ticket_where(f, period)))
        out.append({"period": str(period), "received": int(received or 0),
                    **_on_time(session, f, period, now)})
    return out


def backlog(session: Session, f: Filters, now: datetime) -> list[dict[str, Any]]:
    """Open tickets now, per agency, and how many of them are past their deadline."""
    overdue = func.sum(case((Ticket.due_at < now, 1), else_=0))
    stmt = (select(Ticket.agency_code, AgencyRow.name, func.count(), overdue)
            .outerjoin(AgencyRow, AgencyRow.code == Ticket.agency_code)
            .where(Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.agency_code, AgencyRow.name))
    if f.agency_code:
        stmt = stmt.where(Ticket.agency_code == f.agency_code)
    if f.topic:
        stmt = stmt.where(Ticket.topic == f.topic)
    rows = [{"agency_code": code, "agency_name": name or code or NO_AGENCY,
             "open": int(n), "overdue": int(late or 0)}
            for code, name, n, late in session.execute(stmt)]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["open"], r["agency_code"] or ""))


def ranking(session: Session, f: Filters, now: datetime) -> list[dict[str, Any]]:
    """The month's ranking of agencies (of the topic, when one is chosen); with an agency
    filter, that agency's row only, ranked among all."""
    rows = summary.on_time_table(session, Scope(f.period, f.agency_code, now),
                                 agency_names(session), topic=f.topic)
    return [as_dict(r) for r in rows]


def dashboard(session: Session, f: Filters, now: datetime) -> dict[str, Any]:
    return {
        "period": str(f.period), "agency_code": f.agency_code, "topic": f.topic,
        "counts": counts(session, f),
        "on_time": _on_time(session, f, f.period, now),
        "trend": trend(session, f, now),
        "backlog": backlog(session, f, now),
        "ranking": ranking(session, f, now),
        "ranking_min_due": min_due(),
    }
