"""Alembic environment: the URL comes from triage settings (or the config's attribute)."""

from __future__ import annotations

from alembic import context

from triage.db import make_engine
from triage.migrate import include_object
from triage.settings import get_settings
from triage.tables import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    url = config.attributes.get("url") or get_settings().effective_database_url
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run_with(conn)
    engine.dispose()


def _run_with(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
