"""Request-scoped dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from triage.db import get_sessionmaker


def db_session() -> Iterator[Session]:
    """One session per request; the handler commits, anything else is rolled back."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.rollback()
        session.close()

