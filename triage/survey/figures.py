"""Satisfaction figures for the dashboard, the ranking and the monthly report: per agency
and per topic, surveys sent in a period, answered, and answered "Hài lòng".

response rate = answered / sent; satisfaction rate = satisfied / answered. A survey counts
in the month its link went out, for the agency whose answer it asked about. Only counts
leave this module: no reason, no ticket, no caller.

What an agency sees of itself (``for_agency``: its staff's dashboard, its own monthly
report) leaves out the surveys of conduct and denunciation cases (``Survey.confidential``),
whose callers complained about that agency's officials, and gives the number satisfied and
the rate only from ``survey_min_answers`` answers on: one or two answers would tell the
agency what a caller it can name said. The province office sees every count."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.agencies.service import agency_names
from triage.settings import get_settings
from triage.survey.models import Survey
from triage.taxonomy import topic_name

NO_AGENCY = "Chưa xác định cơ quan"
NO_TOPIC = "Chưa phân loại"


@dataclass(frozen=True)
class SatisfactionRow:
    key: str | None
    name: str
    sent: int
    answered: int
    satisfied: int | None  # None: withheld from an agency (too few answers)

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def satisfaction_rate(self) -> float | None:
        if self.satisfied is None or not self.answered:
            return None
        return self.satisfied / self.answered

    def withheld_below(self, min_answers: int) -> SatisfactionRow:
        """The row as an agency may see it: how many were satisfied only from
        ``min_answers`` answers on."""
        return self if self.answered >= min_answers else replace(self, satisfied=None)


def _counts(session: Session, column: Any, start: datetime, end: datetime, *,
            agency_code: str | None, topic: str | None, for_agency: bool
            ) -> list[tuple[str | None, int, int, int]]:
    stmt = (select(column, func.count(), func.count(Survey.answered_at),
                   func.sum(case((Survey.satisfied.is_(True), 1), else_=0)))
            .where(Survey.sent_at >= start, Survey.sent_at < end).group_by(column))
    if for_agency:
        stmt = stmt.where(Survey.confidential.is_(False))
    if agency_code is not None:
        stmt = stmt.where(Survey.agency_code == agency_code)
    if topic is not None:
        stmt = stmt.where(Survey.topic == topic)
    return [(key, int(n), int(a), int(s or 0)) for key, n, a, s in session.execute(stmt)]


def _shown(rows: list[SatisfactionRow], for_agency: bool) -> list[SatisfactionRow]:
    if for_agency:
        least = get_settings().survey_min_answers
        rows = [r.withheld_below(least) for r in rows]
    return sorted(rows, key=lambda r: (-r.sent, r.name))


def by_agency(session: Session, start: datetime, end: datetime, *,
              agency_code: str | None = None, topic: str | None = None,
              for_agency: bool = False) -> list[SatisfactionRow]:
    names = agency_names(session)
    rows = [SatisfactionRow(key, names.get(key, key) if key else NO_AGENCY, *n)
            for key, *n in _counts(session, Survey.agency_code, start, end,
                                   agency_code=agency_code, topic=topic,
                                   for_agency=for_agency)]
    return _shown(rows, for_agency)


def by_topic(session: Session, start: datetime, end: datetime, *,
             agency_code: str | None = None, topic: str | None = None,
             for_agency: bool = False) -> list[SatisfactionRow]:
    rows = [SatisfactionRow(key, topic_name(key) if key else NO_TOPIC, *n)
            for key, *n in _counts(session, Survey.topic, start, end,
                                   agency_code=agency_code, topic=topic,
                                   for_agency=for_agency)]
    return _shown(rows, for_agency)


def total(rows: list[SatisfactionRow]) -> SatisfactionRow:
    """The rows' sum; the number satisfied is withheld when any row's is."""
    satisfied = [r.satisfied for r in rows]
    return SatisfactionRow(None, "Tổng cộng", sum(r.sent for r in rows),
                           sum(r.answered for r in rows),
                           None if None in satisfied else sum(s or 0 for s in satisfied))


def _rate(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def as_dict(row: SatisfactionRow) -> dict[str, Any]:
    return {"key": row.key, "name": row.name, "sent": row.sent, "answered": row.answered,
            "satisfied": row.satisfied, "response_rate": _rate(row.response_rate),
            "satisfaction_rate": _rate(row.satisfaction_rate)}


def dashboard_figures(session: Session, start: datetime, end: datetime, *,
                      agency_code: str | None = None, topic: str | None = None,
                      for_agency: bool = False) -> dict[str, Any]:
    """The dashboard's block: the period's totals, per agency and per topic, and the
    least number of answers from which an agency sees its rate."""
    agencies = by_agency(session, start, end, agency_code=agency_code, topic=topic,
                         for_agency=for_agency)
    topics = by_topic(session, start, end, agency_code=agency_code, topic=topic,
                      for_agency=for_agency)
    whole = total(agencies)
    if for_agency:
        whole = whole.withheld_below(get_settings().survey_min_answers)
    return {"total": as_dict(whole), "by_agency": [as_dict(r) for r in agencies],
            "by_topic": [as_dict(r) for r in topics],
            "min_answers": get_settings().survey_min_answers if for_agency else None}


def with_satisfaction(session: Session, start: datetime, end: datetime,
                      rows: list[dict[str, Any]], *, topic: str | None = None,
                      for_agency: bool = False) -> list[dict[str, Any]]:
    """Ranking rows (agency_code keyed) with the agency's response and satisfaction
    rates of the period added; the ranking itself stays the on-time one."""
    found = {r.key: r for r in by_agency(session, start, end, topic=topic,
                                         for_agency=for_agency)}
    out = []
    for row in rows:
        figures = found.get(row.get("agency_code"))
        out.append({**row,
                    "surveys_sent": figures.sent if figures else 0,
                    "response_rate": _rate(figures.response_rate) if figures else None,
                    "satisfaction_rate": _rate(figures.satisfaction_rate) if figures else None})
    return out
