"""The long variants (nightly, `-m slow`):

* A2-long: N = 10,000 complaints over HTTP while the worker is SIGKILLed every 2 s (of
  running) for the whole run, and Redis (AOF everysec) is killed -9 and restarted twice.
  Every accepted key must have exactly one ticket, classified and routed, none duplicated.
* E4: a Hypothesis state machine over faults (submit, kill_worker, kill_child,
  restart_redis P0|P1, pg_blip 5 s, kill_relay, wait), checking I1–I6 at quiescence;
  Hypothesis shrinks a failing schedule to a minimal one.

    BATTERY_LOG_DIR=var/battery-logs .venv/bin/pytest -m slow tests/battery/test_slow.py -s

Their results, once run, go to bench/results.md ("Reliability battery")."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from tests.battery.chaos import FaultLoop, load, settle, storm_kill_worker
from tests.battery.conftest import TIMERS, record
from tests.battery.load import LoadGenerator
from tests.battery.services import PgCluster, Redis, Stack

LONG_N = int(os.environ.get("BATTERY_LONG_N", "10000"))
LONG_RATE = float(os.environ.get("BATTERY_LONG_RATE", "15"))


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_a2_long_10000_complaints_sigkill_storm_and_two_redis_restarts(make_stack,
                                                                      smtp_sink) -> None:
    stack = make_stack("P1")
    stack.start()  # production configuration: the sweeper on throughout
    gen = load(stack, n=LONG_N, rate=LONG_RATE)
    ingest = LONG_N / LONG_RATE
    storm = FaultLoop(storm_kill_worker(stack), every=0, duration=ingest, start=2)

    def crash_redis() -> None:
        stack.redis.kill()
        time.sleep(2)
        stack.redis.start()

    restarts = [FaultLoop(crash_redis, every=1e9, duration=1e-3, start=ingest * share)
                for share in (0.33, 0.66)]
    gen.start()
    for fault in (storm, *restarts):
        fault.start()
    for fault in (storm, *restarts):
        fault.join(ingest + 600)
    ledger = gen.join(ingest + 3600)
    last = max(storm.last, *(r.last for r in restarts))
    data = settle(stack, ledger, "A2-long", last_fault=last, budget=600, sink=smtp_sink,
                  extra={"n": LONG_N, "rate": LONG_RATE, "kills": storm.count,
                         "redis_restarts": sum(r.count for r in restarts),
                         "wall_s": round(time.monotonic() - gen.started, 1)})
    assert data["tickets"] == {"routed": len(ledger.accepted)}
    assert len(ledger.accepted) == LONG_N


# E4 -------------------------------------------------------------------------------------

class _Env:
    cluster: PgCluster
    logs: Path
    sink_port: int


ENV = _Env()


@pytest.fixture
def e4_env(pg_cluster: PgCluster, battery_logs: Path, smtp_sink: Any) -> _Env:
    ENV.cluster, ENV.logs, ENV.sink_port = pg_cluster, battery_logs, smtp_sink.port
    return ENV


class PipelineUnderFaults(RuleBasedStateMachine):
    """One fresh database and stack per example; faults in any order; the oracle at the
    end of the example (quiescence, then I1–I5; I6 is the quiescence budget)."""

    @initialize()
    def boot(self) -> None:
        self.db = ENV.cluster.create_database(template=ENV.cluster.template)  # type: ignore[attr-defined]
        workdir = ENV.logs / f"e4-{self.db}"
        workdir.mkdir()
        self.redis = Redis(workdir, "P1")
        self.redis.start()
        env = {**TIMERS, "TRIAGE_SMTP_HOST": "127.0.0.1", "TRIAGE_SMTP_PORT": str(ENV.sink_port)}
        self.stack = Stack(workdir, ENV.cluster.url(self.db), self.redis, env)
        self.stack.start()
        self.rng = random.Random(len(self.db))
        self.generators: list[LoadGenerator] = []
        self.poison: set[str] = set()
        self.last_fault = time.monotonic()  # I6 counts from the boot at the earliest

    def _fault(self) -> None:
        self.last_fault = time.monotonic()

    @rule(n=st.integers(1, 40))
    def submit(self, n: int) -> None:
        gen = LoadGenerator(self.stack.base_url, n, rate=20, seed=self.rng.randrange(10**6))
        gen.start()
        self.generators.append(gen)

    @rule()
    def kill_worker(self) -> None:
        worker = self.stack.workers[0]
        worker.kill()
        time.sleep(0.5)
        worker.start()
        self._fault()

    @rule()
    def kill_child(self) -> None:
        children = self.stack.workers[0].children()
        if children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.rng.choice(children), signal.SIGKILL)
        self._fault()

    @rule(profile=st.sampled_from(["P0", "P1"]))
    def restart_redis(self, profile: str) -> None:
        self.redis.kill()
        time.sleep(1)
        self.redis.profile = profile
        self.redis.start(empty=profile == "P0")
        self._fault()

    @rule()
    def pg_blip(self) -> None:
        ENV.cluster.stop("immediate")
        try:
            time.sleep(5)
        finally:
            ENV.cluster.start()
        self._fault()

    @rule()
    def kill_relay(self) -> None:
        assert self.stack.relay is not None
        self.stack.relay.kill()
        self.stack.start_relay(wait=False)  # the schedule decides what happens meanwhile
        self._fault()

    @rule(seconds=st.sampled_from([0.5, 2.0, 5.0]))
    def wait(self, seconds: float) -> None:
        time.sleep(seconds)

    def teardown(self) -> None:
        try:
            ENV.cluster.ensure_up()
            if not hasattr(self, "stack"):
                return
            for gen in self.generators:
                gen.join(600)
            merged = LoadGenerator(self.stack.base_url, 0)
            for gen in self.generators:
                merged.ledger.attempted |= gen.ledger.attempted
                merged.ledger.accepted.update(gen.ledger.accepted)
                merged.ledger.gave_up |= gen.ledger.gave_up
                merged.ledger.requests += gen.ledger.requests
                merged.ledger.unexpected += gen.ledger.unexpected
                merged.ledger.last_accept = max(merged.ledger.last_accept,
                                                gen.ledger.last_accept)
            settle(self.stack, merged.ledger, "E4-example", last_fault=self.last_fault,
                   budget=120)
        finally:
            if hasattr(self, "stack"):
                self.stack.stop()
                self.redis.kill()
                ENV.cluster.ensure_up()
                ENV.cluster.drop_database(self.db)


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_e4_pipeline_under_a_random_fault_schedule(e4_env: _Env) -> None:
    examples = int(os.environ.get("BATTERY_E4_EXAMPLES", "8"))
    test = PipelineUnderFaults.TestCase
    test.settings = settings(max_examples=examples, stateful_step_count=12, deadline=None,
                             suppress_health_check=list(HealthCheck))
    started = time.monotonic()
    test().runTest()
    record("E4", {"examples": examples, "steps_per_example": 12,
                  "wall_s": round(time.monotonic() - started, 1)})
