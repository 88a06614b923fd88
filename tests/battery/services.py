"""The battery's components as real processes, each in its own session so that a test can
SIGKILL exactly one of them: a throw-away PostgreSQL cluster, redis-server in the three
persistence profiles, the API (uvicorn), the outbox relay, Celery workers and an SMTP sink.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis

from tests.conftest import unavailable
from tests.procs import ROOT, free_port, kill_group, wait_for

PROFILES: dict[str, list[str]] = {
    # P0: no persistence at all; P1: AOF everysec (production); P2: RDB snapshots only.
    "P0": ["--save", "", "--appendonly", "no"],
    "P1": ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
    "P2": ["--save", "60 1", "--appendonly", "no"],
}


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root; drop to the postgres user if needed."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PgCluster:
    """A PostgreSQL cluster of our own (initdb into a temporary directory, fsync on), so
    that stopping it hurts no other test."""

    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl"):
            if shutil.which(tool) is None:
                unavailable(f"{tool} is not installed")
        self.base = Path(tempfile.mkdtemp(prefix="battery-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        subprocess.run(_as_postgres(["initdb", "-D", str(self.data), "-A", "trust",
                                     "-U", "postgres", "-E", "UTF8", "--locale", "C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, cwd=self.base)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.base}'\nmax_connections = 200\n"
                       "fsync = on\nlog_min_messages = warning\n")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        subprocess.run(_as_postgres(["pg_ctl", "-D", str(self.data), "-l",
                                     str(self.base / "server.log"), "-w", "-t", "60", "start"]),
                       check=True, stdout=subprocess.DEVNULL, cwd=self.base)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_postgres(["pg_ctl", "-D", str(self.data), "-m", mode, "-w",
                                     "stop"]),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=self.base)

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=1):
                return True
        except psycopg.OperationalError:
            return False

    def ensure_up(self) -> None:
        if not self.is_up():
            self.start()

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self, template: str | None = None) -> str:
        name = f"battery_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            suffix = f' TEMPLATE "{template}"' if template else ""
            admin.execute(f'CREATE DATABASE "{name}"{suffix}')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Redis:
    """redis-server with a persistence profile; always `noeviction`."""

    def __init__(self, workdir: Path, profile: str = "P1") -> None:
        if shutil.which("redis-server") is None:
            unavailable("redis-server is not installed")
        self.dir = workdir / f"redis-{uuid.uuid4().hex[:6]}"
        self.dir.mkdir()
        self.port = free_port()
        self.profile = profile
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = workdir / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2)

    def start(self, *, empty: bool = False) -> None:
        if empty:  # "restarted empty": whatever it had persisted is gone too
            for item in self.dir.iterdir():
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.dir), "--maxmemory-policy", "noeviction",
                *PROFILES[self.profile]]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_for(self.pings, 15, "redis-server")

    def pings(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        kill_group(self.proc)

    def shutdown(self) -> None:
        """`redis-cli shutdown`: a graceful stop that saves (RDB in profile P2)."""
        with contextlib.suppress(redis.ConnectionError):
            self.client().shutdown(save=self.profile == "P2")
        if self.proc is not None:
            self.proc.wait(timeout=30)

    def queue_length(self, queue: str = "triage") -> int:
        try:
            return int(self.client().llen(queue))
        except redis.RedisError:
            return -1


@dataclass
class Proc:
    """One component started as `python -m …` in its own session, logging to a file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[Proc], bool] | None = None
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0
    boot_seconds: float = 0.0
    _mark: int = 0
    _started_at: float = 0.0

    def start(self, *, wait: bool = True, timeout: float = 90) -> None:
        with self.log.open("ab") as out:
            out.write(f"\n=== start {self.name} #{self.starts + 1} at {time.time():.3f}\n"
                      .encode())
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, *self.argv], cwd=ROOT,
                                         env={**os.environ, **self.env}, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        self._mark = self.log.stat().st_size
        self._started_at = time.monotonic()
        if wait:
            self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 90) -> float:
        """Wait until the component reports ready; returns its boot time in seconds."""
        if self.ready is not None:
            check = self.ready
            wait_for(lambda: not self.alive() or check(self), timeout, f"{self.name} to be ready")
            if not self.alive():
                raise AssertionError(f"{self.name} exited:\n{self.tail()}")
        self.boot_seconds = time.monotonic() - self._started_at
        return self.boot_seconds

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def since_start(self) -> bytes:
        with self.log.open("rb") as f:
            f.seek(self._mark)
            return f.read()

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            self.kills += 1
        kill_group(self.proc, sig)

    def children(self) -> list[int]:
        """Pool child pids of a prefork worker (direct children of the main process)."""
        if not self.alive():
            return []
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []


