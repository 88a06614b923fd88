"""Urgent tickets first in the review queue and the agency inbox (then as before), and the
urgency in a ticket's JSON for staff."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.tickets import AGENCY_A, headers_for, make_ticket
from triage.db import session_scope, utcnow
from triage.tickets.models import Ticket


def mark(code: str, level: str) -> None:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.urgency, ticket.urgency_score = level, 0.9
        ticket.urgency_reason = "Cụm từ “cháy nhà”" if level == "khan" else None


def test_review_queue_puts_urgent_first_then_oldest(client: TestClient) -> None:
    now = utcnow()
    oldest = make_ticket(received_at=now - timedelta(hours=5))
    middle = make_ticket(received_at=now - timedelta(hours=3))
    urgent = make_ticket(received_at=now - timedelta(hours=1))
    collective = make_ticket(received_at=now - timedelta(hours=4))
    mark(urgent, "khan")
    mark(collective, "dong_nguoi")
    page = client.get("/api/v1/review/queue", headers=headers_for("operator")).json()
    assert [i["code"] for i in page["items"]] == [urgent, oldest, collective, middle]


def test_agency_inbox_puts_open_urgent_first(client: TestClient) -> None:
    first, urgent, last = (make_ticket(agency=AGENCY_A) for _ in range(3))
    mark(urgent, "khan")
    page = client.get("/api/v1/inbox/tickets", headers=headers_for("staff_a")).json()
    codes = [i["code"] for i in page["items"]]
    assert codes == [urgent, last, first]  # then newest first, as before
    item = page["items"][0]
    assert item["urgency"] == {"level": "khan", "score": 0.9,
                               "reason": "Cụm từ “cháy nhà”"}
    assert page["items"][1]["urgency"] is None
