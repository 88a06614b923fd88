"""What a ticket's JSON for staff says of its case: the views that show staff a ticket
pass it through ``with_case`` (the ticket core knows nothing of cases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from triage.cases.models import Case, CaseReport
from triage.tickets.models import Ticket
from triage.tickets.schemas import TicketOut


def case_fields(ticket: Ticket) -> dict[str, Any]:
    """`case_code` (None: a report on its own), `report_count` (reports of the event,
    this one included) and `reraised` (times the case came back after an answer)."""
    session = object_session(ticket)
    report = session.get(CaseReport, ticket.id) if session is not None else None
    case = session.get(Case, report.case_id) if session is not None and report else None
    if case is None:
        return {"case_code": None, "report_count": 1, "reraised": 0}
    return {"case_code": case.code, "report_count": case.report_count,
            "reraised": case.reraised}


def with_case(out: TicketOut, ticket: Ticket) -> TicketOut:
    return out.model_copy(update=case_fields(ticket))
