"""The report's summary tables: counts by topic, agency and channel against the previous
month, on-time rate and ranking of agencies, the monthly trend and the late leaders.

Aggregates run in the database (GROUP BY over one month's index range); only the small
result tables come back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.intake.models import Assignment, Ticket
from triage.reports import lateness
from triage.reports.period import Period
from triage.reports.service import NO_AGENCY, Scope, has_flag
from triage.taxonomy import CHANNELS, TOPICS

TREND_MONTHS = 12
TOP_LATE = 10


@dataclass(frozen=True)
class CountRow:
    key: str
    name: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class OnTimeRow:
    code: str
    name: str
    due: int
    on_time: int
    late: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Totals:
    received: int
    tre_han: int
    thai_do: int
    due: int
    late: int

    @property
    def on_time_rate(self) -> float | None:
        return (self.due - self.late) / self.due if self.due else None


@dataclass
class Summary:
    scope: Scope
    totals: Totals
    previous: Totals
    by_topic: list[CountRow] = field(default_factory=list)
    by_agency: list[CountRow] = field(default_factory=list)
    by_channel: list[CountRow] = field(default_factory=list)
    ranking: list[OnTimeRow] = field(default_factory=list)
    trend: list[tuple[Period, int, int]] = field(default_factory=list)
    top_late: list[OnTimeRow] = field(default_factory=list)


def _tickets_in(scope: Scope, period: Period) -> list[Any]:
    where = [Ticket.received_at >= period.start, Ticket.received_at < period.end]
    if scope.agency_code is not None:
        where.append(Ticket.agency_code == scope.agency_code)
    return where


def _assignments_due_in(scope: Scope, period: Period) -> list[Any]:
    where = [Assignment.due_at >= period.start, Assignment.due_at < period.end]
    if scope.agency_code is not None:
        where.append(Assignment.agency_code == scope.agency_code)
    return where


def totals(session: Session, scope: Scope, period: Period) -> Totals:
    row = session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((has_flag("tre_han"), 1), else_=0)), 0),
        func.coalesce(func.sum(case((has_flag("thai_do"), 1), else_=0)), 0),
    ).where(*_tickets_in(scope, period))).one()
    due, late = session.execute(select(
        func.coalesce(func.sum(case((lateness.counted_condition(period.end), 1), else_=0)), 0),
        func.coalesce(func.sum(case((lateness.late_condition(period.end), 1), else_=0)), 0),
    ).where(*_assignments_due_in(scope, period))).one()
    return Totals(int(row[0]), int(row[1]), int(row[2]), int(due), int(late))


Breakdown = dict[str, dict[str, int]]
BY = {"topic": Ticket.topic, "agency": Ticket.agency_code, "channel": Ticket.channel}


def breakdown(session: Session, scope: Scope, period: Period) -> Breakdown:
    """Counts by topic, by agency and by channel from one grouped query."""
    columns = list(BY.values())
    rows = session.execute(select(*columns, func.count()).where(*_tickets_in(scope, period))
                           .group_by(*columns))
    out: Breakdown = {name: {} for name in BY}
    for row in rows:
        n = int(row[3] or 0)
        for name, key in zip(BY, row[:3], strict=True):
            out[name][key or ""] = out[name].get(key or "", 0) + n
    return out


def _agency_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(select(AgencyRow.code,
                                                                AgencyRow.name))}


def count_table(now: dict[str, int], before: dict[str, int], names: dict[str, str], *,
                keep_order: bool, missing: str) -> list[CountRow]:
    """Counts this month and last; rows in `names` order, or by count when not kept."""
    keys = list(names) if keep_order else []
    keys += sorted((set(now) | set(before)) - set(keys))
    rows = [CountRow(k, names.get(k) or k or missing, now.get(k, 0), before.get(k, 0))
            for k in keys if now.get(k) or before.get(k)]
    if not keep_order:
        rows.sort(key=lambda r: (-r.count, r.key))
    return rows


def on_time_table(session: Session, scope: Scope, names: dict[str, str]) -> list[OnTimeRow]:
    """Per agency, assignments due this month: judged, on time, late; best rate first."""
    cutoff = scope.period.end
    counted = func.sum(case((lateness.counted_condition(cutoff), 1), else_=0))
    late = func.sum(case((lateness.late_condition(cutoff), 1), else_=0))
    rows = session.execute(
        select(Assignment.agency_code, counted, late)
        .where(*_assignments_due_in(scope, scope.period)).group_by(Assignment.agency_code))
    table = [OnTimeRow(code, names.get(code, code), int(n or 0), int(n or 0) - int(k or 0),
                       int(k or 0)) for code, n, k in rows if n]
    table.sort(key=lambda r: (-(r.rate or 0.0), -r.due, r.code))
    return table


def trend(session: Session, scope: Scope) -> list[tuple[Period, int, int]]:
    out = []
    for period in scope.period.months_back(TREND_MONTHS):
        received = session.scalar(select(func.count()).where(*_tickets_in(scope, period)))
        late = session.scalar(select(func.count()).where(
            *_assignments_due_in(scope, period), lateness.late_condition(period.end)))
        out.append((period, int(received or 0), int(late or 0)))
    return out


def build_summary(session: Session, scope: Scope) -> Summary:
    names = _agency_names(session)
    ranking = on_time_table(session, scope, names)
    now = breakdown(session, scope, scope.period)
    before = breakdown(session, scope, scope.period.shift(-1))
    return Summary(
        scope=scope,
        totals=totals(session, scope, scope.period),
        previous=totals(session, scope, scope.period.shift(-1)),
        by_topic=count_table(now["topic"], before["topic"], TOPICS, keep_order=True,
                             missing="Chưa phân loại"),
        by_agency=count_table(now["agency"], before["agency"], names, keep_order=False,
                              missing=NO_AGENCY),
        by_channel=count_table(now["channel"], before["channel"], CHANNELS, keep_order=True,
                               missing="Không rõ"),
        ranking=ranking,
        trend=trend(session, scope),
        top_late=sorted((r for r in ranking if r.late), key=lambda r: (-r.late, r.code))[
            :TOP_LATE],
    )
