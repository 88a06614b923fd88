"""Outbox relay and sweeper on both databases, with a recording dispatcher."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select

from tests.factories import tickets
from tests.procs import RedisServer
from triage.db import session_scope, utcnow
from triage.outbox.broker import QUEUE, make_celery
from triage.outbox.models import OutboxMessage
from triage.outbox.service import CeleryDispatcher, relay_batch
from triage.pipeline import tasks
from triage.pipeline.models import PipelineStep
from triage.pipeline.sweep import sweep_stale
from triage.settings import get_settings
from triage.tickets.models import Ticket


class Recorder:
    def __init__(self, fail_after: int | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail_after = fail_after

    def publish(self, task: str, payload: dict[str, Any]) -> None:
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionError("broker down")
        self.sent.append((task, payload))


def submit(n: int = 1) -> list[int]:
    return [tickets.submit(f"Mất nước ở khu phố {i}") for i in range(n)]


def unpublished() -> int:
    with session_scope() as s:
        stmt = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.published_at.is_(None))
        return s.scalar(stmt) or 0


def test_relay_publishes_each_row_once(database: str) -> None:
    ids = submit(3)
    rec = Recorder()
    with session_scope() as s:
        assert relay_batch(s, rec, utcnow()) == 3
    with session_scope() as s:
        assert relay_batch(s, rec, utcnow()) == 0
    assert [p["ticket_id"] for _, p in rec.sent] == ids
    assert {t for t, _ in rec.sent} == {"pipeline.process"}


def test_broker_failure_keeps_rows_for_later(database: str) -> None:
    submit(3)
    with session_scope() as s:
        assert relay_batch(s, Recorder(fail_after=1), utcnow()) == 1
    assert unpublished() == 2
    with session_scope() as s:
        errors = s.scalars(select(OutboxMessage.last_error).where(
            OutboxMessage.last_error.is_not(None))).all()
        assert errors == ["ConnectionError: broker down"]
    with session_scope() as s:
        assert relay_batch(s, Recorder(), utcnow()) == 2
    assert unpublished() == 0


def test_sweeper_reenqueues_only_stale_pending_tickets(database: str) -> None:
    old, _fresh = submit(2)
    with session_scope() as s:
        relay_batch(s, Recorder(), utcnow())
        s.get_one(Ticket, old).updated_at = utcnow() - timedelta(hours=1)
    with session_scope() as s:
        assert sweep_stale(s, utcnow()) == 1
    rec = Recorder()
    with session_scope() as s:
        relay_batch(s, rec, utcnow())
    assert rec.sent == [("pipeline.process", {"ticket_id": old, "swept": True})]
    with session_scope() as s:  # touched: not swept again within the window
        assert sweep_stale(s, utcnow()) == 0


@pytest.fixture
def no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_MODEL_DIR", str(tmp_path / "no-model"))
    get_settings.cache_clear()


def test_without_a_model_everything_goes_to_review_once(database: str, no_model: None) -> None:
    (tid,) = submit(1)
    assert tasks.process_ticket(tid) == "needs_review"
    assert tasks.process_ticket(tid) == "skipped"
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        assert ticket.status == "needs_review"
        assert ticket.review_reasons == ["classifier_unavailable"]
        steps = s.scalars(select(PipelineStep.step).where(PipelineStep.ticket_id == tid)).all()
        assert steps == ["classify"]


def test_poison_ticket_goes_to_review_after_max_attempts(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tid,) = submit(1)
    with session_scope() as s:
        s.get_one(Ticket, tid).attempts = 5
    assert tasks.process_ticket(tid) == "skipped"
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        assert ticket.status == "needs_review"
        assert "too_many_attempts" in ticket.review_reasons


def test_missing_ticket_is_ignored(database: str) -> None:
    assert tasks.process_ticket(987654) == "skipped"


def test_celery_batch_reaches_redis_and_waits_out_an_outage(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch path (one pipelined round trip to Redis): every row becomes one Celery
    message for its ticket; with Redis down nothing is marked published, the attempt and
    the error are recorded, and the rows go out once Redis is back."""
    server = RedisServer(tmp_path)
    server.start()
    monkeypatch.setenv("TRIAGE_BROKER_URL", server.url)
    get_settings.cache_clear()
    queue = redis.Redis.from_url(server.url)
    try:
        ids = submit(3)
        dispatcher = CeleryDispatcher(make_celery())
        with session_scope() as s:
            assert relay_batch(s, dispatcher, utcnow()) == 3
        assert unpublished() == 0
        messages = [json.loads(raw) for raw in queue.lrange(QUEUE, 0, -1)]
        assert sorted(m["headers"]["task"] for m in messages) == ["pipeline.process"] * 3
        bodies = [json.loads(base64.b64decode(m["body"])) for m in messages]
        assert sorted(b[1]["ticket_id"] for b in bodies) == sorted(ids)

        server.kill()
        later = submit(2)
        with session_scope() as s:
            assert relay_batch(s, dispatcher, utcnow()) == 0
        with session_scope() as s:
            rows = s.scalars(select(OutboxMessage).where(
                OutboxMessage.ticket_id.in_(later))).all()
            assert [(r.published_at, r.publish_attempts) for r in rows] == [(None, 1)] * 2
            assert all(r.last_error for r in rows)

        server.start()
        with session_scope() as s:
            assert relay_batch(s, dispatcher, utcnow()) == 2
        assert unpublished() == 0
    finally:
        server.kill()
