"""The report's summary tables: counts by topic, agency and channel against the previous
month, on-time rate and ranking of agencies, the monthly trend and the late leaders.

Aggregates run in the database (GROUP BY over one month's index range); only the small
result tables come back."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from triage.agencies.models import AgencyRow
from triage.reports import lateness
from triage.reports.ranking import OnTimeRow, rank
from triage.reports.service import NO_AGENCY, Scope, has_flag
from triage.routing.models import Assignment
from triage.survey import figures as satisfaction
from triage.taxonomy import CHANNELS, TOPICS
from triage.tickets.models import Ticket
from triage.tickets.period import Period

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
    # Citizens' satisfaction with the answers (triage.survey.figures), surveys sent in the
    # month, per agency and per topic.
    satisfaction_by_agency: list[satisfaction.SatisfactionRow] = field(default_factory=list)
    satisfaction_by_topic: list[satisfaction.SatisfactionRow] = field(default_factory=list)


def _tickets_in(scope: Scope, period: Period) -> list[Any]:
    where = [Ticket.received_at >= period.start, Ticket.received_at < period.end]
    if scope.agency_code is not None:
        where.append(Ticket.agency_code == scope.agency_code)
    return where


def _assignments_due_in(scope: Scope, period: Period) -> list[Any]:
    where = lateness.due_in(period, lateness.cutoff(period, scope.as_of))
    if scope.agency_code is not None:
        where.append(Assignment.agency_code == scope.agency_code)
    return where


def totals(session: Session, scope: Scope, period: Period) -> Totals:
    row = session.execute(select(
        func.count(),
        func.coalesce(func.sum(case((has_flag("tre_han"), 1), else_=0)), 0),
        func.coalesce(func.sum(case((has_flag("thai_do"), 1), else_=0)), 0),
    ).where(*_tickets_in(scope, period))).one()
    due, late = _due_and_late(session, scope, period)
    return Totals(int(row[0]), int(row[1]), int(row[2]), due, late)


def _due_and_late(session: Session, scope: Scope, period: Period) -> tuple[int, int]:
    cut = lateness.cutoff(period, scope.as_of)
    due, late = session.execute(select(
        func.coalesce(func.sum(case((lateness.counted_condition(cut), 1), else_=0)), 0),
        func.coalesce(func.sum(case((lateness.late_condition(cut), 1), else_=0)), 0),
    ).where(*_assignments_due_in(scope, period))).one()
    return int(due), int(late)


Breakdown = dict[str, dict[str, int]]
BY = {"topic": Ticket.topic, "agency": Ticket.agency_code, "channel": Ticket.channel}


def breakdown(session: Session, scope: Scope, period: Period) -> Breakdown:
    """Counts by topic, by agency and by channel from one grouped query."""
    return _ticket_months(session, scope, period, period)[period][0]


def _ticket_months(session: Session, scope: Scope, first: Period, last: Period
                   ) -> dict[Period, tuple[Breakdown, tuple[int, int, int]]]:
    """For each month from `first` to `last`: the counts by topic, agency and channel,
    and (received, tre_han, thai_do), from one scan of those months' tickets."""
    months = first.through(last)
    bucket = _month_of(Ticket.received_at, months)
    columns = list(BY.values())
    rows = session.execute(
        select(bucket, *columns, func.count(),
               func.sum(case((has_flag("tre_han"), 1), else_=0)),
               func.sum(case((has_flag("thai_do"), 1), else_=0)))
        .where(*_tickets_between(scope, first, last)).group_by(bucket, *columns))
    counts: dict[Period, Breakdown] = {m: {name: {} for name in BY} for m in months}
    flags = {m: [0, 0, 0] for m in months}
    for row in rows:
        month = months[int(row[0])]
        n = int(row[4] or 0)
        for name, key in zip(BY, row[1:4], strict=True):
            out = counts[month][name]
            out[key or ""] = out.get(key or "", 0) + n
        total = flags[month]
        total[0] += n
        total[1] += int(row[5] or 0)
        total[2] += int(row[6] or 0)
    return {m: (counts[m], (flags[m][0], flags[m][1], flags[m][2])) for m in months}


