"""Request-scoped dependencies shared by the routers: the edge owns the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from triage.db import get_sessionmaker


def db_session() -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back when
    it raises. A commit that enqueued work wakes the relay (triage.outbox.service)."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    finally:
        session.rollback()
        session.close()


# scope="function": the commit happens before the response is sent, so a client is never
# told of a change that is not committed (and sees the error if the commit fails).
SessionDep = Annotated[Session, Depends(db_session, scope="function")]
