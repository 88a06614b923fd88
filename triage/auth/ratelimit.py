"""Sliding-window counters for failed logins, per account and per address (in process)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class FailureLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` may try again (0 if not blocked)."""
        now = time.monotonic()
        with self._lock:
            events = self._trim(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(0.0, events[0] + self.window - now)

    def fail(self, key: str) -> None:
        with self._lock:
            self._trim(key, time.monotonic()).append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


PER_ACCOUNT = FailureLimiter(limit=10, window_seconds=300)
PER_ADDRESS = FailureLimiter(limit=30, window_seconds=300)
