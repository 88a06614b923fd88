"""The event-loop submission path on PostgreSQL: it writes what the synchronous path
writes, checks tokens the same way, hands replays and races back, answers 503 when the
database is unreachable and writes nothing then."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.factories.api import client_fixture
from tests.factories.users import issue_token
from triage.db import get_engine, session_scope, utcnow
from triage.errors import ServiceUnavailable
from triage.intake import fastpath, service, views
from triage.intake.fastpath import FastIntake
from triage.intake.schemas import ComplaintIn
from triage.outbox.models import OutboxMessage
from triage.tickets.codes import build_code, code_period, pg_sequence
from triage.tickets.models import Caller, Ticket, TicketEvent

BODY = {"text": "Cống thoát nước ấp Mỹ Thạnh, xã Mỹ Hiệp bị nghẹt, nước tràn vào nhà dân.",
        "channel": "zalo",
        "caller": {"name": "Trần Thị Bích", "phone": "0912 345 678", "address": "ấp 2"}}


class Counting:
    """Counts the requests each path served."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.fast = 0
        self.sync = 0
        fast_submit, sync_submit = FastIntake.submit, views._submit_request

        async def counted_fast(intake: FastIntake, *args: Any, **kwargs: Any) -> Any:
            result = await fast_submit(intake, *args, **kwargs)
            self.fast += result is not None
            return result

        def counted_sync(*args: Any) -> Any:
            self.sync += 1
            return sync_submit(*args)

        monkeypatch.setattr(FastIntake, "submit", counted_fast)
        monkeypatch.setattr(views, "_submit_request", counted_sync)


def first_of_the_month(client: TestClient) -> None:
    """The month's code sequence exists (the synchronous path creates it once)."""
    assert client.post("/api/v1/complaints", json=BODY).status_code == 201


client = client_fixture(role="operator", on="pg", warm_up=first_of_the_month)


def rows(code: str) -> tuple[Ticket, Caller | None, list[TicketEvent], list[OutboxMessage]]:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        caller = s.get(Caller, ticket.caller_id) if ticket.caller_id else None
        events = list(s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)))
        outbox = list(s.scalars(select(OutboxMessage)
                                .where(OutboxMessage.ticket_id == ticket.id)))
        s.expunge_all()
        return ticket, caller, events, outbox


def test_the_loop_path_writes_what_the_synchronous_path_writes(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Counting(monkeypatch)
    fast = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "k-1"})
    assert fast.status_code == 201, fast.text
    assert (paths.fast, paths.sync) == (1, 0)
    client.app.state.fast_intake = None  # type: ignore[attr-defined]
    slow = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "k-2"})
    assert slow.status_code == 201, slow.text
    assert (paths.fast, paths.sync) == (1, 1)

    # The answers differ only in the code and the moment.
    a, b = fast.json(), slow.json()
    for moment in ("received_at", "created_at", "updated_at"):
        assert a.pop(moment) < b.pop(moment)
    assert a.pop("code") != b.pop("code")
    assert a == b
    assert fast.headers["Location"] == f"/api/v1/complaints/{fast.json()['code']}"
    assert int(fast.json()["code"].split("-")[2]) + 1 == int(slow.json()["code"].split("-")[2])
    # The check part PostgreSQL computed is the one Python computes (one code builder).
    for code in (fast.json()["code"], slow.json()["code"]):
        assert code == build_code(code.rsplit("-", 1)[0])

    t1, c1, e1, o1 = rows(fast.json()["code"])
    t2, c2, e2, o2 = rows(slow.json()["code"])
    assert t1.received_at == t1.created_at == t1.updated_at
    for field in ("channel", "text", "status", "request_fingerprint",
                  "review_reasons", "attempts", "flags", "scores", "location"):
        assert getattr(t1, field) == getattr(t2, field), field
    assert (t1.idempotency_key, t2.idempotency_key) == ("k-1", "k-2")
    assert c1 is not None and c2 is not None
    assert (c1.name, c1.phone_e164, c1.phone_last4, c1.address) == (
        c2.name, c2.phone_e164, c2.phone_last4, c2.address) == (
        "Trần Thị Bích", "+84912345678", "5678", "ấp 2")
    assert [(e.kind, e.to_status, e.data, e.actor) for e in e1] == [
        (e.kind, e.to_status, e.data, e.actor) for e in e2]
    assert [(o.task, o.payload, o.published_at) for o in o1] == [
        ("pipeline.process", {"ticket_id": t1.id}, None)]
    assert [(o.task, o.payload) for o in o2] == [("pipeline.process", {"ticket_id": t2.id})]


