"""Notifications against a real SMTP sink (aiosmtpd) and a real HTTP receiver."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.procs import free_port
from triage.agencies.models import AgencyRow
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.notify import service, tasks, transports
from triage.notify.models import Notification
from triage.notify.sweep import sweep_due
from triage.outbox.models import OutboxMessage
from triage.outbox.tasks import RETRY_NOTIFICATIONS
from triage.routing.models import Assignment
from triage.routing.service import assign
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent

AGENCY = "ubnd-30112"
OTHER = "ubnd-28261"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


class Receiver:
    """A local webhook receiver that can be switched to answer 503."""

    def __init__(self) -> None:
        self.up = True
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if not outer.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sinks(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, Receiver]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    receiver = Receiver()
    monkeypatch.setenv("TRIAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIAGE_SMTP_PORT", str(port))
    monkeypatch.setenv("TRIAGE_PROVINCE_OFFICE_EMAIL", "vanphong@example.vn")
    get_settings.cache_clear()
    with session_scope() as s:
        for code in (AGENCY, OTHER):
            s.add(AgencyRow(code=code, name=code, level="commune", aliases=[],
                            email=f"{code}@example.vn", webhook_url=receiver.url))
    yield inbox, receiver
    controller.stop()
    receiver.server.shutdown()


def routed_ticket(agency: str = AGENCY, due_in: timedelta | None = None) -> int:
    now = utcnow()
    with session_scope() as s:
        text = "Đèn đường ấp 3 xã Mỹ Hiệp hư. Người gọi: 0912345678"
        ticket = intake.submit(s, ComplaintIn(text=text, channel="phone"), actor="t",
                               now=now).ticket
        ticket.topic, ticket.status = "dien", "classified"
        a = assign(s, ticket, agency, rule="test", reason="kiểm thử", actor="t", now=now)
        if due_in is not None:
            a.due_at = now + due_in
        return a.id


def test_each_routed_ticket_gets_exactly_one_email_and_one_signed_webhook(
    sinks: tuple[Inbox, Receiver],
) -> None:
    inbox, receiver = sinks
    assignment_id = routed_ticket()
    assert tasks.notify_assigned(assignment_id) == 2
    assert tasks.notify_assigned(assignment_id) == 0  # delivered twice: nothing new
    assert len(inbox.messages) == 1 and len(receiver.received) == 1
    mail = inbox.messages[0]
    assert mail["To"] == f"{AGENCY}@example.vn" and "đề nghị xử lý" in mail["Subject"]
    assert "Hạn trả lời" in mail.get_content()
    headers, body = receiver.received[0]
    assert transports.verify(get_settings().webhook_secret, headers, body)
    assert not transports.verify("another-secret", headers, body)
    assert not transports.verify(get_settings().webhook_secret, headers, body + b" ")
    stale = {**headers, "x-triage-timestamp": str(int(headers["x-triage-timestamp"]) - 3600)}
    assert not transports.verify(get_settings().webhook_secret, stale, body)
    assert json.loads(body)["event"] == "ticket.assigned"


def test_webhook_is_retried_after_the_receiver_comes_back(
    sinks: tuple[Inbox, Receiver],
) -> None:
    _, receiver = sinks
    receiver.up = False
    assignment_id = routed_ticket()
    tasks.notify_assigned(assignment_id)
    with session_scope() as s:
        hook = s.scalars(select(Notification).where(Notification.channel == "webhook")).one()
        assert hook.status == "pending" and hook.attempts == 1 and "503" in (hook.last_error or "")
        assert hook.next_attempt_at and hook.next_attempt_at > utcnow()
    assert tasks.retry_due() == 0  # not yet due: backoff respected
    receiver.up = True
    with session_scope() as s:
        s.scalars(select(Notification).where(Notification.channel == "webhook")).one() \
            .next_attempt_at = utcnow() - timedelta(seconds=1)
    assert tasks.retry_due() == 1
    assert len(receiver.received) == 1
    assert tasks.retry_due() == 0


def test_rerouted_before_delivery_the_first_agency_gets_nothing(
    sinks: tuple[Inbox, Receiver],
) -> None:
    inbox, _ = sinks
    first = routed_ticket()
    with session_scope() as s:
        ticket = s.get_one(Ticket, s.get_one(Assignment, first).ticket_id)
        second = assign(s, ticket, OTHER, rule="override", reason="tổng đài viên sửa",
                        actor="op", now=utcnow(), kind="rerouted").id
    tasks.notify_assigned(first)
    tasks.notify_assigned(second)
    assert [m["To"] for m in inbox.messages] == [f"{OTHER}@example.vn"]


def test_deadline_scan_reminds_then_escalates_once(sinks: tuple[Inbox, Receiver]) -> None:
    inbox, _ = sinks
    soon = routed_ticket(due_in=timedelta(hours=5))
    late = routed_ticket(due_in=-timedelta(hours=30))
    tasks.scan_deadlines()
    tasks.scan_deadlines()
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert len(subjects) == 2
    assert any("sắp đến hạn" in s for s in subjects) and any("quá hạn" in s for s in subjects)
    assert tasks.sent_count(soon, "reminder") == 2  # e-mail and webhook
    assert tasks.sent_count(late, "escalation") == 1  # the province office has e-mail only
    escalation = next(m for m in inbox.messages if "quá hạn" in m["Subject"])
    assert escalation["To"] == "vanphong@example.vn"
    assert "0912345678" not in escalation.get_content()
    with session_scope() as s:
        overdue = s.scalars(select(TicketEvent).where(TicketEvent.kind == "overdue")).all()
        assert len(overdue) == 1


def test_agency_without_contact_gets_no_rows(database: str) -> None:
    assignment_id = routed_ticket(agency="ubnd-28270")
    assert tasks.notify_assigned(assignment_id) == 0
    with session_scope() as s:
        assert s.scalars(select(Notification)).all() == []


class SlowInbox(Inbox):
    """An SMTP server that takes `seconds` to accept each message."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


