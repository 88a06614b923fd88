"""The monthly report's lists about cases (triage.reports.service.LISTS):

4. re-raised cases (tái phản ánh): cases re-raised by a report received in the month, by
   the agency holding them, with how often each came back;
5. collective complaints (đông người): complaints received in the month whose urgency
   was read as ``dong_nguoi``.

Rows are the report's own (ReportRow), ordered by agency code like every list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from triage.agencies.models import AgencyRow
from triage.cases.models import Case
from triage.routing.deadlines import WorkCalendar
from triage.tickets.models import Caller, Ticket

KEYS = ("tai_phan_anh", "dong_nguoi")


def reraised_stmt(scope: Any) -> Select[Any]:
    from triage.reports.service import _raw, _ticket_columns

    period = scope.period
    stmt = (select(Ticket.agency_code, AgencyRow.name, *_ticket_columns(),
                   _raw(Ticket.due_at), _raw(Ticket.resolved_at), Case.code, Case.reraised)
            .join(Ticket, Ticket.id == Case.primary_ticket_id)
            .outerjoin(AgencyRow, AgencyRow.code == Ticket.agency_code)
            .outerjoin(Caller, Caller.id == Ticket.caller_id)
            .where(Case.reraised > 0, Ticket.received_at >= period.start,
                   Ticket.received_at < period.end)
            .order_by(Ticket.agency_code.is_(None), Ticket.agency_code, Ticket.received_at,
                      Case.id))
    if scope.agency_code is not None:
        stmt = stmt.where(Ticket.agency_code == scope.agency_code)
    return stmt


def collective_stmt(scope: Any) -> Select[Any]:
    from triage.reports.service import received_stmt

    return received_stmt(scope, Ticket.urgency == "dong_nguoi")


def iter_rows(session: Session, scope: Any, key: str, cutoff: datetime, clock: Any,
              calendar: WorkCalendar) -> Iterator[Any]:
    from dataclasses import replace

    from triage.reports.service import _flagged_row, _stream

    if key == "dong_nguoi":
        for r in _stream(session, collective_stmt(scope)):
            yield _flagged_row(r, cutoff, clock, calendar)
        return
    for r in _stream(session, reraised_stmt(scope)):
        row = _flagged_row(r[:-2], cutoff, clock, calendar)
        code, times = r[-2], r[-1]
        yield replace(row, code=code, status=f"Tái phản ánh {times} lần · {row.status}")


def repeats(session: Session, where: list[Any]) -> int:
    """Reports among the tickets `where` selects that joined a case already made (as
    a repeat, by an operator, or re-raising it): the dashboard's cases are its reports
    less these."""
    from sqlalchemy import func

    from triage.cases.models import CaseReport

    stmt = (select(func.count()).select_from(Ticket)
            .join(CaseReport, CaseReport.ticket_id == Ticket.id)
            .where(*where, CaseReport.how != "primary"))
    return int(session.scalar(stmt) or 0)
