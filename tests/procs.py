"""Real components as subprocesses, each in its own process group so that a test can
SIGKILL exactly one of them (redis-server, Celery workers, the relay)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class RedisServer:
    """redis-server on its own port and directory; profile P1 = AOF everysec."""

    def __init__(self, workdir: Path, *, aof: bool = True) -> None:
        if shutil.which("redis-server") is None:
            unavailable("redis-server is not installed")
        self.port = free_port()
        self.dir = workdir
        self.aof = aof
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (["--appendonly", "yes", "--appendfsync", "everysec"] if self.aof
                       else ["--appendonly", "no"])
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", str(self.dir), "--save", "", "--maxmemory-policy", "noeviction",
                *persistence]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _pings(client), 10, "redis-server")

    def kill(self) -> None:
        kill_group(self.proc)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(timeout=30)


def start_worker(env: dict[str, str], log: Path, concurrency: int = 2, *,
                 ready_within: float = 60) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
            "-P", "prefork", "-c", str(concurrency), "--without-mingle", "--without-gossip",
            "-Q", "triage", "--loglevel=INFO"]
    full_env = {**os.environ, **env}
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    wait_for(lambda: b"ready." in log.read_bytes() or proc.poll() is not None, ready_within,
             "celery worker to be ready")
    if proc.poll() is not None:
        raise AssertionError("celery worker exited:\n" + log.read_text()[-3000:])
    return proc
