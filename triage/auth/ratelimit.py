"""Failed logins and citizen lookups, counted in a store every API process shares.

The counting is the `limits` library's moving window: on Redis (TRIAGE_RATELIMIT_URL,
by default the broker's) in production, so that two API processes, or a restarted one,
see the same failures; in memory on the embedded default, which runs one process.

Each limit has tiers that grow: a few failures cost a minute's wait, more cost a
quarter of an hour, then an hour. That is the backoff: no hard lock, and no counter an
attacker can fill for someone else. A login is counted per account *and* address (the
owner, from their own address, is never held back by a stranger's guesses) and per
address across accounts; a lookup per address. Addresses come from
`triage.auth.deps.client_ip`, which believes X-Forwarded-For only from the proxies
configured (TRIAGE_TRUSTED_PROXIES).

A store that cannot be reached must not fail a login with a 500: the failure is logged
and the counting goes on in the process's memory until the store answers again.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from triage.settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

# After the shared store failed, failures are counted in memory for this long before
# the store is tried again: a Redis that is down costs one timeout per pause, not one
# per request.
PAUSE_AFTER_ERROR = 5.0
# A Redis that hangs must not hold a login: its calls give up quickly.
STORE_TIMEOUT = 0.5


class Store:
    """The shared counters, or the process's own while they cannot be reached."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @property
    def in_memory(self) -> bool:
        return self.url.startswith("memory://")

    def _limiter(self) -> MovingWindowRateLimiter:
        if self.in_memory:
            return self.memory
        with self._lock:
            if self._shared is None:
                self._shared = MovingWindowRateLimiter(storage_from_string(
                    self.url, key_prefix=self.prefix, wrap_exceptions=True,
                    socket_timeout=STORE_TIMEOUT, socket_connect_timeout=STORE_TIMEOUT))
            return self._shared

    def run(self, action: Callable[[MovingWindowRateLimiter], T]) -> T:
        if time.monotonic() < self._paused_until:
            return action(self.memory)
        try:
            return action(self._limiter())
        except StorageError as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_ERROR
            log.warning("rate-limit store unreachable, counting in this process for %.0fs: %s",
                        PAUSE_AFTER_ERROR, exc.storage_error)
            return action(self.memory)

    def clear_all(self) -> None:
        """Forget every counter under the prefix (tests; `triage` never calls it)."""
        self.memory.storage.reset()
        if not self.in_memory:
            self.run(lambda limiter: limiter.storage.reset())


@lru_cache
def _store(url: str, prefix: str) -> Store:
    return Store(url, prefix)


def store() -> Store:
    """The store the settings name (one per URL and prefix in a process)."""
    settings = get_settings()
    return _store(settings.effective_ratelimit_url, settings.ratelimit_prefix)


def _key(name: str, parts: tuple[str, ...]) -> str:
    """Keys hold no user name or address in clear, and no separator a value could forge."""
    blob = "\x1f".join((name, *parts)).encode("utf-8", "surrogatepass")
    return f"{name}:{hashlib.sha256(blob).hexdigest()[:40]}"


class FailureLimit:
    """Failures of one kind, under tiers of growing windows ("5/minute;10/15 minutes")."""

    def __init__(self, name: str, tiers: str) -> None:
        self.name = name
        self.tiers: list[RateLimitItem] = parse_many(tiers)

    def blocked_for(self, *parts: str) -> float:
        """Seconds until another attempt keyed by `parts` is allowed (0: now)."""
        key = _key(self.name, parts)

        def wait(limiter: MovingWindowRateLimiter) -> float:
            longest = 0.0
            for tier in self.tiers:
                stats = limiter.get_window_stats(tier, key)  # one round trip per tier
                if stats.remaining <= 0:
                    longest = max(longest, stats.reset_time - time.time(), 1.0)
            return longest

        return store().run(wait)

    def fail(self, *parts: str, count: int = 1) -> None:
        """Count `count` failures at once (a list of guessed codes in one request)."""
        key = _key(self.name, parts)

        def hit(limiter: MovingWindowRateLimiter) -> None:
            for tier in self.tiers:
                cost = count
                if cost > 1:
                    # A moving window refuses (and does not record) a hit that would
                    # overflow it: fill what is left instead, which blocks as well.
                    cost = min(cost, limiter.get_window_stats(tier, key).remaining)
                if cost > 0:
                    limiter.hit(tier, key, cost=cost)

        store().run(hit)

    def reset(self, *parts: str) -> None:
        key = _key(self.name, parts)

        def clear(limiter: MovingWindowRateLimiter) -> None:
            for tier in self.tiers:
                limiter.clear(tier, key)

        store().run(clear)


# A login: per account and address, then per address whatever the account (one address
# spraying many accounts). Nothing per account alone, which anyone could fill.
LOGIN = FailureLimit("login", "5/minute;10/15 minutes;20/hour")
LOGIN_ADDRESS = FailureLimit("login-address", "30/5 minutes;100/hour")
# A code given without login (the lookup with the phone's last digits, a ticket's public
# view, Open311's item and ids): ten wrong guesses per address in ten minutes is enough
# for typos and far too few to walk the 10,000 phone endings or the million check parts of
# one code; fifty a day stops a patient walker.
LOOKUP = FailureLimit("lookup", "10/10 minutes;50/day")