def test_a_retry_with_the_key_answers_the_first_ticket(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = Counting(monkeypatch)
    first = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "again"})
    again = client.post("/api/v1/complaints", json=BODY, headers={"Idempotency-Key": "again"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (paths.fast, paths.sync) == (1, 1)  # the replay went to the synchronous path
    other = client.post("/api/v1/complaints", json={**BODY, "text": BODY["text"] + " Gấp."},
                        headers={"Idempotency-Key": "again"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_tokens_are_checked_as_on_every_other_route(client: TestClient) -> None:
    post = client.post
    bad = post("/api/v1/complaints", json=BODY, headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "invalid_token")
    odd = post("/api/v1/complaints", json=BODY, headers={"Authorization": "Basic eDp5"})
    assert (odd.status_code, odd.json()["error"]["code"]) == (401, "invalid_token")
    in_url = post("/api/v1/complaints?access_token=abc", json=BODY)
    assert (in_url.status_code, in_url.json()["error"]["code"]) == (401, "token_in_url")
    agency = post("/api/v1/complaints", json=BODY,
                  headers=issue_token("agency_staff", "so-yte"))
    assert agency.status_code == 403
    anonymous = TestClient(client.app).post("/api/v1/complaints", json=BODY)
    assert anonymous.status_code == 201
    _, _, events, _ = rows(anonymous.json()["code"])
    assert [e.actor for e in events] == ["ẩn danh"]
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 2  # fixture's + this


def test_an_unreachable_database_answers_503_and_writes_nothing(client: TestClient) -> None:
    with session_scope() as s:
        before = s.scalar(select(func.count()).select_from(Ticket))
    down = FastIntake("postgresql://postgres@127.0.0.1:9/none", size=1, timeout=0.5)
    client.app.state.fast_intake = down  # type: ignore[attr-defined]
    try:
        r = client.post("/api/v1/complaints", json=BODY)
    finally:
        client.portal.call(down.close)  # type: ignore[union-attr]
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "2"
    assert r.json()["error"]["code"] == "database_unavailable"
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == before


def test_two_requests_racing_with_one_new_key_make_one_ticket(pg: str) -> None:
    complaint = ComplaintIn.model_validate(BODY)

    async def race() -> list[service.Submission | None]:
        intake = FastIntake(pg, size=4)
        try:
            return await asyncio.gather(*[
                intake.submit(complaint, actor="t", idempotency_key="race", now=utcnow())
                for _ in range(4)])
        finally:
            await intake.close()

    pg_sequence(get_engine(), code_period(utcnow()))
    results = asyncio.run(race())
    assert sum(r is not None for r in results) == 1  # the others go to the replay path
    with session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)
                        .where(Ticket.idempotency_key == "race")) == 1


def test_statements_are_the_synchronous_paths_compiled_once() -> None:
    # Same SQL as the ORM path runs, in psycopg's parameter style, constants kept.
    assert "%(digest)s" in fastpath._PRINCIPAL.sql
    assert fastpath._PRINCIPAL.constants == {"param_1": 1}
    for with_caller, compiled in fastpath._SUBMIT.items():
        assert ("INSERT INTO callers" in compiled.sql) is with_caller
        assert "%(key)s" in compiled.sql and ":key" not in compiled.sql


def test_an_outage_is_an_error_of_its_own() -> None:
    async def ask() -> None:
        intake = FastIntake("postgresql://postgres@127.0.0.1:9/none", size=1, timeout=0.3)
        try:
            await intake.principal("x")
        finally:
            await intake.close()

    with pytest.raises(ServiceUnavailable):
        asyncio.run(ask())


def test_a_value_the_database_refuses_is_the_clients_error_on_both_paths(
        client: TestClient, pg: str) -> None:
    # A column narrower than the schema allows makes PostgreSQL refuse the value itself.
    with session_scope() as s:
        s.execute(text("ALTER TABLE callers ALTER COLUMN address TYPE varchar(10)"))
    try:
        body = {**BODY, "caller": {"address": "ấp Mỹ Thạnh, xã Mỹ Hiệp"}}
        fast = client.post("/api/v1/complaints", json=body)
        client.app.state.fast_intake = None  # type: ignore[attr-defined]
        slow = client.post("/api/v1/complaints", json=body)
    finally:
        with session_scope() as s:
            s.execute(text("ALTER TABLE callers ALTER COLUMN address TYPE varchar(500)"))
    for r in (fast, slow):
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_value"
    assert fast.json() == slow.json()
