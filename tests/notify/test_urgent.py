"""Urgent tickets: a deadline in clock hours, an urgent message at once, the province
office told when the agency has not acknowledged within the window. Real SMTP sink and
webhook receiver (tests/notify/test_notify.py); times are passed in, nothing sleeps."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from tests.notify.test_notify import AGENCY, Inbox, Receiver, sinks  # noqa: F401
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.notify import tasks
from triage.notify.models import Notification
from triage.notify.sweep import sweep_urgent
from triage.routing.deadlines import get_urgent_hours
from triage.routing.models import Assignment
from triage.routing.service import assign
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent


def urgent_ticket(now: datetime, urgency: str = "khan") -> int:
    with session_scope() as s:
        text = "Dây điện đứt rơi xuống đường ấp 3 xã Mỹ Hiệp. Người gọi: 0912345678"
        ticket = intake.submit(s, ComplaintIn(text=text, channel="phone"), actor="t",
                               now=now).ticket
        ticket.topic, ticket.status, ticket.urgency = "dien", "classified", urgency
        ticket.urgency_reason = "Cụm từ “dây điện đứt”"
        return assign(s, ticket, AGENCY, rule="test", reason="kiểm thử", actor="t", now=now).id


def test_urgent_deadline_is_clock_hours_and_the_message_says_urgent(
    sinks: tuple[Inbox, Receiver],  # noqa: F811
) -> None:
    inbox, receiver = sinks
    now = utcnow()
    assignment_id = urgent_ticket(now)
    with session_scope() as s:
        a = s.get_one(Assignment, assignment_id)
        ticket = s.get_one(Ticket, a.ticket_id)
        hours = get_urgent_hours().hours("dien")
        assert a.due_at == ticket.received_at + timedelta(hours=hours)
        assert ticket.due_at == a.due_at
    assert tasks.notify_assigned(assignment_id) == 2
    mail = inbox.messages[0]
    assert "KHẨN" in mail["Subject"]
    assert "PHẢN ÁNH KHẨN CẤP" in mail.get_content()
    assert f"{get_settings().urgent_ack_minutes} phút" in mail.get_content()
    payload = json.loads(receiver.received[0][1])
    assert payload["ticket"]["urgency"] == "khan"


def test_ordinary_ticket_keeps_working_days_and_the_usual_message(
    sinks: tuple[Inbox, Receiver],  # noqa: F811
) -> None:
    inbox, _ = sinks
    now = utcnow()
    assignment_id = urgent_ticket(now, urgency="thuong")
    with session_scope() as s:
        a = s.get_one(Assignment, assignment_id)
        assert a.due_at is not None and a.due_at - now > timedelta(days=1)
    tasks.notify_assigned(assignment_id)
    assert "KHẨN" not in inbox.messages[0]["Subject"]


def test_urgent_ticket_not_acknowledged_is_escalated_once_after_the_window(
    sinks: tuple[Inbox, Receiver],  # noqa: F811
) -> None:
    inbox, _ = sinks
    window = timedelta(minutes=get_settings().urgent_ack_minutes)
    # Assigned just over the window ago: what the sweep plans is due now, and sent now.
    start = utcnow() - window - timedelta(minutes=2)
    late = urgent_ticket(start)
    acknowledged = urgent_ticket(start)
    ordinary = urgent_ticket(start, urgency="thuong")
    with session_scope() as s:
        s.get_one(Assignment, acknowledged).acknowledged_at = start + timedelta(minutes=5)
    with session_scope() as s:
        assert sweep_urgent(s, start + window - timedelta(minutes=1)) == 0
    with session_scope() as s:
        assert sweep_urgent(s, start + window + timedelta(minutes=1)) == 1
    with session_scope() as s:
        assert sweep_urgent(s, utcnow()) == 0  # once
        rows = s.scalars(select(Notification).where(Notification.kind == "urgent_escalation")
                         ).all()
        assert {r.assignment_id for r in rows} == {late}
        assert {r.recipient for r in rows if r.channel == "email"} == {"vanphong@example.vn"}
        ticket_id = s.get_one(Assignment, late).ticket_id
        events = s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id)
                           ).all()
        assert "urgent_unacknowledged" in events
        pending = [r.id for r in rows]
    assert ordinary != late
    assert sum(tasks.deliver(n) == "sent" for n in pending) == len(pending)
    mails = [m for m in inbox.messages if m["To"] == "vanphong@example.vn"]
    assert len(mails) == 1 and "chưa xác nhận" in mails[0]["Subject"]


def test_a_collective_complaint_is_copied_to_the_province_office_once(
    sinks: tuple[Inbox, Receiver],  # noqa: F811
) -> None:
    inbox, _ = sinks
    collective = urgent_ticket(utcnow(), urgency="dong_nguoi")
    ordinary = urgent_ticket(utcnow(), urgency="thuong")
    assert tasks.notify_assigned(collective) == 3  # the agency's e-mail and webhook, the copy
    assert tasks.notify_assigned(collective) == 0  # planned once
    assert tasks.notify_assigned(ordinary) == 2
    office = [m for m in inbox.messages if m["To"] == "vanphong@example.vn"]
    assert len(office) == 1 and "đông người" in office[0]["Subject"]
    with session_scope() as s:
        code = s.get_one(Ticket, s.get_one(Assignment, collective).ticket_id).code
    assert code in office[0]["Subject"] and "phản ánh đông người" in office[0].get_content()
    with session_scope() as s:
        copies = s.scalars(select(Notification).where(Notification.kind == "collective_copy")
                           ).all()
        assert {c.assignment_id for c in copies} == {collective}
