"""The Celery application. Settings follow ../shared/reliability-battery.md: late acks,
reject on worker loss, prefetch 1, no result backend (state lives in the database)."""

from __future__ import annotations

from celery import Celery

from triage.settings import get_settings


def make_app() -> Celery:
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
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_ignore_result=True,
        broker_transport_options=transport,
        visibility_timeout=vt,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        worker_soft_shutdown_timeout=30,
        task_default_queue="triage",
        timezone=settings.timezone,
        enable_utc=True,
        worker_hijack_root_logger=False,
    )
    app.conf.imports = ["workers.tasks"]
    from workers.beat import schedule

    app.conf.beat_schedule = schedule()
    return app


app = make_app()
