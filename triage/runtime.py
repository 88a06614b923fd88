"""What runs beside the API in one process: the dispatcher and the relay loop.

Embedded default (no broker): tasks run on an in-process thread pool. Production: tasks
are published to Celery; the relay publishes right after each commit, so the HTTP
request itself never waits on Redis."""

from __future__ import annotations

import logging

from triage.outbox.relay import RelayLoop
from triage.outbox.service import CeleryDispatcher, Dispatcher, LocalDispatcher
from triage.settings import get_settings

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, *, start_relay: bool = True) -> None:
        self.dispatcher: Dispatcher
        if get_settings().embedded:
            from triage.pipeline.tasks import TASKS

            self.dispatcher = LocalDispatcher(TASKS)
        else:
            self.dispatcher = CeleryDispatcher()
        self.relay = RelayLoop(self.dispatcher, periodic=get_settings().embedded)
        self._started = False
        self._start_relay = start_relay

    def start(self) -> None:
        if self._start_relay and not self._started:
            self.relay.start()
            self._started = True

    def after_commit(self) -> None:
        """Wake the relay so that fresh work is published at once (the fast path)."""
        if self._started:
            self.relay.wake()

    def stop(self) -> None:
        if self._started:
            self.relay.stop()
        if isinstance(self.dispatcher, LocalDispatcher):
            self.dispatcher.shutdown()