class _Bucket(FunctionElement[int]):
    """bucket_of's expression: (column, end, end, ...) rendered per database."""

    type = Integer()
    name = "bucket_of"
    inherit_cache = True


@compiles(_Bucket)
def _bucket_case(element: _Bucket, compiler: Any, **kw: Any) -> str:
    column, *ends = element.clauses
    return str(compiler.process(case(*[(column < end, i) for i, end in enumerate(ends)],
                                     else_=len(ends)), **kw))


@compiles(_Bucket, "postgresql")
def _bucket_width(element: _Bucket, compiler: Any, **kw: Any) -> str:
    # width_bucket finds the bucket by binary search in the sorted thresholds: a 30-day
    # chart's CASE tries 15 comparisons a row on average (20-40 ms over 100,000 rows).
    column, *ends = element.clauses
    thresholds = ", ".join(compiler.process(end, **kw) for end in ends)
    return f"width_bucket({compiler.process(column, **kw)}, ARRAY[{thresholds}])"


def bucket_of(column: Any, ends: list[datetime]) -> Any:
    """The index of the first of `ends` that `column` is before: the month or day a row
    falls in, given their ends (rows outside them are filtered by the caller)."""
    if len(ends) == 1:
        return literal(0)
    return _Bucket(column, *[literal(end, column.type) for end in ends[:-1]])


def _month_of(column: Any, months: list[Period]) -> Any:
    """The index in `months` of the month `column` falls in (rows outside are filtered)."""
    return bucket_of(column, [m.end for m in months])


def _tickets_between(scope: Scope, first: Period, last: Period) -> list[Any]:
    where = [Ticket.received_at >= first.start, Ticket.received_at < last.end]
    if scope.agency_code is not None:
        where.append(Ticket.agency_code == scope.agency_code)
    return where


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


def _on_time_rows(session: Session, scope: Scope, topic: str | None = None
                  ) -> list[tuple[str, int, int]]:
    """Per agency, assignments due this month by the cut-off: (code, judged, late)."""
    cutoff = scope.cutoff
    counted = func.sum(case((lateness.counted_condition(cutoff), 1), else_=0))
    late = func.sum(case((lateness.late_condition(cutoff), 1), else_=0))
    stmt = (select(Assignment.agency_code, counted, late)
            .where(*_assignments_due_in(scope, scope.period)).group_by(Assignment.agency_code))
    if topic is not None:
        stmt = stmt.join(Ticket, Ticket.id == Assignment.ticket_id).where(Ticket.topic == topic)
    return [(code, int(n or 0), int(k or 0)) for code, n, k in session.execute(stmt)]


def _ranking(rows: list[tuple[str, int, int]], names: dict[str, str]) -> list[OnTimeRow]:
    return rank(OnTimeRow(code, names.get(code, code), n, n - k, k) for code, n, k in rows)


def on_time_table(session: Session, scope: Scope, names: dict[str, str],
                  topic: str | None = None) -> list[OnTimeRow]:
    """Per agency, assignments due this month: judged, on time, late, with the rank
    (triage.reports.ranking). For an agency's scope: its row, ranked among all."""
    rows = _ranking(_on_time_rows(session, replace(scope, agency_code=None), topic), names)
    if scope.agency_code is not None:
        rows = [r for r in rows if r.code == scope.agency_code]
    return rows


def trend(session: Session, scope: Scope,
          known: dict[Period, tuple[int, int]] | None = None) -> list[tuple[Period, int, int]]:
    """(month, received, late) for the last TREND_MONTHS months; months in `known`
    already counted are not queried again. The other months come from two grouped
    queries, each month judged at its own cut-off."""
    known = known or {}
    months = scope.period.months_back(TREND_MONTHS)
    missing = [m for m in months if m not in known]
    counts = dict(known)
    if missing:
        received = received_by_month(session, scope, missing[0], missing[-1])
        judged = judged_by_month(session, scope, missing[0], missing[-1])
        for period in missing:
            counts[period] = (received.get(period, 0), judged.get(period, (0, 0))[1])
    return [(m, *counts[m]) for m in months]


