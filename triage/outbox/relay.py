"""The relay loop: a thread that publishes committed outbox rows as soon as it is woken
(by a commit that enqueued work) or every relay interval, and runs the sweeper
periodically."""

from __future__ import annotations

import logging
import threading
import time

from triage.db import session_scope, utcnow
from triage.outbox import tasks
from triage.outbox.service import Dispatcher, relay_batch, unwatch_commits, watch_commits
from triage.settings import get_settings
from triage.tickets.service import local_tz

log = logging.getLogger(__name__)
SCAN_EVERY = 3600.0  # seconds; the deadline scan is idempotent, so hourly is harmless
COALESCE_SECONDS = 0.003
PURGE_EVERY = 86400.0  # the retention purge (beat runs it daily in Celery mode)


class Every:
    """A periodic job's timer: due once `seconds` have passed since it last ran (the first
    time `first` seconds after start)."""

    def __init__(self, seconds: float, first: float) -> None:
        self.seconds = seconds
        self.next_at = time.monotonic() + first

    def due(self) -> bool:
        now = time.monotonic()
        if now < self.next_at:
            return False
        self.next_at = now + self.seconds
        return True


def _after_report_time() -> bool:
    """Monthly reports are due from 07:00 local time; before that the job waits."""
    return utcnow().astimezone(local_tz()).hour >= 7


class RelayLoop:
    def __init__(self, dispatcher: Dispatcher, *, sweep: bool | None = None,
                 periodic: bool = False) -> None:
        self.dispatcher = dispatcher
        self.sweep = get_settings().sweeper_enabled if sweep is None else sweep
        # The embedded default has no beat: the relay thread publishes the periodic jobs.
        self.periodic = periodic
        self.sweeps = Every(get_settings().sweeper_interval_seconds, first=0)
        # First periodic scan a minute after start, then hourly; the purge daily.
        self.scans = Every(SCAN_EVERY, first=60)
        self.purges = Every(PURGE_EVERY, first=120)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="triage-relay", daemon=True)

    def start(self) -> None:
        watch_commits(self.wake)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        unwatch_commits(self.wake)
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def run_once(self) -> int:
        sent_total = 0
        while True:
            with session_scope() as session:
                sent = relay_batch(session, self.dispatcher, utcnow())
            sent_total += sent
            if sent < 200:
                break
        if self.sweep and self.sweeps.due():
            # The sweep's body, run here in the relay thread (beat runs it in Celery mode);
            # it enqueues notification retries too when some are due.
            tasks.TASKS[tasks.SWEEP]()
        if self.periodic and self.scans.due():
            self.dispatcher.publish(tasks.SCAN_DEADLINES, {})
            if _after_report_time():
                self.dispatcher.publish(tasks.MONTHLY_REPORTS, {})
            self.dispatcher.publish(tasks.CASES_REFRESH, {})
        if self.periodic and self.purges.due():
            self.dispatcher.publish(tasks.PURGE, {})
        return sent_total

    def _run(self) -> None:
        interval = get_settings().relay_interval_seconds
        while not self._stop.is_set():
            if self._wake.wait(interval):
                # Woken by a commit: let the commits of the next few milliseconds join
                # the batch (one claim and one broker round trip for all of them).
                self._stop.wait(COALESCE_SECONDS)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.run_once()
            except Exception:
                # Database or broker away: keep the thread alive and try again later.
                log.exception("relay loop iteration failed")
                self._stop.wait(min(5.0, interval * 2))
