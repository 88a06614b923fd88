"""Migrations go up and down cleanly on both databases, and match the ORM models."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tests.conftest import PG_ADMIN_URL, unavailable
from triage import migrate
from triage.db import make_engine
from triage.tables import Base


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": migrate.include_object})
        diff = compare_metadata(context, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    assert "tickets" in inspect(engine).get_table_names()
    migrate.downgrade(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert "outbox" in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_up_down_up(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'm.sqlite3'}")


def test_postgresql_up_down_up() -> None:
    name = f"triage_m_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL unavailable: {exc}")
        pytest.skip("unreachable")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _roundtrip(PG_ADMIN_URL.rpartition("/")[0] + "/" + name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
