"""When work counts as late, in working days, and the SQL conditions that say so.

An answer exactly at the deadline is on time. An agency that held a ticket past its
deadline without answering is late even if the ticket was then re-routed: each
assignment is judged for the agency that held it. A report is cut off at the end of its
month, so later answers do not change it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_

from triage.routing import deadlines
from triage.routing.models import Assignment

A = Assignment


@lru_cache(maxsize=8192)
def _working_days(a: date, b: date) -> int:
    return deadlines.working_days_between(a, b)


def working_days_after(due: datetime, done: datetime) -> int:
    """Working days (local dates) d with date(due) < d <= date(done); holidays excluded."""
    tz = deadlines.TZ
    return _working_days(due.astimezone(tz).date(), done.astimezone(tz).date())


def days_late(due: datetime | None, done: datetime | None, cutoff: datetime) -> int:
    """0 when answered by `due`; else working days past it (at least 1), as of `cutoff`."""
    if due is None:
        return 0
    end = done if done is not None and done < cutoff else cutoff - timedelta(microseconds=1)
    if end <= due:
        return 0
    return max(1, working_days_after(due, end))


def answered_by(cutoff: datetime) -> Any:
    return and_(A.answered_at.is_not(None), A.answered_at < cutoff)


def unanswered_at(cutoff: datetime) -> Any:
    return or_(A.answered_at.is_(None), A.answered_at >= cutoff)


def late_condition(cutoff: datetime) -> Any:
    """The assignment's agency answered after the deadline, or held it unanswered past it."""
    return or_(
        and_(answered_by(cutoff), A.answered_at > A.due_at),
        and_(unanswered_at(cutoff), or_(A.ended_at.is_(None), A.ended_at > A.due_at)),
    )


def counted_condition(cutoff: datetime) -> Any:
    """Assignments judged at all: not those handed on, unanswered, before their deadline."""
    return or_(answered_by(cutoff), A.ended_at.is_(None), A.ended_at > A.due_at)


def assignment_done(answered_at: datetime | None, ended_at: datetime | None,
                    cutoff: datetime) -> datetime | None:
    """When the agency stopped holding the ticket: its answer, else the hand-over."""
    if answered_at is not None and answered_at < cutoff:
        return answered_at
    if ended_at is not None and ended_at < cutoff:
        return ended_at
    return None
