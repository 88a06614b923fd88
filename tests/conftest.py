"""Shared fixtures: real PostgreSQL and SQLite databases built by the migrations.

Each session creates a throw-away PostgreSQL database in the local cluster; with CI=true a
missing PostgreSQL or Redis is an error, never a skip."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from tests.factories.api import client_fixture
from triage import db, migrate
from triage.tables import Base

PG_ADMIN_URL = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: tests that need it must run)")
    pytest.skip(reason)


def _pg_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


@contextmanager
def throwaway_pg_database() -> Iterator[str]:
    """A new PostgreSQL database built by the migrations, dropped afterwards."""
    name = f"triage_t_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL unavailable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _pg_url(name)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        db.reset_caches()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    with throwaway_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "triage.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


def use_database(monkeypatch: pytest.MonkeyPatch, url: str, **env: str) -> None:
    """Point the whole application at `url` and empty every table."""
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    monkeypatch.delenv("TRIAGE_BROKER_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    db.reset_caches()
    engine = db.get_engine()
    with engine.begin() as conn:
        tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_database" if request.param == "sqlite" else "pg_database"
    url: str = request.getfixturevalue(fixture)
    use_database(monkeypatch, url)
    yield url
    db.reset_caches()


@pytest.fixture
def pg(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_database(monkeypatch, pg_database)
    yield pg_database
    db.reset_caches()


# The API as any test sees it: anonymous, on the `database` fixture (tests/factories/api.py).
client = client_fixture()


def run_together(target: Callable[[], object], count: int, timeout: float
                 ) -> list[BaseException]:
    """Run `target` in `count` threads released at the same moment (a race on purpose);
    returns what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # surfaced to the caller
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors


CHAOS_EXEMPT = {"test_a_reminders.py"}
# The chaos tests that run in every `pytest` (CI): one per kind of fault the issue names
# (worker SIGKILL storm, Redis crash and restart, PostgreSQL down 10 s) plus the
# Idempotency-Key race, about 4–5 min together on 2 cores. Each of the three fault tests
# carries its negative control and checks nothing lost, nothing done twice.
CHAOS_IN_CI = {
    "test_a2_worker_sigkill_storm",
    "test_a4_redis_crash_without_persistence",
    "test_a8_postgresql_down_10s",
    "test_a9_idempotency_key_under_concurrency",
    # A notification whose sender was killed mid-send goes out in seconds, once.
    "test_a18_worker_killed_while_sending_notifies_once_within_seconds",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The battery's chaos tests (tests/battery/test_a_*.py) kill and restart real
    components. All carry the `chaos` marker (`pytest -m chaos tests/battery` runs every
    one of them, A1–A17, ~25 min); those outside CHAOS_IN_CI also carry `chaos_extra`, which
    the default run deselects to stay within CI's time budget."""
    for item in items:
        path = item.path
        if path.parent.name == "battery" and path.name.startswith("test_a_") \
                and path.name not in CHAOS_EXEMPT:
            item.add_marker(pytest.mark.chaos)
            name = getattr(item, "originalname", item.name)
            if name not in CHAOS_IN_CI:
                item.add_marker(pytest.mark.chaos_extra)
