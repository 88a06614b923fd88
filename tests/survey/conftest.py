"""A local SMS gateway and Zalo webhook (tiny HTTP servers capturing POSTs), an SMTP sink
(aiosmtpd), and tickets routed to an agency with a caller who can be asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.factories.api import client_fixture
from tests.factories.tickets import AGENCY_A
from tests.procs import free_port
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import CallerIn, ComplaintIn
from triage.routing.service import assign
from triage.settings import get_settings
from triage.survey import tasks
from triage.survey.models import SurveyMessage

CALLER_PHONE = "0987654321"
CALLER_E164 = "+84987654321"
CALLER_EMAIL = "hoa.le@example.vn"
CALLER_NAME = "Lê Thị Hoa"

client = client_fixture()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


class Gateway:
    """A local HTTP endpoint that keeps the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@dataclass
class Sinks:
    mail: Mailbox
    sms: Gateway
    zalo: Gateway


@pytest.fixture
def sinks(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sinks]:
    mail, port = Mailbox(), free_port()
    controller = Controller(mail, hostname="127.0.0.1", port=port)
    controller.start()
    sms, zalo = Gateway(), Gateway()
    monkeypatch.setenv("TRIAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIAGE_SMTP_PORT", str(port))
    monkeypatch.setenv("TRIAGE_SMS_GATEWAY_URL", sms.url)
    monkeypatch.setenv("TRIAGE_ZALO_WEBHOOK_URL", zalo.url)
    monkeypatch.setenv("TRIAGE_PUBLIC_URL", "https://1022.dongthap.example")
    get_settings.cache_clear()
    yield Sinks(mail, sms, zalo)
    controller.stop()
    sms.server.shutdown()
    zalo.server.shutdown()
    get_settings.cache_clear()


def routed(*, agency: str = AGENCY_A, channel: str = "phone", flags: list[str] | None = None,
           email: str | None = CALLER_EMAIL, phone: str | None = CALLER_PHONE,
           topic: str = "y_te") -> str:
    """A ticket routed to `agency`, its caller reachable by phone and e-mail."""
    now = utcnow()
    with session_scope() as s:
        caller = CallerIn(name=CALLER_NAME, phone=phone, address="ấp 1, xã Mỹ Hiệp",
                          email=email)
        complaint = ComplaintIn(text="Bệnh viện để bệnh nhân chờ quá lâu, không ai hướng dẫn.",
                                channel=channel, caller=caller)
        ticket = intake.submit(s, complaint, actor="test", now=now).ticket
        ticket.topic, ticket.flags, ticket.status = topic, list(flags or []), "classified"
        assign(s, ticket, agency, rule="test-rule", reason="Chuyển thử nghiệm.", actor="test",
               now=now)
        return ticket.code


def deliver_all() -> list[str]:
    """Run the survey messages' task as the worker would (the outbox row names it)."""
    with session_scope() as s:
        ids = list(s.scalars(select(SurveyMessage.id).order_by(SurveyMessage.id)))
    return [tasks.deliver(i) for i in ids]
