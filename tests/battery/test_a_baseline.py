"""A1 (baseline) with A10 (duplicate delivery) on the same run, and A9 (Idempotency-Key
under concurrency)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.battery.chaos import BASELINE, RATE, N, load, settle
from tests.battery.complaints import complaint
from tests.battery.conftest import record
from tests.battery.oracle import rows, value
from tests.procs import wait_for


def test_a1_baseline_every_accepted_complaint_is_routed_once(make_stack, smtp_sink,
                                                             monkeypatch) -> None:
    stack = make_stack("P1")
    stack.start()
    ledger = load(stack).run()
    data = settle(stack, ledger, "A1", last_fault=0, budget=60, sink=smtp_sink,
                  extra={"n": N, "rate": RATE})
    BASELINE["p95"] = data["p95_post_s"]
    BASELINE["pipeline_p95"] = data["p95_pipeline_s"]
    assert data["duplicate_emails"] == 0
    assert smtp_sink.total() == len(ledger.accepted)
    assert_effective_visibility_timeout(stack, 10, monkeypatch)
    record("A10", replay_everything(stack, smtp_sink, monkeypatch))


def assert_effective_visibility_timeout(stack, expected: int, monkeypatch) -> None:
    """celery#7651: the value as the running worker reports it, and as kombu's channel
    holds it for an app built from the same environment (A11 then shows the redelivery
    happening after that many seconds)."""
    from triage.settings import get_settings
    from workers.celery_app import make_app

    monkeypatch.setenv("TRIAGE_BROKER_URL", stack.redis.url)
    monkeypatch.setenv("TRIAGE_VISIBILITY_TIMEOUT", str(expected))
    get_settings.cache_clear()
    app = make_app()
    replies = None
    for _ in range(10):
        replies = app.control.inspect(timeout=2).conf(with_defaults=True)
        if replies:
            break
        time.sleep(0.5)
    assert replies, "the worker did not answer `inspect conf`"
    for conf in replies.values():
        assert conf["broker_transport_options"]["visibility_timeout"] == expected
        assert conf["visibility_timeout"] == expected
        assert conf["result_backend_transport_options"]["visibility_timeout"] == expected
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        assert channel.visibility_timeout == expected
    get_settings.cache_clear()



def replay_everything(stack, smtp_sink, monkeypatch) -> dict:
    """A10: every message of the run published twice more, then a sweep with T = 0. The
    effects must not change: no routing row, notification, e-mail or event more, and no
    ticket touched (updated_at unchanged)."""
    from celery import Celery

    from triage import db
    from triage.db import session_scope, utcnow
    from triage.pipeline.sweep import sweep_stale

    url = stack.database_url
    effects = ("SELECT (SELECT count(*) FROM assignments), (SELECT count(*) FROM notifications),"
               " (SELECT count(*) FROM ticket_events), (SELECT count(*) FROM classifications),"
               " (SELECT count(*) FROM pipeline_steps), (SELECT max(updated_at) FROM tickets),"
               " (SELECT count(*) FROM audit_log)")
    before = tuple(rows(url, effects)[0])
    emails = smtp_sink.total()
    runs = value(url, "SELECT count(*) FROM task_runs")
    app = Celery("replay", broker=stack.redis.url)
    messages = rows(url, "SELECT task, payload FROM outbox ORDER BY id")
    with app.producer_or_acquire() as producer:
        for _ in range(2):
            for task, payload in messages:
                args = {k: v for k, v in _payload(payload).items() if k != "swept"}
                app.send_task(task, kwargs=args, queue="triage", producer=producer)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    monkeypatch.setenv("TRIAGE_SWEEPER_STALE_SECONDS", "0.001")
    db.reset_caches()
    with session_scope() as session:
        swept = sweep_stale(session, utcnow())
    db.reset_caches()
    expected = runs + 2 * sum(1 for t, _ in messages if t == "pipeline.process")
    wait_for(lambda: value(url, "SELECT count(*) FROM task_runs") >= expected
             and stack.redis.queue_length() == 0, 120, "the replayed messages to be consumed")
    time.sleep(2)  # notify.assigned replays leave no trace in task_runs
    after = tuple(rows(url, effects)[0])
    assert swept == 0
    assert after == before, (before, after)
    assert smtp_sink.total() == emails
    return {"replayed_messages": 2 * len(messages), "effects_unchanged": after == before}


def _payload(raw) -> dict:
    import json

    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def test_a9_idempotency_key_under_concurrency(make_stack) -> None:
    """50 parallel POSTs with one key and body: one ticket, one id in every answer; the
    same key with another body: 409 with a clear code."""
    import httpx

    stack = make_stack("P1")
    stack.start_api()
    body = complaint(0, random.Random(9))
    key = f"a9-{random.randrange(10**9)}"
    barrier = threading.Barrier(50)

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=stack.base_url, timeout=30) as client:
            barrier.wait()
            return client.post("/api/v1/complaints", json=body,
                               headers={"Idempotency-Key": key})

    began = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(post, range(50)))
    statuses = Counter(a.status_code for a in answers)
    codes = {a.json().get("code") for a in answers if a.status_code in (200, 201)}
    other = httpx.post(f"{stack.base_url}/api/v1/complaints",
                       json={**body, "text": body["text"] + " (khác)"},
                       headers={"Idempotency-Key": key}, timeout=10)
    record("A9", {"statuses": dict(statuses), "codes": len(codes),
                  "seconds": round(time.monotonic() - began, 2),
                  "other_body": other.status_code})
    assert set(statuses) <= {200, 201} and statuses[201] == 1, statuses
    assert len(codes) == 1
    assert value(stack.database_url, "SELECT count(*) FROM tickets") == 1
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert time.monotonic() - began < 10
