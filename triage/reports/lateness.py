"""When work counts as late, in working days, and the SQL conditions that say so.

An answer exactly at the deadline is on time. An agency that held a ticket past its
deadline without answering is late even if the ticket was then re-routed: each
assignment is judged for the agency that held it.

A month is judged at its cut-off (`cutoff`): its end once it is over, so later answers
do not change its report; while it runs, the present moment. Only assignments whose
deadline fell before the cut-off are judged ("due"): an open ticket whose deadline is
still ahead is neither late nor counted on time. Every count of the dashboard, the
ranking and the reports goes through `due_in`, `counted_condition` and `late_condition`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_

from triage.routing import deadlines
from triage.routing.deadlines import WorkCalendar
from triage.routing.models import Assignment
from triage.tickets.period import Period

A = Assignment


def cutoff(period: Period, now: datetime) -> datetime:
    """The moment `period` is judged at: its end, or `now` while the month runs."""
    return min(period.end, now)


def due_in(period: Period, cut: datetime | Any) -> list[Any]:
    """Assignments due in `period` by the cut-off: the ones a month's numbers judge."""
    return [A.due_at >= period.start, A.due_at < cut]


@lru_cache(maxsize=8192)
def _working_days(calendar: WorkCalendar, a: date, b: date) -> int:
    return calendar.working_days_between(a, b)


def working_days_after(due: datetime, done: datetime, calendar: WorkCalendar | None = None
                       ) -> int:
    """Working days (local dates) d with date(due) < d <= date(done); holidays excluded."""
    tz = deadlines.TZ
    return _working_days(calendar or deadlines.get_calendar(), due.astimezone(tz).date(),
                         done.astimezone(tz).date())


def days_late(due: datetime | None, done: datetime | None, cutoff: datetime,
              calendar: WorkCalendar | None = None) -> int:
    """0 when answered by `due`; else working days past it (at least 1), as of `cutoff`,
    counted on `calendar` (the one in force; the shipped one when None)."""
    if due is None:
        return 0
    end = done if done is not None and done < cutoff else cutoff - timedelta(microseconds=1)
    if end <= due:
        return 0
    return max(1, working_days_after(due, end, calendar))


def answered_by(cutoff: datetime | Any) -> Any:
    return and_(A.answered_at.is_not(None), A.answered_at < cutoff)


def unanswered_at(cutoff: datetime | Any) -> Any:
    return or_(A.answered_at.is_(None), A.answered_at >= cutoff)


def late_condition(cutoff: datetime | Any) -> Any:
    """The assignment's agency answered after the deadline, or held it unanswered past a
    deadline that fell before the cut-off."""
    return or_(
        and_(answered_by(cutoff), A.answered_at > A.due_at),
        and_(A.due_at < cutoff, unanswered_at(cutoff),
             or_(A.ended_at.is_(None), A.ended_at > A.due_at)),
    )


def counted_condition(cutoff: datetime | Any) -> Any:
    """Assignments judged at all: due before the cut-off, and not handed on unanswered
    before their deadline."""
    return and_(A.due_at < cutoff,
                or_(answered_by(cutoff), A.ended_at.is_(None), A.ended_at > A.due_at))


def assignment_done(answered_at: datetime | None, ended_at: datetime | None,
                    cutoff: datetime) -> datetime | None:
    """When the agency stopped holding the ticket: its answer, else the hand-over."""
    if answered_at is not None and answered_at < cutoff:
        return answered_at
    if ended_at is not None and ended_at < cutoff:
        return ended_at
    return None
