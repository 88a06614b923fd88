"""The submission hot path on PostgreSQL, run on the event loop.

A submission with a bearer token (or none) needs two statements: who holds the token, and
the one statement that writes the caller, the ticket, its first event and its outbox row
(`service.prepare_pg_submit`). Here both run on an asyncio connection pool (psycopg_pool)
in autocommit, so the request never leaves the event loop: no trip to a worker thread,
no ORM session. The statements are the same SQLAlchemy ones the synchronous path runs,
compiled once for psycopg.

Whatever is not the common case goes back to the synchronous path (`None` from
`submit`): a session cookie, an Idempotency-Key seen before (a replay, or a race two
requests ran at once), the first submission of a month in this process (its code
sequence is created there)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from triage.auth.service import TOKEN_PRINCIPAL, Principal, digest
from triage.errors import DATABASE_UNAVAILABLE, ServiceUnavailable
from triage.intake import service
from triage.intake.schemas import ComplaintIn
from triage.outbox.service import wake_relays
from triage.tickets.codes import code_period, known_pg_sequence

log = logging.getLogger(__name__)

# After a failure the database is suspect for a while: requests wait for a connection
# only briefly, so that an outage answers 503 at once instead of after the full wait.
SUSPECT_SECONDS = 5.0
SUSPECT_WAIT = 0.1


@dataclass(frozen=True)
class Compiled:
    """A SQLAlchemy statement as psycopg runs it: SQL text and its constant parameters."""

    sql: str
    constants: dict[str, Any]

    @classmethod
    def of(cls, statement: ClauseElement) -> Compiled:
        compiled = statement.compile(dialect=pg_psycopg.dialect(),
                                     compile_kwargs={"render_postcompile": True})
        constants = {k: v for k, v in compiled.params.items() if v is not None}
        return cls(str(compiled), constants)

    def bind(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self.constants, **params}


_PRINCIPAL = Compiled.of(TOKEN_PRINCIPAL)
_SUBMIT = {with_caller: Compiled.of(statement)
           for with_caller, statement in service.PG_STATEMENTS.items()}


class FastIntake:
    """The pool and the two statements; one per process (per event loop)."""

    def __init__(self, url: str, *, size: int, timeout: float = 1.0) -> None:
        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.pool = AsyncConnectionPool(
            conninfo, min_size=min(2, size), max_size=size, timeout=timeout, open=False,
            kwargs={"autocommit": True, "connect_timeout": 3},
            name="intake")
        self.timeout = timeout
        self._suspect_until = 0.0

    async def open(self) -> None:
        # Connections are made in the background: an outage at startup does not stop the
        # server, requests answer 503 until the database is back. Opening twice is harmless.
        await self.pool.open(wait=False)

    async def close(self) -> None:
        await self.pool.close()

    async def _run(self, compiled: Compiled, params: dict[str, Any]) -> tuple[Any, ...] | None:
        if self.pool.closed:
            await self.open()
        wait = self.timeout if time.monotonic() >= self._suspect_until else SUSPECT_WAIT
        try:
            async with self.pool.connection(timeout=wait) as conn:
                cursor = await conn.execute(compiled.sql, compiled.bind(params))
                return await cursor.fetchone()
        except (psycopg.OperationalError, PoolTimeout) as exc:
            # The pool drops a broken connection when it comes back; the client retries.
            self._suspect_until = time.monotonic() + SUSPECT_SECONDS
            log.warning("database unavailable: %s", exc)
            raise ServiceUnavailable(DATABASE_UNAVAILABLE, code="database_unavailable") from exc

    async def principal(self, token: str) -> Principal | None:
        """Who holds `token` (as `service.principal_for_token`)."""
        row = await self._run(_PRINCIPAL, {"digest": digest(token)})
        if row is None:
            return None
        user_id, username, role, agency_code = row
        return Principal(user_id=user_id, username=username, role=role,
                         agency_code=agency_code, via="token")

    async def submit(self, complaint: ComplaintIn, *, actor: str, idempotency_key: str | None,
                     now: datetime, window: timedelta | None = None
                     ) -> service.Submission | None:
        """The new ticket, or None when the synchronous path must handle the request.
        A declared time is checked as the synchronous path checks it (`window` from
        `service.declare_window`)."""
        sequence = known_pg_sequence(code_period(now))
        if sequence is None:
            return None
        prepared = service.prepare_pg_submit(complaint, actor=actor,
                                             idempotency_key=idempotency_key, now=now,
                                             sequence=sequence, window=window)
        try:
            row = await self._run(_SUBMIT[prepared.caller is not None], prepared.params)
        except psycopg.errors.UniqueViolation:
            return None  # another request with this key won the race: answer as a replay
        if row is None:
            return None  # the key is known: the synchronous path answers the replay
        wake_relays()  # committed (autocommit): publish it now
        return prepared.written(row)
