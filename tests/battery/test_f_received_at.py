"""Issue 14, point 2: nobody backdates a complaint to shame an agency.

Anonymous callers (citizens' web forms) declare no time: their complaint is received when
the server gets it. Operators and integrations may declare one within a bounded window;
it is recorded as `declared_at`, and when it lies further back than the grace the
deadline counts from the server's time. Run on SQLite (the synchronous path) and on
PostgreSQL, where a bearer-token or anonymous submission takes the event-loop fast path
once the month's code sequence exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.factories.api import api_client
from tests.intake.test_fastpath import Counting
from triage.db import session_scope, utcnow
from triage.routing import overlay
from triage.routing.deadlines import due_at
from triage.routing.service import assign
from triage.settings import get_settings
from triage.tickets.models import Ticket

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BODY = {"text": "Đèn đường ở hẻm 12 phường Mỹ Phú hư hơn một tuần, ban đêm tối om.",
        "channel": "phone"}


def warm(client: TestClient) -> None:
    """A first submission: on PostgreSQL it creates the month's code sequence, so that
    the requests after it take the fast path."""
    assert client.post("/api/v1/complaints", json=BODY).status_code == 201


@pytest.fixture
def anonymous(database: str) -> Iterator[TestClient]:
    with api_client() as client:
        warm(client)
        yield client


@pytest.fixture
def integration(database: str) -> Iterator[TestClient]:
    with api_client(role="integration") as client:
        warm(client)
        yield client


def tickets() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(Ticket)) or 0


def stored(code: str) -> Ticket:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        s.expunge(ticket)
        return ticket


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.mark.parametrize("declared", [
    datetime(1900, 1, 1, tzinfo=UTC),
    datetime.now(UTC) - timedelta(days=2),
    datetime.now(UTC) - timedelta(minutes=10),
])
def test_an_anonymous_caller_cannot_declare_when_it_was_received(
        anonymous: TestClient, declared: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Counting(monkeypatch)
    before = tickets()
    r = anonymous.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "received_at_not_allowed"
    assert "tổng đài viên" in error["message"] and "received_at" in error["message"]
    assert tickets() == before
    if get_settings().database_url.startswith("postgresql"):
        assert paths.sync == 0  # refused on the event loop, by the same check


def test_an_anonymous_complaint_is_received_at_the_servers_time(anonymous: TestClient) -> None:
    got = anonymous.post("/api/v1/complaints", json=BODY).json()
    ticket = stored(got["code"])
    assert ticket.received_at == ticket.created_at and ticket.declared_at is None


def test_an_integration_declares_within_the_window_and_both_times_are_kept(
        integration: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Counting(monkeypatch)
    declared = (datetime.now(TZ) - timedelta(days=2)).replace(microsecond=0)
    r = integration.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 201, r.text
    if get_settings().database_url.startswith("postgresql"):
        assert (paths.fast, paths.sync) == (1, 0)
    ticket = stored(r.json()["code"])
    assert ticket.declared_at == declared
    # Two days back is more than the grace: the ticket counts from when the service got it.
    assert ticket.received_at == ticket.created_at > declared + timedelta(days=1)
    now = utcnow()
    with session_scope() as s:
        row = s.get_one(Ticket, ticket.id)
        row.topic, row.status = "dien", "classified"
        assignment = assign(s, row, "so-yt", rule="test", reason="Thử.", actor="t", now=now)
        calendar = overlay.calendar(s, now)
        assert assignment.due_at == due_at(ticket.created_at, "dien", [], calendar=calendar)
        staff = r.json()
    assert datetime.fromisoformat(staff["declared_at"]) == declared


def test_a_time_declared_within_the_grace_is_the_one_counted(integration: TestClient) -> None:
    declared = (datetime.now(TZ) - timedelta(minutes=20)).replace(microsecond=0)
    r = integration.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 201, r.text
    ticket = stored(r.json()["code"])
    assert ticket.received_at == ticket.declared_at == declared


@pytest.mark.parametrize("declared", [
    datetime(1900, 1, 1, tzinfo=UTC),
    datetime.now(UTC) - timedelta(days=3, hours=1),
])
def test_a_time_before_the_window_is_refused_with_a_clear_message(
        integration: TestClient, declared: datetime) -> None:
    before = tickets()
    r = integration.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "received_at_too_old"
    assert "trong vòng 3 ngày" in error["message"]
    assert tickets() == before


def test_no_window_reaches_before_the_services_own_data(
        integration: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_RECEIVED_AT_MAX_PAST_DAYS", "366")
    monkeypatch.setenv("TRIAGE_RECEIVED_AT_FLOOR", (utcnow() - timedelta(days=30)).date()
                       .isoformat())
    get_settings.cache_clear()
    declared = datetime.now(UTC) - timedelta(days=40)
    r = integration.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "received_at_before_service"


def test_a_time_beyond_the_clock_skew_is_refused(integration: TestClient) -> None:
    declared = datetime.now(UTC) + timedelta(minutes=30)
    r = integration.post("/api/v1/complaints", json={**BODY, "received_at": iso(declared)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "future_time"


def test_the_operators_import_takes_a_months_log_and_no_more(database: str) -> None:
    today = datetime.now(TZ)
    body = ("Nội dung,Kênh,Ngày tiếp nhận\n"
            f"Rác ứ đọng ở chợ Mỹ Tho,Điện thoại,{(today - timedelta(days=20)):%d/%m/%Y}\n"
            f"Cống nghẹt ở ấp 3 xã Mỹ Hiệp,Zalo,{(today - timedelta(days=40)):%d/%m/%Y}\n")
    with api_client(role="operator") as client:
        r = client.post("/api/v1/complaints/import",
                        files={"file": ("so.csv", body.encode(), "text/csv")})
    result = r.json()
    assert len(result["created"]) == 1
    assert [(e["row"], e["code"]) for e in result["errors"]] == [(3, "received_at_too_old")]
    ticket = stored(result["created"][0])
    assert ticket.declared_at is not None and ticket.received_at == ticket.created_at
    assert ticket.declared_at.astimezone(TZ).date() == (today - timedelta(days=20)).date()
