"""Database errors through the API: an outage or an exhausted pool is 503 with Retry-After,
a lost race is 409, a statement the database rejects is a bug (500, nothing to retry), on
real PostgreSQL."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.factories.api import client_fixture
from triage.db import get_engine, session_scope


def failing_routes(app: FastAPI) -> None:
    @app.get("/test/bad-statement")
    def bad_statement() -> None:
        with session_scope() as s:
            s.execute(text("SELEC 1"))

    @app.get("/test/lost-race")
    def lost_race() -> None:
        with session_scope() as s:
            s.execute(text("INSERT INTO code_counters (period, last) VALUES ('199901', 1)"))

    @app.get("/test/pool-exhausted")
    def pool_exhausted() -> None:
        # A real pool of one connection, held while a second is asked for: what every
        # request of a process sees when its pool stays busy longer than the pool's wait.
        engine = create_engine(get_engine().url, pool_size=1, max_overflow=0,
                               pool_timeout=0.2)
        try:
            with engine.connect(), engine.connect():
                pass
        finally:
            engine.dispose()


client = client_fixture(on="pg", customize=failing_routes, raise_server_exceptions=False)


def test_a_rejected_statement_is_a_500_without_retry_after(client: TestClient) -> None:
    answer = client.get("/test/bad-statement")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "Retry-After" not in answer.headers
    assert "SELEC" not in answer.text  # nothing about the internals


def test_a_lost_race_is_a_409(client: TestClient) -> None:
    assert client.get("/test/lost-race").status_code == 200
    answer = client.get("/test/lost-race")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conflict"
    assert "code_counters" not in answer.text


def test_an_exhausted_pool_is_a_503_with_retry_after(client: TestClient) -> None:
    answer = client.get("/test/pool-exhausted")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert answer.headers["Retry-After"]
    assert "QueuePool" not in answer.text
