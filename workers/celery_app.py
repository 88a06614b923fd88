"""The worker's Celery application: the app every process configures
(triage.outbox.broker) with the task modules and the beat schedule added."""

from __future__ import annotations

from celery import Celery

from triage.outbox.broker import make_celery


def make_app() -> Celery:
    app = make_celery()
    app.conf.imports = ["workers.tasks"]
    from workers.beat import schedule

    app.conf.beat_schedule = schedule()
    return app


app = make_app()
