"""Supervisor dashboard numbers: counts, 12-month trend, on-time rate and the open
backlog by agency, filtered by month, agency and topic. Agency staff get their own
agency's numbers only (the view forces the agency filter)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.agencies.service import agency_names
from triage.reports import case_lists, summary
from triage.reports.ranking import as_dict, min_due
from triage.reports.service import NO_AGENCY, STATUS_BY_CODE, Scope, has_flag
from triage.routing.models import Assignment
from triage.survey import figures as satisfaction
from triage.taxonomy import TOPICS
from triage.tickets.models import Ticket
from triage.tickets.period import Period

OPEN_STATUSES = ("routed", "acknowledged", "reassign_requested")
# A month that is over is judged at its end (lateness.cutoff), so its trend figures stay
# as they are while time passes; at 2,000,000 tickets counting the eleven months before
# the chosen one is most of the dashboard's time. They are kept per database for a short
# while, and counted again as soon as a ticket received or an assignment due in those
# months is added (an import of old tickets; today's intake does not touch them). A
# change made in place to an old month (a deadline moved by new days off, a ticket
# relabelled) shows within FINISHED_SECONDS.
FINISHED_SECONDS = 60.0
ADDED_ROWS = 1000
_kept: WeakKeyDictionary[Any, dict[tuple[Any, ...], tuple[float, Any, Any]]] = \
    WeakKeyDictionary()
_lock = threading.Lock()


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


def _figures(due: int, late: int) -> dict[str, Any]:
    return {"due": due, "on_time": due - late, "late": late,
            "rate": round((due - late) / due, 4) if due else None}


def counts(session: Session, f: Filters) -> dict[str, Any]:
    """The month's tickets by status and by topic, and the flagged ones, from one scan."""
    rows = session.execute(select(
        Ticket.status, Ticket.topic, func.count(),
        func.sum(case((has_flag("tre_han"), 1), else_=0)),
        func.sum(case((has_flag("thai_do"), 1), else_=0)),
    ).where(*_ticket_where(f, f.period)).group_by(Ticket.status, Ticket.topic))
    by_status: Counter[str] = Counter()
    by_topic: Counter[str | None] = Counter()
    tre_han = thai_do = 0
    for status, topic, n, late_flag, manner_flag in rows:
        by_status[status] += int(n)
        by_topic[topic] += int(n)
        tre_han += int(late_flag or 0)
        thai_do += int(manner_flag or 0)
    received = sum(by_status.values())
    return {
        "received": received, "tre_han": tre_han, "thai_do": thai_do,
        # Reports and the cases they make (repeat reports linked into one, triage.cases).
        "reports": received,
        "cases": received - case_lists.repeats(session, _ticket_where(f, f.period)),
        "by_status": [{"status": s, "name": STATUS_BY_CODE.get(s, s), "count": n}
                      for s, n in sorted(by_status.items())],
        "by_topic": sorted(({"topic": t, "name": TOPICS.get(t or "", t or "Chưa phân loại"),
                             "count": n} for t, n in by_topic.items()),
                           key=lambda r: (-r["count"], r["topic"] or "")),
    }


def _between(session: Session, scope: Scope, first: Period, last: Period,
             topic: str | None) -> dict[Period, tuple[int, int, int]]:
    """(received, due, late) of each month from `first` to `last`: two grouped queries."""
    received = summary.received_by_month(session, scope, first, last, topic)
    judged = summary.judged_by_month(session, scope, first, last, topic)
    return {p: (received.get(p, 0), *judged.get(p, (0, 0))) for p in first.through(last)}


def _added_since(session: Session, seen: tuple[int, int], before: datetime) -> bool:
    """Whether a ticket received, or an assignment due, before `before` was added after
    the ids in `seen` were the highest (or too many rows were added to tell cheaply).
    The rows added since are read in id order with a limit, so that the primary key
    serves them under any plan: a cached generic plan of "id > ? AND received_at < ?"
    reads the whole table (756 ms at 2,000,000 tickets)."""
    ticket, assignment = seen
    for column, key, since in ((Ticket.received_at, Ticket.id, ticket),
                               (Assignment.due_at, Assignment.id, assignment)):
        added = list(session.scalars(select(column).where(key > since).order_by(key)
                                     .limit(ADDED_ROWS + 1)))
        if len(added) > ADDED_ROWS or any(t is not None and t < before for t in added):
            return True
    return False


