"""The battery's harness: a PostgreSQL cluster of its own, a fresh database per test (from a
migrated template), an SMTP sink, and stacks of real processes with the shrunk timers of
../shared/reliability-battery.md. Metrics of every chaos test are printed at the end of
the run (so that they appear in the CI log even when output is captured)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.battery.oracle import dump, forget
from tests.battery.services import PgCluster, Redis, Stack
from tests.procs import free_port
from triage import migrate
from triage.db import make_engine

# Shrunk timers (battery doc, "Harness").
STALE_SECONDS = 5.0
TIMERS = {
    "TRIAGE_VISIBILITY_TIMEOUT": "10",
    "TRIAGE_SWEEPER_INTERVAL_SECONDS": "2",
    "TRIAGE_SWEEPER_STALE_SECONDS": str(STALE_SECONDS),
    "TRIAGE_RELAY_INTERVAL_SECONDS": "0.2",
    "TRIAGE_MAX_ATTEMPTS": "3",
    # About what one worker (-c 2) retires within the 5 s window on this box.
    "TRIAGE_SWEEPER_MAX_BACKLOG": "100",
    "TRIAGE_LOG_LEVEL": "INFO",
    "BATTERY_STUB_CLASSIFIER": "1",
    # The learned agency is a model too: with the stub classifier the battery runs without
    # it (no artifact there: routing as the rules decide), or its disagreements with the
    # rules would send some of the generator's complaints to review (I3: "the stub routes
    # everything").
    "TRIAGE_AGENCY_MODEL_DIR": "/nonexistent/battery-no-agency-model",
}
RESULTS: list[str] = []
HEADLINES: list[str] = []
OUTCOMES: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember how each chaos test ended, so that a failure shows next to the metrics
    (or instead of them, when it came before the oracle could record any)."""
    if "/battery/test_a_" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or report.outcome != "passed":
        where = "" if report.when == "call" else f" ({report.when})"
        OUTCOMES.append(f"{report.outcome.upper():7} {report.nodeid}{where} "
                        f"{report.duration:.0f}s")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Pytest captures stdout: the metrics go to the terminal summary, so that they are in
    the log of a plain `pytest` run (CI) whether the tests passed or failed."""
    if not (RESULTS or OUTCOMES):
        return
    terminalreporter.section("reliability battery metrics")
    for line in OUTCOMES:
        terminalreporter.write_line(line)
    for line in HEADLINES:
        terminalreporter.write_line(line)
    for line in RESULTS:
        terminalreporter.write_line(line)


def headline(name: str, data: dict[str, Any]) -> str | None:
    """The four numbers the battery asks every chaos test to print, on one line."""
    if "duplicate_executions" not in data:
        return None
    parts = [f"{name}: duplicate executions {data['duplicate_executions']}",
             f"rescued by the sweeper {data.get('rescued_by_sweeper', 0)}"]
    if "quiescence_s" in data:
        parts.append(f"quiescence {data['quiescence_s']}s (budget {data['quiescence_budget_s']}s"
                     f" + {data.get('drain_allowance_s', 0)}s drain)")
    if "stuck_without_sweeper" in data:
        parts.append(f"negative control: {data['stuck_without_sweeper']} stuck without the "
                     f"sweeper, {data.get('interrupted_tickets', 0)} interrupted")
    return "; ".join(parts)


def record(name: str, data: dict[str, Any]) -> None:
    line = dump(name, data)
    print("\n" + line)
    RESULTS.append(line)
    short = headline(name, data)
    if short:
        HEADLINES.append(short)


@pytest.fixture(scope="session")
def battery_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every process log of the battery lands under here; B14 greps it at the end.
    BATTERY_LOG_DIR keeps them somewhere known (emptied first)."""
    keep = os.environ.get("BATTERY_LOG_DIR")
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        Path(keep).mkdir(parents=True)
        return Path(keep)
    return tmp_path_factory.mktemp("battery-logs")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    # A SIGTERM (a CI timeout) becomes an interrupt, so that the teardown below still stops
    # the cluster and every fixture kills its processes instead of leaving orphans.
    signal.signal(signal.SIGTERM, _interrupt)
    cluster = PgCluster()
    cluster.start()
    template = cluster.create_database()
    url = cluster.url(template)
    migrate.upgrade(url)
    _seed_agency_contacts(url)
    cluster.template = template  # type: ignore[attr-defined]
    yield cluster
    cluster.destroy()


def _seed_agency_contacts(url: str) -> None:
    """The directory has no contacts; give every agency an address so that each routed
    ticket plans exactly one 'assigned' e-mail (what I4 counts)."""
    from triage.agencies.service import load_default

    engine = make_engine(url)
    with Session(engine) as session:
        load_default(session)
        session.execute(text("UPDATE agencies SET email = code || '@battery.invalid'"))
        session.commit()
    engine.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'battery.sqlite3'}"
    migrate.upgrade(url)
    _seed_agency_contacts(url)
    yield url
    forget(url)


@pytest.fixture
def battery_db(pg_cluster: PgCluster) -> Iterator[str]:
    pg_cluster.ensure_up()
    name = pg_cluster.create_database(template=pg_cluster.template)  # type: ignore[attr-defined]
    yield pg_cluster.url(name)
    forget(pg_cluster.url(name))
    pg_cluster.ensure_up()
    pg_cluster.drop_database(name)


class SmtpSink:
    """Counts the e-mails the workers send, per ticket code (duplicate side effects)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.codes: Counter[str] = Counter()
        self.bodies: list[str] = []
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        subject = str(message["subject"] or "")
        match = re.search(r"\d{4}-\d{6}-\d{5,}-[0-9A-Z]{4}", subject)
        body = message.get_body(preferencelist=("plain",))
        with self._lock:
            self.codes[match.group(0) if match else "?"] += 1
            self.bodies.append(subject + "\n" + (body.get_content() if body else ""))
        return "250 OK"

    def duplicates(self) -> int:
        with self._lock:
            return sum(n - 1 for n in self.codes.values() if n > 1)

    def total(self) -> int:
        with self._lock:
            return sum(self.codes.values())


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def make_stack(battery_db: str, battery_logs: Path, smtp_sink: SmtpSink,
               request: pytest.FixtureRequest) -> Iterator[Any]:
    """make_stack(profile="P1", **env) -> a Stack whose processes are stopped afterwards."""
    stacks: list[Stack] = []
    workdir = battery_logs / request.node.name.replace("/", "_")[:80]
    workdir.mkdir(exist_ok=True)

    def build(profile: str = "P1", database_url: str | None = None, **env: str) -> Stack:
        server = Redis(workdir, profile)
        server.start()
        full = {**TIMERS, "TRIAGE_SMTP_HOST": "127.0.0.1",
                "TRIAGE_SMTP_PORT": str(smtp_sink.port), **env}
        stack = Stack(workdir, database_url or battery_db, server, full)
        stacks.append(stack)
        return stack

    yield build
    for stack in stacks:
        stack.stop()
        stack.redis.kill()
