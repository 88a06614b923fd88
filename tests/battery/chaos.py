"""Helpers shared by the chaos tests: sizes, fault loops, and the oracle run."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.battery.conftest import STALE_SECONDS, TIMERS, record
from tests.battery.load import Ledger, LoadGenerator
from tests.battery.oracle import drain, quiesce, verify
from tests.battery.services import Proc, Stack

# CI sizes (2 cores, ≤ ~2 min per test). The battery doc's default is N = 3,000; here
# N = 300 at 12 complaints/s keeps ingest at ~25 s, so that the faults land during it,
# and below what one worker (-c 2) sustains here with the API, relay and PostgreSQL on
# the same two cores (~15 tickets/s, each ticket = pipeline.process + notify.assigned).
N = int(os.environ.get("BATTERY_N", "300"))
RATE = float(os.environ.get("BATTERY_RATE", "12"))
BASELINE: dict[str, float] = {}


class FaultLoop:
    """Runs `action` every `every` seconds in a thread, from `start` for `duration`."""

    def __init__(self, action: Callable[[], float | None], *, every: float, duration: float,
                 start: float = 0.0, times: int | None = None) -> None:
        self.action = action
        self.every = every
        self.duration = duration
        self.times = times  # stop after this many actions, even before `duration` is over
        self.delay = start
        self.count = 0
        self.last = 0.0
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._stop = threading.Event()

    def start(self) -> FaultLoop:
        self._thread.start()
        return self

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        end = time.monotonic() + self.duration
        while not self._stop.is_set():
            self.last = time.monotonic()
            try:
                hit = self.action()
                if isinstance(hit, float):  # the action waited for a condition first:
                    self.last = hit  # the fault is the moment it says it struck
            except Exception as exc:  # keep the storm going; report at the end
                self.errors.append(repr(exc))
            self.count += 1
            if self.times is not None and self.count >= self.times:
                return
            remaining = end - time.monotonic()
            if remaining <= 0 or self._stop.wait(min(self.every, remaining)):
                return
            if time.monotonic() >= end:
                return

    def join(self, timeout: float = 300) -> None:
        self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def storm_kill_worker(stack: Stack, *, run_for: float = 2.0, restart_after: float = 0.5,
                      mid_task: bool = False) -> Callable[[], float]:
    """One cycle: SIGKILL the worker's process group, restart it 0.5 s later, and let it
    run `run_for` seconds once ready. (A worker needs ~3 s to boot on this box, so "every
    2 s" counts from readiness; otherwise no kill would ever hit a running task.)

    mid_task=True replaces the pause by a condition: the kill comes as soon as the worker
    has started a pipeline task (a new `task_runs` row), so that it interrupts work on a
    loaded box too, where a restarted worker may need 15 s to boot and a fixed pause can
    let every kill land on an idle or still-booting worker."""
    worker = stack.workers[0]

    def cycle() -> float:
        if mid_task:
            task_started(stack, timeout=20)
        struck = time.monotonic()
        worker.kill()
        time.sleep(restart_after)
        worker.start()
        if not mid_task:
            time.sleep(run_for)
        return struck
    return cycle


def task_started(stack: Stack, *, timeout: float) -> bool:
    """Wait until a pipeline task starts (after this call); False on timeout."""
    from tests.battery.oracle import value

    def runs() -> int:
        return int(value(stack.database_url, "SELECT count(*) FROM task_runs") or 0)

    before = runs()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if runs() > before:
            return True
        time.sleep(0.05)
    return False


def wait_backlog(stack: Stack, at_least: int, *, timeout: float = 30) -> int:
    """Wait until the broker's queue holds `at_least` messages (a crash then has something
    to lose); returns the length seen, however long it got by the timeout."""
    deadline = time.monotonic() + timeout
    length = stack.redis.queue_length()
    while length < at_least and time.monotonic() < deadline:
        time.sleep(0.05)
        length = stack.redis.queue_length()
    return length


# How much slower than its own CPU time a busy loop runs, at most: the budgets stretch
# with the box's load up to this factor, never further (a recovery that hangs still fails).
MAX_SLOWNESS = 3.0


class Slowness:
    """Samples, in a thread, how long a busy loop of 20 ms of CPU takes on the wall clock
    while the system recovers: 1.0 on an idle box, about 2 when another CPU-heavy job has
    a core of the two. The battery's budgets were sized on an idle 2-core box; on a loaded
    one every step (a worker's boot, a sweep, a retry) takes that much longer, so I6 allows
    budget × factor (the median sample, at most MAX_SLOWNESS)."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slowness", daemon=True)

    def __enter__(self) -> Slowness:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(self.sample())

    @staticmethod
    def sample(cpu: float = 0.02) -> float:
        wall, start = time.perf_counter(), time.thread_time()
        while time.thread_time() - start < cpu:
            pass
        return (time.perf_counter() - wall) / cpu

    @property
    def factor(self) -> float:
        if not self.samples:
            return 1.0
        ordered = sorted(self.samples)
        return min(MAX_SLOWNESS, max(1.0, ordered[len(ordered) // 2]))


def settle(stack: Stack, ledger: Ledger, name: str, *, last_fault: float, budget: float,
           poison_keys: set[str] | None = None, extra: dict[str, Any] | None = None,
           sink: Any = None, expect_routed: bool = True, rebooted: Proc | None = None,
           paused: float = 0.0) -> dict[str, Any]:
    """Wait for quiescence, check I1–I6, record the metrics; return them.

    I6 allows `budget` seconds after the last fault (or the last accepted complaint) on
    top of the time the work still waiting at that moment needs at the box's best
    observed speed (`drain_allowance_s`: tickets finished after that moment divided by
    the fastest 10 s of the run). A recovery that waits for anything (a visibility
    timeout, a sweeper window, a stalled worker) still has only `budget` to do it in; what
    no longer counts is the plain processing time of a backlog, which on a 2-core box
    shared with other jobs can be three times what the budgets were sized for. When the
    last fault restarted a component (`rebooted`), its measured boot time is allowed too:
    the doc's budgets assume a 3 s boot, a loaded box takes 15–20 s. `paused` is the time
    a negative control kept stuck work from the sweeper (see control_pause); it is left
    out of the measured quiescence time."""
    start = max(last_fault, ledger.last_accept)
    start_wall = datetime.now(UTC) - timedelta(seconds=time.monotonic() - start)
    with Slowness() as load_seen:
        quiet = quiesce(stack.database_url, timeout=MAX_SLOWNESS * budget + 240,
                        expect=len(ledger.accepted))
    scaled = round(budget * load_seen.factor, 1)
    verdict = verify(stack.database_url, ledger, stale_seconds=STALE_SECONDS,
                     poison_keys=poison_keys or set(), expect_routed=expect_routed)
    left, peak = drain(stack.database_url, start_wall)
    # Only the part of the reboot after the clock started counts (the last complaint may
    # have been accepted while the restarted component was still booting).
    boot = (max(0.0, last_fault + rebooted.boot_seconds - start) if rebooted is not None
            else 0.0)
    allowance = round((left / peak if peak else 0.0) + boot, 1)
    quiet -= paused
    data = {**verdict.metrics, "quiescence_s": round(max(0.0, quiet - start), 1),
            "control_pause_s": round(paused, 1),
            "quiescence_budget_s": scaled, "budget_idle_s": budget,
            "slowness": round(load_seen.factor, 2), "drain_allowance_s": allowance,
            "work_left_at_last_fault": left, "peak_rate_per_s": round(peak, 1),
            "last_boot_s": round(boot, 1),
            **(extra or {})}
    if sink is not None:
        data["emails"] = sink.total()
        data["duplicate_emails"] = sink.duplicates()
    record(name, data)
    assert not verdict.violations, "\n".join(verdict.violations)
    assert not ledger.unexpected, ledger.unexpected[:5]
    assert not ledger.gave_up, f"{len(ledger.gave_up)} keys never accepted"
    assert quiet - start <= scaled + allowance, (
        f"I6: quiescence after {quiet - start:.1f}s > {scaled}s ({budget}s × slowness "
        f"{load_seen.factor:.2f}) + {allowance}s to process the {left} tickets left at "
        f"{peak:.1f}/s (+ a {boot:.1f}s boot)")
    return data


def load(stack: Stack, n: int = N, rate: float | None = RATE, **kw: Any) -> LoadGenerator:
    return LoadGenerator(stack.base_url, n, rate=rate, **kw)


SWEEPER_OFF = {"TRIAGE_SWEEPER_ENABLED": "false"}


def pending_and_interrupted(url: str) -> tuple[int, int]:
    from tests.battery.oracle import value

    pending = value(url, "SELECT count(*) FROM tickets WHERE status IN "
                         "('received', 'classified')")
    interrupted = value(url, "SELECT count(*) FROM tickets WHERE attempts >= 2")
    return int(pending or 0), int(interrupted or 0)


def broker_only(stack: Stack, *, quiet_for: float = 12.0, timeout: float = 60
                ) -> tuple[int, float]:
    """Negative control: with the sweeper off, give Celery's own redelivery (visibility
    timeout 10 s + restore interval) its chance, then count the tickets still pending.
    Returns that count and the monotonic time the state last changed."""
    from tests.battery.oracle import snapshot

    deadline = time.monotonic() + timeout
    last, changed = None, time.monotonic()
    while time.monotonic() < deadline:
        snap = snapshot(stack.database_url)
        if snap != last:
            last, changed = snap, time.monotonic()
        if last is not None and last[0] == 0 and time.monotonic() - changed >= 1:
            return 0, changed
        if time.monotonic() - changed >= quiet_for:
            break
        time.sleep(0.25)
    return pending_and_interrupted(stack.database_url)[0], changed


def sweeper_on(stack: Stack) -> float:
    """Phase two: the relay restarted with its sweeper; it must repair what was left.
    Returns the monotonic time the new relay was publishing."""
    assert stack.relay is not None
    stack.relay.kill()
    stack.start_relay()
    return time.monotonic()


def control_pause(stuck: int, stalled_at: float, sweeper_ready: float) -> float:
    """Seconds the negative control held the stuck tickets beyond what the sweeper, had it
    been on, would itself have taken to notice them (the staleness window plus one sweep
    interval after the pipeline stalled): the procedure's wait to be sure nothing moves,
    and the relay's restart. I6 does not charge the system for that pause."""
    if not stuck:
        return 0.0
    noticed = float(TIMERS["TRIAGE_SWEEPER_STALE_SECONDS"]) + float(
        TIMERS["TRIAGE_SWEEPER_INTERVAL_SECONDS"])
    return max(0.0, sweeper_ready - stalled_at - noticed)


def run_with_control(stack: Stack, gen: LoadGenerator, faults: list[FaultLoop], name: str, *,
                     budget: float, sink: Any = None, extra: dict[str, Any] | None = None,
                     poison_keys: set[str] | None = None, rebooted: Proc | None = None
                     ) -> dict[str, Any]:
    """Load + faults with the sweeper off (the negative control: how much the fault
    leaves undone without it), then the sweeper on and the oracle (I1–I6)."""
    gen.start()
    for fault in faults:
        fault.start()
    for fault in faults:
        fault.join()
    ledger = gen.join()
    last_fault = max([f.last for f in faults] + [0.0])
    stuck, stalled_at = broker_only(stack)
    _pending, interrupted = pending_and_interrupted(stack.database_url)
    control = {"stuck_without_sweeper": stuck, "interrupted_tickets": interrupted,
               "faults": {f"fault{i}": f.count for i, f in enumerate(faults)},
               "fault_errors": [e for f in faults for e in f.errors][:3]}
    ready = sweeper_on(stack)
    return settle(stack, ledger, name, last_fault=last_fault, budget=budget, sink=sink,
                  poison_keys=poison_keys, extra={**control, **(extra or {})},
                  rebooted=rebooted, paused=control_pause(stuck, stalled_at, ready))


def once(action: Callable[[], float | None], at: float) -> FaultLoop:
    """A single fault `at` seconds after the load starts."""
    return FaultLoop(action, every=1e9, duration=1e-3, start=at)


def ping_round_trip(stack: Stack, timeout: float = 10) -> float:
    """The project's health probe: a no-op task published and executed by the worker.
    Returns the seconds it took."""
    import uuid

    from celery import Celery

    app = Celery("probe", broker=stack.redis.url)
    app.conf.broker_connection_timeout = 2
    task_id = f"probe-{uuid.uuid4().hex[:8]}"
    began = time.monotonic()
    deadline = began + timeout
    while time.monotonic() < deadline:
        try:
            app.send_task("health.ping", task_id=task_id, queue="triage", retry=False)
            break
        except Exception:  # the broker may still be coming back
            time.sleep(0.5)
    marker = f"health.ping[{task_id}] succeeded".encode()
    while time.monotonic() < deadline:
        if any(marker in w.log.read_bytes() for w in stack.workers):
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"health probe got no answer within {timeout}s")