def _finished(session: Session, f: Filters, scope: Scope, first: Period, last: Period
              ) -> dict[Period, tuple[int, int, int]]:
    """`_between` for months already over, kept per database for FINISHED_SECONDS unless
    a ticket or an assignment of those months is added meanwhile."""
    bind = session.get_bind()
    key = (f.agency_code, f.topic, first, last)
    with _lock:
        kept = _kept.setdefault(bind, {}).get(key)
    if kept is not None and time.monotonic() - kept[0] < FINISHED_SECONDS \
            and not _added_since(session, kept[1], last.end):
        return kept[2]
    # The highest ids are read first: a row added while counting is looked at next time.
    seen = tuple(int(n or 0) for n in session.execute(select(
        select(func.max(Ticket.id)).scalar_subquery(),
        select(func.max(Assignment.id)).scalar_subquery())).one())
    figures = _between(session, scope, first, last, f.topic)
    with _lock:
        entries = _kept.setdefault(bind, {})
        if len(entries) >= 256:
            entries.clear()
        entries[key] = (time.monotonic(), seen, figures)
    return figures


def trend(session: Session, f: Filters, now: datetime, months: int = 12,
          chosen: tuple[int, int, int] | None = None) -> list[dict[str, Any]]:
    """Received, and assignments due judged at each month's cut-off, for the `months`
    months ending with the chosen one; that one's (received, due, late) may be given, as
    the dashboard has them already."""
    periods = f.period.months_back(months)
    scope = Scope(f.period, f.agency_code, now)
    counted = periods[:-1] if chosen is not None else periods
    over = [p for p in counted if p.end <= now]
    rest = [p for p in counted if p.end > now]
    figures = _finished(session, f, scope, over[0], over[-1]) if over else {}
    if rest:
        figures = {**figures, **_between(session, scope, rest[0], rest[-1], f.topic)}
    if chosen is not None:
        figures[f.period] = chosen
    return [{"period": str(p), "received": figures[p][0], **_figures(*figures[p][1:])}
            for p in periods]


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


def ranking(session: Session, f: Filters, now: datetime, *, for_agency: bool = False
            ) -> list[dict[str, Any]]:
    """The month's ranking of agencies (of the topic, when one is chosen); with an agency
    filter, that agency's row only, ranked among all. ``for_agency``: read by that
    agency's staff (its satisfaction figures as triage.survey.figures lets it see them)."""
    rows = summary.on_time_table(session, Scope(f.period, f.agency_code, now),
                                 agency_names(session), topic=f.topic)
    return satisfaction.with_satisfaction(session, f.period.start, f.period.end,
                                          [as_dict(r) for r in rows], topic=f.topic,
                                          for_agency=for_agency)


def dashboard(session: Session, f: Filters, now: datetime, *, for_agency: bool = False
              ) -> dict[str, Any]:
    """The month's figures; ``for_agency``: read by the staff of the filtered agency."""
    month = counts(session, f)
    ranked = ranking(session, f, now, for_agency=for_agency)
    # The ranking's rows are the month's assignments due, per agency (that agency's row
    # under an agency filter): their sums are the month's on-time figures.
    due, late = sum(r["due"] for r in ranked), sum(r["late"] for r in ranked)
    months = trend(session, f, now, chosen=(month["received"], due, late))
    return {
        "period": str(f.period), "agency_code": f.agency_code, "topic": f.topic,
        "counts": month,
        "on_time": _figures(due, late),
        "trend": months,
        "backlog": backlog(session, f, now),
        "ranking": ranked,
        "ranking_min_due": min_due(),
        "satisfaction": satisfaction.dashboard_figures(
            session, f.period.start, f.period.end, agency_code=f.agency_code, topic=f.topic,
            for_agency=for_agency),
    }