def received_by_month(session: Session, scope: Scope, first: Period, last: Period,
                      topic: str | None = None) -> dict[Period, int]:
    """Tickets received in each month from `first` to `last` (of `topic`, if given)."""
    months = first.through(last)
    bucket = _month_of(Ticket.received_at, months)
    where = _tickets_between(scope, first, last)
    if topic is not None:
        where.append(Ticket.topic == topic)
    rows = session.execute(select(bucket, func.count()).where(*where).group_by(bucket))
    return {months[int(index)]: int(n) for index, n in rows}


def judged_by_month(session: Session, scope: Scope, first: Period, last: Period,
                    topic: str | None = None) -> dict[Period, tuple[int, int]]:
    """For each month from `first` to `last`: the assignments due in it that are judged
    and the late ones, (due, late), each month at its own cut-off (lateness)."""
    months = first.through(last)
    due = Assignment.due_at
    bucket = _month_of(due, months)
    cuts = [literal(lateness.cutoff(m, scope.as_of), due.type) for m in months]
    cutoff: Any = (cuts[0] if len(months) == 1 else
                   case(*[(due < literal(m.end, due.type), cut)
                          for m, cut in zip(months[:-1], cuts, strict=False)], else_=cuts[-1]))
    stmt = select(bucket,
                  func.sum(case((lateness.counted_condition(cutoff), 1), else_=0)),
                  func.sum(case((lateness.late_condition(cutoff), 1), else_=0))
                  ).where(due >= first.start, due < last.end, due < cutoff).group_by(bucket)
    if scope.agency_code is not None:
        stmt = stmt.where(Assignment.agency_code == scope.agency_code)
    if topic is not None:
        stmt = stmt.join(Ticket, Ticket.id == Assignment.ticket_id).where(Ticket.topic == topic)
    return {months[int(index)]: (int(n or 0), int(k or 0))
            for index, n, k in session.execute(stmt)}


def build_summary(session: Session, scope: Scope) -> Summary:
    names = _agency_names(session)
    period, previous = scope.period, scope.period.shift(-1)
    on_time = _on_time_rows(session, scope)
    ranking = on_time_table(session, scope, names) if scope.agency_code is not None \
        else _ranking(on_time, names)
    tickets = _ticket_months(session, scope, previous, period)
    (now, counts), (before, counts_before) = tickets[period], tickets[previous]
    due, late = sum(n for _c, n, _k in on_time), sum(k for _c, _n, k in on_time)
    due_before, late_before = _due_and_late(session, scope, previous)
    return Summary(
        scope=scope,
        totals=Totals(*counts, due, late),
        previous=Totals(*counts_before, due_before, late_before),
        by_topic=count_table(now["topic"], before["topic"], TOPICS, keep_order=True,
                             missing="Chưa phân loại"),
        by_agency=count_table(now["agency"], before["agency"], names, keep_order=False,
                              missing=NO_AGENCY),
        by_channel=count_table(now["channel"], before["channel"], CHANNELS, keep_order=True,
                               missing="Không rõ"),
        ranking=ranking,
        trend=trend(session, scope, {period: (counts[0], late),
                                     previous: (counts_before[0], late_before)}),
        top_late=sorted((r for r in ranking if r.late), key=lambda r: (-r.late, r.code))[
            :TOP_LATE],
        # An agency's own report is read by its staff: its figures as it may see them.
        satisfaction_by_agency=satisfaction.by_agency(
            session, period.start, period.end, agency_code=scope.agency_code,
            for_agency=scope.agency_code is not None),
        satisfaction_by_topic=satisfaction.by_topic(
            session, period.start, period.end, agency_code=scope.agency_code,
            for_agency=scope.agency_code is not None),
    )
