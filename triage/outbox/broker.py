"""The Celery application as every process configures it: the relay publishes through it,
workers/ adds the task modules and the beat schedule. Settings follow
../shared/reliability-battery.md: late acks, reject on worker loss, prefetch 1, no result
backend (state lives in the database)."""

from __future__ import annotations

from typing import Any

from celery import Celery

from triage.settings import get_settings

QUEUE = "triage"


def _tolerate_detached_transport() -> None:
    """Celery 5.7 closes a broken broker connection after `collect()` has already
    detached its transport. Closing the Redis channel then restores the unacked messages
    through a client built from `None`, and the AttributeError ends the worker process
    ("Unrecoverable error: 'NoneType' object has no attribute 'hostname'"; found by the
    battery, A4, whenever Redis dies while a task runs). Raising the connection error that
    kombu's close path already ignores keeps the worker alive; the messages stay in the
    unacked hash and come back after the visibility timeout."""
    import redis
    from kombu.transport import redis as kombu_redis

    original = kombu_redis.Channel._connparams
    if getattr(original, "tolerates_detached_transport", False):
        return

    def _connparams(self: Any, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("broker connection already closed")
        return original(self, asynchronous=asynchronous)

    _connparams.tolerates_detached_transport = True  # type: ignore[attr-defined]
    setattr(kombu_redis.Channel, "_connparams", _connparams)  # noqa: B010


def make_celery() -> Celery:
    """A Celery app for the current settings (a fresh one per call: tests switch brokers)."""
    _tolerate_detached_transport()
    settings = get_settings()
    app = Celery("triage", broker=settings.broker_url or "memory://")
    vt = settings.visibility_timeout
    transport = {
        "visibility_timeout": vt,
        "unacked_restore_interval": max(1, min(10, vt // 10)),
        "unacked_restore_throttle": 1,
        # A publish while Redis is away fails quickly; the outbox keeps the row.
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "max_retries": 1,
    }
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=settings.task_reject_on_worker_lost,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_ignore_result=True,
        broker_transport_options=transport,
        # The docs ask for the timeout in all three places (celery#7651).
        result_backend_transport_options={"visibility_timeout": vt},
        visibility_timeout=vt,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        worker_soft_shutdown_timeout=30,
        task_default_queue=QUEUE,
        timezone=settings.timezone,
        enable_utc=True,
        worker_hijack_root_logger=False,
    )
    return app
