"""Database faults: A8 (PostgreSQL down 10 s, on the battery's own cluster) and A17 (the
embedded SQLite default under contention, workers SIGKILLed)."""

from __future__ import annotations

import itertools
import time

from tests.battery.chaos import SWEEPER_OFF, FaultLoop, load, once, run_with_control


def worker_failures(stack) -> list[str]:
    """Tasks that ended in a terminal failure rather than a retry."""
    lines = []
    for worker in stack.workers:
        for line in worker.log.read_text(errors="replace").splitlines():
            if "raised unexpected" in line or "ERROR/ForkPoolWorker" in line:
                lines.append(line)
    return lines


def test_a8_postgresql_down_10s(make_stack, smtp_sink, pg_cluster) -> None:
    """`pg_ctl stop -m immediate` at t = 4 s, start 10 s later. POSTs fail fast with 503 +
    Retry-After, retries with the same key succeed, tasks retry, nothing is lost (WAL),
    and the first request after the restart does not 500 (pool_pre_ping)."""
    stack = make_stack("P1")
    stack.start(relay_env=SWEEPER_OFF)
    gen = load(stack)
    window: dict[str, float] = {}
    before: dict[str, str] = {}

    def outage() -> None:
        with gen.ledger.lock:
            before.update(gen.ledger.accepted)
        pg_cluster.stop("immediate")
        window["start"] = time.monotonic()
        time.sleep(10)
        pg_cluster.start()
        window["end"] = time.monotonic()

    try:
        data = run_with_control(stack, gen, [once(outage, 4)], "A8", budget=45, sink=smtp_sink)
    finally:
        pg_cluster.ensure_up()
    during = [r for r in gen.ledger.requests if window["start"] <= r.at <= window["end"]]
    refused = [r for r in during if r.status == 503]
    print(f"A8 during outage: {len(during)} requests, {len(refused)} answered 503, slowest "
          f"{max((r.latency for r in during), default=0):.2f}s; accepted before the crash: "
          f"{len(before)}")
    assert refused, "the outage was not seen by the API"
    assert all(r.retry_after for r in refused)  # (a) 503 + Retry-After
    assert all(r.latency <= 2.0 for r in during)  # (a) fast, no hang
    assert not [r for r in gen.ledger.requests if r.status >= 500 and r.status != 503]  # (a, e)
    assert not [r for r in gen.ledger.requests if "Traceback" in r.body or "psycopg" in r.body]
    assert set(before) <= set(gen.ledger.accepted)  # (d) checked in the DB by I1
    assert not worker_failures(stack)  # (c) OperationalError retried, no terminal failure
    assert data["gave_up"] == 0  # (b) every key was accepted on a retry


def test_a17_sqlite_under_contention(make_stack, smtp_sink, sqlite_db) -> None:
    """The embedded default's database (SQLite, WAL, busy_timeout) behind the API, the
    relay and two worker processes that are SIGKILLed every 3 s, alternately. No "database
    is locked" reaches a client; the sweeper works without SKIP LOCKED."""
    stack = make_stack("P1", database_url=sqlite_db)
    stack.start(relay_env=dict(SWEEPER_OFF), worker_env={"BATTERY_CONCURRENCY": "1"})
    second = stack.new_worker("worker-2", BATTERY_CONCURRENCY="1")
    second.start()
    turn = itertools.cycle(stack.workers)

    def kill_one() -> None:
        worker = next(turn)
        worker.kill()
        time.sleep(0.5)
        worker.start(wait=False)

    kills = FaultLoop(kill_one, every=3, duration=24, start=2)
    gen = load(stack)
    data = run_with_control(stack, gen, [kills], "A17", budget=45, sink=smtp_sink)
    errors = [r for r in gen.ledger.requests if r.status >= 500 or "locked" in r.body]
    assert not errors, errors[:3]
    assert kills.count >= 6
    assert data["outbox_never_published"] == 0