def email_of(assignment_id: int) -> int:
    """The 'assigned' e-mail of an assignment, planned a minute ago and not sent."""
    with session_scope() as s:
        assignment = s.get_one(Assignment, assignment_id)
        service.plan(s, assignment, "assigned", utcnow() - timedelta(minutes=1))
        return s.scalars(select(Notification.id).where(
            Notification.assignment_id == assignment_id,
            Notification.channel == "email")).one()


def test_a_claim_whose_sender_died_is_taken_over_within_seconds(
    sinks: tuple[Inbox, Receiver],
) -> None:
    """A worker killed while sending leaves its claim: 25 s later the sweep sees the
    message due and enqueues one retry, which sends it once (a 2-minute lease kept it
    two to three minutes)."""
    inbox, _ = sinks
    notification_id = email_of(routed_ticket())
    with session_scope() as s:
        assert service.claim(s, notification_id, utcnow() - timedelta(seconds=25))
    with session_scope() as s:
        assert sweep_due(s, utcnow()) == 1
        assert sweep_due(s, utcnow()) == 0  # one retry task per sweep interval
        retries = s.scalars(select(OutboxMessage.task).where(
            OutboxMessage.task == RETRY_NOTIFICATIONS)).all()
    assert len(retries) == 1
    assert tasks.retry_due() == 2  # the e-mail, and the webhook planned with it
    assert len(inbox.messages) == 1
    with session_scope() as s:
        sent = s.get_one(Notification, notification_id)
        assert sent.status == "sent" and sent.attempts == 2
        assert sweep_due(s, utcnow() + timedelta(minutes=1)) == 0  # nothing due any more


def test_a_live_sender_keeps_its_claim_however_long_the_send(
    database: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a slow SMTP server takes 4 s, a second worker finding the message never
    takes it, although the (shrunk) lease is 2 s: the sender renews its claim."""
    inbox, port = SlowInbox(4.0), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRIAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIAGE_SMTP_PORT", str(port))
    monkeypatch.setattr(service, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(service, "RENEW_EVERY", timedelta(seconds=0.25))
    get_settings.cache_clear()
    with session_scope() as s:
        s.add(AgencyRow(code=AGENCY, name=AGENCY, level="commune", aliases=[],
                        email=f"{AGENCY}@example.vn"))
    notification_id = email_of(routed_ticket())
    outcome: list[str] = []
    sender = threading.Thread(target=lambda: outcome.append(tasks.deliver(notification_id)))
    try:
        sender.start()
        time.sleep(3.0)  # past the lease: only the renewals keep the claim
        assert sender.is_alive(), "the slow send ended early: the test proves nothing"
        assert tasks.deliver(notification_id) == "skipped"
        sender.join(30)
    finally:
        controller.stop()
    assert outcome == ["sent"]
    assert len(inbox.messages) == 1
    with session_scope() as s:
        assert s.get_one(Notification, notification_id).attempts == 1
