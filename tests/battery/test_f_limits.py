"""Issue 14, points 3 and 4: login and lookup limits that hold across API processes and
that nobody steers with a header.

The cross-process and X-Forwarded-For tests run `triage serve` as production does, as
real processes on the test PostgreSQL, counting in the local Redis under a key prefix of
their own (so that parallel runs never meet). The rest run in process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import throwaway_pg_database, unavailable
from tests.factories.api import clear_limiters
from tests.procs import free_port, kill_group, wait_for
from triage import db
from triage.app import create_app
from triage.auth import service as auth
from triage.auth.models import AuditEntry
from triage.db import session_scope
from triage.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "Đúng-mật-khẩu-2026"
LOGIN = "/api/v1/auth/login"
LOOKUP = "/api/v1/lookup"


@pytest.fixture(scope="module")
def prefix() -> Iterator[str]:
    """This run's own keys in the shared Redis, deleted at the end."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at 127.0.0.1:6379 unavailable: {exc}")
    name = f"triage-test-{uuid.uuid4().hex[:10]}"
    yield name
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)


@pytest.fixture
def fresh(prefix: str) -> None:
    """Each test starts with no failures counted under the prefix."""
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def post(self, path: str, body: dict[str, str], **headers: str) -> httpx.Response:
        return httpx.post(f"{self.base}{path}", json=body, headers=headers, timeout=30)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def serve_database() -> Iterator[str]:
    """The servers' own database: their background loops (relay, sweeps) keep running
    between tests, and on the session's shared database they would hold locks while other
    tests empty its tables (a TRUNCATE deadlock seen under load)."""
    with throwaway_pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def serve(serve_database: str, prefix: str, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[object]:
    """Start `triage serve` processes (killed at the end of the module)."""
    started: list[Server] = []
    work = tmp_path_factory.mktemp("serve")

    def start(**env: str) -> Server:
        port = free_port()
        full = {**os.environ, "TRIAGE_DATABASE_URL": serve_database,
                "TRIAGE_DATA_DIR": str(work), "TRIAGE_RATELIMIT_URL": REDIS_URL,
                "TRIAGE_RATELIMIT_PREFIX": prefix, "TRIAGE_LOG_LEVEL": "WARNING", **env}
        for name in ("TRIAGE_BROKER_URL", *(() if "TRIAGE_TRUSTED_PROXIES" in env
                                            else ("TRIAGE_TRUSTED_PROXIES",))):
            full.pop(name, None)
        log = work / f"serve-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "triage"), "serve", "--port", str(port)],
                cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        server = Server(f"http://127.0.0.1:{port}", proc, log)
        started.append(server)
        wait_for(lambda: _up(server.base) or proc.poll() is not None, 90, "triage serve")
        assert proc.poll() is None, log.read_text()[-3000:]
        return server

    yield start
    for server in started:
        kill_group(server.proc)


@pytest.fixture(scope="module")
def pair(serve: object) -> tuple[Server, Server]:
    """Two API processes, as `triage serve --workers 2` runs them, sharing Redis."""
    return serve(), serve()  # type: ignore[operator]


@pytest.fixture(scope="module")
def behind_proxy(serve: object) -> Server:
    """An API process that believes X-Forwarded-For from its local proxy."""
    return serve(TRIAGE_TRUSTED_PROXIES="127.0.0.1")  # type: ignore[operator]


def point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """This process reads and writes the servers' database, which is never emptied while
    they run (their loops would hold locks against the TRUNCATE): tests use names of
    their own instead."""
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    monkeypatch.delenv("TRIAGE_BROKER_URL", raising=False)
    db.reset_caches()


def add_user(name: str) -> None:
    with session_scope() as s:
        auth.create_user(s, name, "operator", password=PASSWORD)


def wrong(name: str) -> dict[str, str]:
    return {"username": name, "password": "sai-mat-khau"}


def right(name: str) -> dict[str, str]:
    return {"username": name, "password": PASSWORD}


def guess(code: str = "1022-202612-00001") -> dict[str, str]:
    return {"code": code, "phone_last4": "0000"}


def test_failed_logins_counted_in_one_api_process_hold_in_the_other(
        pair: tuple[Server, Server], serve_database: str, fresh: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, serve_database)
    add_user("lan")
    a, b = pair
    assert [a.post(LOGIN, wrong("lan")).status_code for _ in range(5)] == [401] * 5
    assert a.post(LOGIN, wrong("lan")).status_code == 429
    # The other process has seen the same five failures: it makes the same address wait,
    # the right password included (it is the address that guessed).
    assert b.post(LOGIN, wrong("lan")).status_code == 429
    refused = b.post(LOGIN, right("lan"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_failed_lookups_counted_in_one_api_process_hold_in_the_other(
        pair: tuple[Server, Server], serve_database: str, fresh: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, serve_database)
    a, b = pair
    assert {a.post(LOOKUP, guess()).status_code for _ in range(10)} == {404}
    refused = b.post(LOOKUP, guess())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_rotating_forwarded_for_from_an_untrusted_peer_changes_nothing(
        pair: tuple[Server, Server], serve_database: str, fresh: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, serve_database)
    a, _ = pair
    lookups = [a.post(LOOKUP, guess(), **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
               for i in range(1, 16)]
    assert lookups == [404] * 10 + [429] * 5
    # Logins spread over many accounts and forged addresses: still one address.
    logins = [a.post(LOGIN, wrong(f"ai-{i}"), **{"X-Forwarded-For": f"198.51.100.{i}"})
              .status_code for i in range(1, 36)]
    assert logins == [401] * 30 + [429] * 5


def test_a_trusted_proxys_forwarded_address_is_the_clients(
        behind_proxy: Server, serve_database: str, fresh: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    point_at(monkeypatch, serve_database)
    one, other = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "198.51.100.8"}
    assert {behind_proxy.post(LOOKUP, guess(), **one).status_code for _ in range(10)} == {404}
    assert behind_proxy.post(LOOKUP, guess(), **one).status_code == 429
    assert behind_proxy.post(LOOKUP, guess(), **other).status_code == 404
    # A client that sends its own header through the proxy: the proxy appends the address
    # it saw, and that (the last one not trusted) is the client's.
    forged = {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
    assert behind_proxy.post(LOOKUP, guess(), **forged).status_code == 429
    assert behind_proxy.post(LOGIN, wrong("khong-co"), **other).status_code == 401
    with session_scope() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")
                          .order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.data == {"username": "khong-co"}
        assert entry.source_ip == "198.51.100.8"


@pytest.fixture
def app_clients(database: str) -> Iterator[tuple[TestClient, TestClient]]:
    """One app, as seen from two addresses: a stranger's and the account owner's."""
    clear_limiters()
    app = create_app(start_runtime=False)
    with TestClient(app, client=("203.0.113.66", 50000)) as stranger, \
            TestClient(app, client=("198.51.100.20", 50000)) as owner:
        yield stranger, owner


def test_a_stranger_cannot_lock_the_owner_out(app_clients: tuple[TestClient, TestClient]
                                              ) -> None:
    stranger, owner = app_clients
    add_user("minh")
    codes = [stranger.post(LOGIN, json=wrong("minh")).status_code for _ in range(25)]
    assert codes[-1] == 429  # the stranger waits...
    assert owner.post(LOGIN, json=right("minh")).status_code == 200  # ...the owner does not


def test_a_stranger_cannot_stop_citizens_looking_up(app_clients: tuple[TestClient, TestClient]
                                                    ) -> None:
    stranger, citizen = app_clients
    assert {stranger.post(LOOKUP, json=guess()).status_code for _ in range(10)} == {404}
    assert stranger.post(LOOKUP, json=guess()).status_code == 429
    assert citizen.post(LOOKUP, json=guess()).status_code == 404


def test_a_store_that_is_down_fails_open_to_the_processs_memory(
        database: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
        ) -> None:
    monkeypatch.setenv("TRIAGE_RATELIMIT_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()
    add_user("hoa")
    with TestClient(create_app(start_runtime=False), raise_server_exceptions=False) as client:
        codes = [client.post(LOGIN, json=wrong("hoa")).status_code for _ in range(7)]
        assert codes == [401] * 5 + [429] * 2  # no 500: counted in memory meanwhile
    assert "rate-limit store unreachable" in caplog.text