def worker_ready(p: Proc) -> bool:
    return b"ready." in p.since_start()


def http_ready(port: int) -> Callable[[Proc], bool]:
    def check(_: Proc) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).is_success
        except httpx.HTTPError:
            return False
    return check


@dataclass
class Stack:
    """API + relay + workers on one database and one Redis, with the shrunk timers."""

    workdir: Path
    database_url: str
    redis: Redis
    env: dict[str, str] = field(default_factory=dict)
    api: Proc | None = None
    relay: Proc | None = None
    workers: list[Proc] = field(default_factory=list)
    api_port: int = 0
    _probe_id: int = 0

    def base_env(self) -> dict[str, str]:
        return {"TRIAGE_DATABASE_URL": self.database_url, "TRIAGE_BROKER_URL": self.redis.url,
                "TRIAGE_DATA_DIR": str(self.workdir / "var"), "PYTHONUNBUFFERED": "1",
                **self.env}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_api(self) -> Proc:
        self.api_port = free_port()
        argv = ["-m", "uvicorn", "--factory", "tests.battery.apiapp:make", "--host",
                "127.0.0.1", "--port", str(self.api_port), "--workers", "1",
                "--timeout-graceful-shutdown", "2"]
        self.api = Proc("api", argv, self.base_env(), self.workdir / "api.log",
                        ready=http_ready(self.api_port))
        self.api.start()
        return self.api

    def start_relay(self, *, wait: bool = True, **env: str) -> Proc:
        """Start the relay and (by default) wait until it publishes. A fixed pause used to
        stand in for the wait: on a loaded box the relay needs up to ~10 s of imports, so a
        fault planned "at t = 4 s of ingest" hit a system that had published nothing yet
        and the negative control saw nothing to lose."""
        self.relay = Proc("relay", ["-m", "triage.cli", "relay"],
                          {**self.base_env(), **env}, self.workdir / "relay.log",
                          ready=self._relay_published_probe)
        self.relay.start(wait=False)
        if wait:
            self._probe_id = self._insert_probe()
            self.relay.wait_ready()
        return self.relay

    def _insert_probe(self) -> int:
        """An outbox row for the no-op health task: published = the relay loop runs (it
        goes out after any backlog of older rows, as the relay publishes in id order)."""
        from sqlalchemy import insert

        from tests.battery.oracle import engine
        from triage.db import utcnow
        from triage.outbox.models import OutboxMessage

        with engine(self.database_url).begin() as conn:
            return int(conn.execute(insert(OutboxMessage).values(
                task="health.ping", ticket_id=None, payload={}, created_at=utcnow(),
                publish_attempts=0).returning(OutboxMessage.id)).scalar_one())

    def _relay_published_probe(self, _: Proc) -> bool:
        from tests.battery.oracle import value

        try:
            return value(self.database_url, "SELECT published_at FROM outbox WHERE id = :i",
                         i=self._probe_id) is not None
        except Exception:  # the database may be the component under fault
            return False

    def new_worker(self, name: str = "worker", **env: str) -> Proc:
        proc = Proc(name, ["-m", "tests.battery.worker_main"], {**self.base_env(), **env},
                    self.workdir / f"{name}.log", ready=worker_ready)
        self.workers.append(proc)
        return proc

    def start(self, *, relay_env: dict[str, str] | None = None,
              worker_env: dict[str, str] | None = None) -> None:
        worker = self.new_worker(**(worker_env or {}))
        worker.start(wait=False)  # boots (~3 s of imports) while the API starts
        self.start_api()
        self.start_relay(**(relay_env or {}))
        worker.wait_ready()

    def stop(self) -> None:
        for worker in self.workers:
            worker.kill()
        for proc in (self.relay, self.api):
            if proc is not None:
                proc.kill()

    def logs(self) -> list[Path]:
        return sorted(self.workdir.glob("*.log"))

