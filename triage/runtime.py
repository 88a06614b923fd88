"""What runs beside the API in one process: the dispatcher and the relay loop.

Embedded default (no broker): tasks run on an in-process thread pool. Production: tasks
are published to Celery; the relay publishes right after each commit that enqueued work,
so the HTTP request itself never waits on Redis."""

from __future__ import annotations

import logging

from triage.outbox.broker import make_celery
from triage.outbox.relay import RelayLoop
from triage.outbox.service import CeleryDispatcher, Dispatcher, LocalDispatcher
from triage.outbox.tasks import TASKS
from triage.settings import get_settings

log = logging.getLogger(__name__)


def make_dispatcher(*, workers: int = 1) -> Dispatcher:
    """The in-process worker (embedded default; workers=0 runs each task inline), or
    Celery with an app built for the current settings."""
    if get_settings().embedded:
        return LocalDispatcher(TASKS, workers=workers)
    return CeleryDispatcher(make_celery())


class Runtime:
    def __init__(self, *, start_relay: bool = True) -> None:
        self.dispatcher = make_dispatcher()
        self.relay = RelayLoop(self.dispatcher, periodic=get_settings().embedded)
        self._started = False
        self._start_relay = start_relay

    def start(self) -> None:
        if self._start_relay and not self._started:
            self.relay.start()
            self._started = True

    def stop(self) -> None:
        if self._started:
            self.relay.stop()
        if isinstance(self.dispatcher, LocalDispatcher):
            self.dispatcher.shutdown()
