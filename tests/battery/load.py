"""The load generator: concurrent HTTP clients, one unique Idempotency-Key per complaint,
the same key retried with backoff on 5xx or timeout, and its own ledger of what was
attempted and what was accepted (the oracle's ground truth)."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.battery.complaints import complaint

RETRY_FOR = 60.0  # seconds a client keeps retrying one key


@dataclass
class Request:
    at: float  # monotonic time the request was sent
    latency: float
    status: int  # 0 = no response (timeout, connection refused)
    retry_after: str | None = None
    body: str = ""


@dataclass
class Ledger:
    attempted: set[str] = field(default_factory=set)
    accepted: dict[str, str] = field(default_factory=dict)  # key -> ticket code
    gave_up: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    last_accept: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.requests)

    def p95(self, start: float | None = None, end: float | None = None) -> float:
        lat = sorted(r.latency for r in self.requests
                     if (start is None or r.at >= start) and (end is None or r.at <= end))
        return lat[int(0.95 * (len(lat) - 1))] if lat else 0.0


class LoadGenerator:
    """`clients` threads submit `n` complaints, at most `rate` per second in total."""

    def __init__(self, base_url: str, n: int, *, clients: int = 8, rate: float | None = None,
                 seed: int = 1022, body: Callable[[int, random.Random], dict[str, Any]]
                 = complaint, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.n = n
        self.clients = clients
        self.rate = rate
        self.body = body
        self.timeout = timeout
        self.ledger = Ledger()
        self.prefix = uuid.uuid4().hex[:8]
        self._rng = random.Random(seed)
        self._bodies = [body(i, self._rng) for i in range(n)]
        self._next = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.started = 0.0

    def key(self, i: int) -> str:
        return f"battery-{self.prefix}-{i:06d}"

    def start(self) -> LoadGenerator:
        self.started = time.monotonic()
        for c in range(self.clients):
            thread = threading.Thread(target=self._client, name=f"load-{c}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def join(self, timeout: float = 600) -> Ledger:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in self._threads):
            self._stop.set()
            raise AssertionError("load generator did not finish in time")
        return self.ledger

    def run(self, timeout: float = 600) -> Ledger:
        return self.start().join(timeout)

    @property
    def done(self) -> bool:
        return not any(t.is_alive() for t in self._threads)

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= self.n or self._stop.is_set():
                return None
            i, self._next = self._next, self._next + 1
        if self.rate:
            delay = self.started + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return i

    def _client(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=self.timeout) as client:
            while (i := self._take()) is not None:
                self._submit(client, i)

    def _submit(self, client: httpx.Client, i: int) -> None:
        key = self.key(i)
        with self.ledger.lock:
            self.ledger.attempted.add(key)
        first = time.monotonic()
        backoff = 0.2
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                response = client.post("/api/v1/complaints", json=self._bodies[i],
                                       headers={"Idempotency-Key": key})
                status = response.status_code
                record = Request(sent, time.monotonic() - sent, status,
                                 response.headers.get("retry-after"),
                                 response.text[:300] if status >= 300 else "")
            except httpx.HTTPError:
                status = 0
                record = Request(sent, time.monotonic() - sent, 0)
            with self.ledger.lock:
                self.ledger.requests.append(record)
                if status in (200, 201):
                    self.ledger.accepted[key] = response.json()["code"]
                    self.ledger.last_accept = time.monotonic()
                    return
                if 400 <= status < 500:
                    self.ledger.unexpected.append(f"{key}: {status} {record.body}")
                    return
            if time.monotonic() - first > RETRY_FOR:
                with self.ledger.lock:
                    self.ledger.gave_up.add(key)
                return
            time.sleep(backoff)
            backoff = min(2.0, backoff * 2)
