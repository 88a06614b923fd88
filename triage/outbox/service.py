"""Outbox relay and sweeper.

The relay publishes committed outbox rows to the queue (Celery on Redis, or the in-process
worker). The sweeper owns completeness: any ticket whose pipeline has not advanced within
the staleness window gets a fresh outbox row, whatever happened to the first message."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from triage.intake.models import Ticket
from triage.intake.service import PROCESS_TASK
from triage.intake.states import PIPELINE_PENDING
from triage.outbox.models import OutboxMessage
from triage.settings import get_settings

log = logging.getLogger(__name__)
NOTIFY_TASK = "notify.assigned"
# Lost notifications older than this are left to the deadline reminders.
NOTIFY_HORIZON = timedelta(days=2)
# A ticket re-enqueued again and again waits at most 2**MAX_DOUBLINGS windows.
MAX_DOUBLINGS = 4


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


def sweep_stale(session: Session, now: datetime) -> int:
    """Re-enqueue work that has not advanced within the window: tickets still owed a
    pipeline step, and assignments whose 'assigned' notification was never planned."""
    waiting = broker_backlog()
    if waiting is not None and waiting > get_settings().sweeper_max_backlog:
        log.info("sweeper holds off: %d messages wait in the queue", waiting)
        return 0
    return _sweep_pipeline(session, now) + _sweep_notifications(session, now)


def broker_backlog() -> int | None:
    """Messages waiting in the Celery queue on Redis; None when unknown (embedded mode,
    or Redis not answering: then the sweeper does its work regardless)."""
    settings = get_settings()
    if settings.embedded or not settings.broker_url.startswith(("redis://", "rediss://")):
        return None
    import redis

    from workers.celery_app import QUEUE

    try:
        client = redis.Redis.from_url(settings.broker_url, socket_timeout=1,
                                      socket_connect_timeout=1)
        with client:
            return int(client.llen(QUEUE))
    except redis.RedisError:
        return None


def _sweep_pipeline(session: Session, now: datetime) -> int:
    """A ticket still owed a step gets a fresh message once it has not moved for the
    window, then after 2, 4, 8 and 16 windows: while a backlog longer than the window sits
    in the queue, re-enqueueing every ticket every window would flood the queue with
    duplicates faster than the workers retire them (found by the battery, A2 with 10,000
    complaints: the pipeline never caught up)."""
    window = timedelta(seconds=get_settings().sweeper_stale_seconds)
    sent = (select(func.count(OutboxMessage.id))
            .where(OutboxMessage.ticket_id == Ticket.id, OutboxMessage.task == PROCESS_TASK)
            .correlate(Ticket).scalar_subquery())
    due = or_(*(and_(sent <= 1 if e == 0 else sent == e + 1 if e < MAX_DOUBLINGS
                     else sent > e, Ticket.updated_at < now - window * 2 ** e)
                for e in range(MAX_DOUBLINGS + 1)))
    stmt = (
        select(Ticket)
        .where(Ticket.status.in_([s.value for s in PIPELINE_PENDING]),
               Ticket.updated_at < now - window, due)
        .order_by(Ticket.id)
        .limit(1000)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rescued = 0
    for ticket in session.scalars(stmt):
        session.add(OutboxMessage(task=PROCESS_TASK, ticket_id=ticket.id,
                                  payload={"ticket_id": ticket.id, "swept": True}, created_at=now))
        # Touching updated_at starts the next waiting period from this message.
        ticket.updated_at = now
        rescued += 1
    if rescued:
        log.info("sweeper re-enqueued %d stale tickets", rescued)
    return rescued


def _sweep_notifications(session: Session, now: datetime) -> int:
    """The notify.assigned message can be lost like any other (Redis restarted empty, a
    pool child killed with reject_on_worker_lost off): the ticket is routed, so the
    pipeline sweep no longer sees it. An open assignment older than the window, with no
    'assigned' notification planned and no fresh message for it, gets a new message, with
    a growing pause if it keeps failing. Agencies without any contact plan nothing and are
    skipped."""
    from triage.intake.models import Assignment
    from triage.notify.models import Notification
    from triage.notify.service import contacts

    settings = get_settings()
    cutoff = now - timedelta(seconds=settings.sweeper_stale_seconds)
    planned = select(Notification.id).where(Notification.assignment_id == Assignment.id,
                                            Notification.kind == "assigned").exists()
    fresh = select(OutboxMessage.id).where(OutboxMessage.task == NOTIFY_TASK,
                                           OutboxMessage.ticket_id == Assignment.ticket_id,
                                           OutboxMessage.created_at >= cutoff).exists()
    owed = [Assignment.ended_at.is_(None), Assignment.assigned_at < cutoff,
            Assignment.assigned_at >= now - NOTIFY_HORIZON, ~planned, ~fresh]
    codes = session.scalars(select(Assignment.agency_code).where(*owed).distinct()).all()
    reachable = [code for code in codes if contacts(session, code)]
    if not reachable:
        return 0
    stmt = (select(Assignment).where(*owed, Assignment.agency_code.in_(reachable))
            .order_by(Assignment.id).limit(1000))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rescued = 0
    for assignment in session.scalars(stmt):
        sent, last = session.execute(select(func.count(), func.max(OutboxMessage.created_at))
                                     .where(OutboxMessage.task == NOTIFY_TASK,
                                            OutboxMessage.ticket_id == assignment.ticket_id)
                                     ).one()
        # A message that keeps failing is retried less and less often (the window
        # doubles each time), never more often than once per window.
        wait = timedelta(seconds=settings.sweeper_stale_seconds * 2 ** min(sent - 1, 8))
        if sent and last is not None and _aware(last) > now - wait:
            continue
        session.add(OutboxMessage(task=NOTIFY_TASK, ticket_id=assignment.ticket_id,
                                  payload={"assignment_id": assignment.id, "swept": True},
                                  created_at=now))
        rescued += 1
    if rescued:
        log.info("sweeper re-enqueued %d lost 'assigned' notifications", rescued)
    return rescued


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LocalDispatcher:
    """The embedded default's worker: runs task bodies on a background thread pool."""

    def __init__(self, tasks: dict[str, Callable[..., Any]], workers: int = 1) -> None:
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

    def __init__(self) -> None:
        from workers.celery_app import make_app

        # A fresh app per dispatcher reads the current settings (tests switch brokers).
        self._app = make_app()

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
