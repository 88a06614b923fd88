"""The sweeper's hold-off against a real redis-server: while more messages than
TRIAGE_SWEEPER_MAX_BACKLOG wait in the Celery queue, the stale tickets are most likely
waiting in it too, so the sweeper re-enqueues nothing; once the queue is at or below the
limit it re-enqueues them. A broker that does not answer never stops the sweeper."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.battery.services import Redis
from tests.procs import free_port
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.outbox.broker import QUEUE
from triage.outbox.models import OutboxMessage
from triage.outbox.service import broker_backlog
from triage.pipeline.sweep import sweep_stale
from triage.settings import get_settings
from triage.tickets.models import Ticket

LIMIT = 10
STALE = 60.0


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Redis]:
    server = Redis(tmp_path, "P0")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def broker(database: str, redis_server: Redis, monkeypatch: pytest.MonkeyPatch) -> Redis:
    monkeypatch.setenv("TRIAGE_BROKER_URL", redis_server.url)
    monkeypatch.setenv("TRIAGE_SWEEPER_MAX_BACKLOG", str(LIMIT))
    monkeypatch.setenv("TRIAGE_SWEEPER_STALE_SECONDS", str(STALE))
    get_settings.cache_clear()
    return redis_server


def stale_tickets(count: int) -> None:
    with session_scope() as s:
        for i in range(count):
            intake.submit(s, ComplaintIn(text=f"Mất nước ở ấp {i}", channel="phone"),
                          actor="t", now=utcnow())


def swept_rows() -> int:
    """Outbox rows beyond the one each submission wrote."""
    with session_scope() as s:
        messages = s.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        tickets = s.scalar(select(func.count()).select_from(Ticket)) or 0
        return int(messages - tickets)


def fill_queue(server: Redis, length: int) -> None:
    client = server.client()
    client.delete(QUEUE)
    if length:
        client.lpush(QUEUE, *[f"message-{i}" for i in range(length)])
    assert server.queue_length(QUEUE) == length


def sweep_later() -> int:
    """A sweep two windows from now: every ticket above is stale by then."""
    with session_scope() as s:
        return sweep_stale(s, utcnow() + timedelta(seconds=2 * STALE))


def test_a_long_queue_holds_the_sweeper_off_and_a_short_one_does_not(broker: Redis) -> None:
    stale_tickets(3)
    fill_queue(broker, LIMIT + 1)
    assert broker_backlog() == LIMIT + 1
    assert sweep_later() == 0  # longer than the limit: nothing re-enqueued
    assert swept_rows() == 0
    fill_queue(broker, LIMIT)
    assert broker_backlog() == LIMIT
    assert sweep_later() == 3  # at the limit: the stale tickets come back
    assert swept_rows() == 3


def test_an_empty_queue_lets_the_sweeper_work(broker: Redis) -> None:
    stale_tickets(2)
    fill_queue(broker, 0)
    assert broker_backlog() == 0
    assert sweep_later() == 2


def test_a_broker_that_does_not_answer_does_not_stop_the_sweeper(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setenv("TRIAGE_SWEEPER_MAX_BACKLOG", "0")
    monkeypatch.setenv("TRIAGE_SWEEPER_STALE_SECONDS", str(STALE))
    get_settings.cache_clear()
    stale_tickets(1)
    assert broker_backlog() is None
    assert sweep_later() == 1
