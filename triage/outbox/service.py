"""The outbox: enqueueing, and the relay that publishes what was enqueued.

A task is enqueued by writing an outbox row in the transaction of the change that needs
it (`enqueue`), so that a worker never looks for a row that is not committed yet. The relay
publishes committed rows to the queue (Celery on Redis, or the in-process worker); the
sweepers (triage.pipeline.sweep) re-enqueue whatever a lost message left undone."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Select, event, select, update
from sqlalchemy.orm import Session

from triage.outbox.broker import QUEUE
from triage.outbox.models import OutboxMessage
from triage.settings import get_settings

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger(__name__)
# Set in Session.info when the transaction wrote outbox rows: its commit wakes the relay.
ENQUEUED = "outbox_enqueued"


def enqueue(session: Session, task: str, payload: dict[str, Any], *,
            ticket_id: int | None = None, now: datetime) -> OutboxMessage:
    """Have `task` run with `payload` once this transaction commits (`task` is a name from
    triage.outbox.tasks). Adds the row; the caller flushes if it needs the row's id."""
    message = OutboxMessage(task=task, ticket_id=ticket_id, payload=payload, created_at=now)
    session.add(message)
    mark_enqueued(session)
    return message


def mark_enqueued(session: Session) -> None:
    """Note that this transaction wrote outbox rows (`enqueue` does; so does intake's
    one-statement submission, which writes its row in SQL)."""
    session.info[ENQUEUED] = True


# The relays running in this process. A commit that enqueued work wakes them, so that it
# is published at once rather than at the next poll: whoever commits (a request, a task,
# an import job) never has to remember to.
_RELAYS: set[Callable[[], None]] = set()
_RELAYS_LOCK = threading.Lock()


def watch_commits(wake: Callable[[], None]) -> None:
    with _RELAYS_LOCK:
        _RELAYS.add(wake)


def unwatch_commits(wake: Callable[[], None]) -> None:
    with _RELAYS_LOCK:
        _RELAYS.discard(wake)


def wake_relays() -> None:
    """Wake this process's relays (after work was committed outside an ORM session)."""
    with _RELAYS_LOCK:
        relays = list(_RELAYS)
    for wake in relays:
        wake()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(ENQUEUED, False):
        wake_relays()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(ENQUEUED, None)


class Dispatcher(Protocol):
    def publish(self, task: str, payload: dict[str, Any]) -> None: ...


def _pending(session: Session, limit: int) -> Select[tuple[int, str, dict[str, Any]]]:
    stmt = (
        select(OutboxMessage.id, OutboxMessage.task, OutboxMessage.payload)
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several relays may run; each takes rows no other one holds.
        stmt = stmt.with_for_update(skip_locked=True)
    return stmt


def relay_batch(
    session: Session, dispatcher: Dispatcher, now: datetime, *, limit: int = 200
) -> int:
    """Publish up to `limit` unpublished rows; stops at the first broker error.

    Celery gets all the rows at once (on Redis: one pipelined round trip; when that fails
    some may have gone out, which at-least-once delivery allows); the in-process worker
    gets them one by one."""
    if isinstance(dispatcher, CeleryDispatcher):
        return _relay_to_celery(session, dispatcher, now, limit)
    rows = session.execute(_pending(session, limit)).all()
    sent: list[int] = []
    for row in rows:
        try:
            dispatcher.publish(row.task, row.payload)
        except Exception as exc:
            _mark_failed(session, [row.id], exc)
            break
        sent.append(row.id)
    _mark_published(session, sent, now)
    return len(sent)


def _relay_to_celery(session: Session, dispatcher: CeleryDispatcher, now: datetime,
                     limit: int) -> int:
    """Claim and mark the rows in one statement, publish them in one batch, and undo the
    marks if the broker refused (the caller commits)."""
    claim = _pending(session, limit).with_only_columns(OutboxMessage.id).scalar_subquery()
    stmt = (update(OutboxMessage).where(OutboxMessage.id.in_(claim))
            .values(published_at=now, publish_attempts=OutboxMessage.publish_attempts + 1)
            .returning(OutboxMessage.id, OutboxMessage.task, OutboxMessage.payload))
    rows = sorted(session.connection().execute(stmt).all())
    if not rows:
        return 0
    try:
        dispatcher.publish_many([(row.task, row.payload) for row in rows])
    except Exception as exc:  # the broker is down or refused: keep the rows for later
        session.rollback()
        _mark_failed(session, [row.id for row in rows], exc)
        return 0
    return len(rows)


def _mark_published(session: Session, ids: list[int], now: datetime) -> None:
    if ids:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
            published_at=now, publish_attempts=OutboxMessage.publish_attempts + 1))


def _mark_failed(session: Session, ids: list[int], exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    log.warning("outbox relay: publish failed for %d message(s) from id %d: %s",
                len(ids), ids[0], error)
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(
        publish_attempts=OutboxMessage.publish_attempts + 1, last_error=error))


def broker_backlog() -> int | None:
    """Messages waiting in the Celery queue on Redis; None when unknown (embedded mode,
    or Redis not answering: then the sweeper does its work regardless)."""
    settings = get_settings()
    if settings.embedded or not settings.broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=1,
                                      socket_connect_timeout=1)
        with client:
            return int(client.llen(QUEUE))
    except redis.RedisError:
        return None


class LocalDispatcher:
    """The embedded default's worker: runs task bodies on a background thread pool."""

    def __init__(self, tasks: Mapping[str, Callable[..., Any]], workers: int = 1) -> None:
        """workers=0 runs each task inline in the publishing thread (CLI one-shots)."""
        from concurrent.futures import ThreadPoolExecutor

        self._tasks = tasks
        self._pool = (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="triage-worker")
            if workers else None
        )

    def publish(self, task: str, payload: dict[str, Any]) -> None:
        func = self._tasks[task]
        args = _task_kwargs(payload)
        if self._pool is None:
            _run_logged(task, func, args)
        else:
            self._pool.submit(_run_logged, task, func, args)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=False)


def _run_logged(name: str, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    try:
        func(**kwargs)
    except Exception:
        # The sweeper will pick the ticket up again; the error must still be visible.
        log.exception("in-process task %s failed", name)


class CeleryDispatcher:
    """Publishes to Celery by task name; never blocks long when Redis is away."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def publish(self, task: str, payload: dict[str, Any]) -> None:
        self._app.send_task(task, kwargs=_task_kwargs(payload), retry=False)

    def publish_many(self, messages: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """All messages through one producer, pipelined to Redis (kombu's batch): one round
        trip and one client for the lot, instead of one of each per message."""
        with self._app.producer_or_acquire() as producer, producer.batch(
                max_size=max(1, len(messages))):
            for number, (task, payload) in enumerate(messages):
                kwargs = _task_kwargs(payload)
                # The queue is declared (its binding written to Redis) with the first
                # message of each batch, and the short argument reprs are given rather
                # than computed: most of Celery's cost per message otherwise.
                once: dict[str, Any] = {} if number == 0 else {"declare": []}
                self._app.send_task(task, kwargs=kwargs, retry=False, producer=producer,
                                    argsrepr="()", kwargsrepr=repr(kwargs), **once)


def _task_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "swept"}
