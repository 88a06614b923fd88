"""Bulk loading for demo data: COPY on PostgreSQL, executemany on SQLite.

Ids are allocated here (from the current maxima) so that tickets, callers, assignments and
events can refer to each other before anything is written; PostgreSQL sequences are moved
past them at the end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from triage.routing.models import Assignment
from triage.tickets.models import Caller, Ticket, TicketEvent

TABLES: tuple[Table, ...] = tuple(
    m.__table__ for m in (Caller, Ticket, Assignment, TicketEvent))  # type: ignore[misc]
JSON_COLUMNS = frozenset({"review_reasons", "flags", "scores", "location", "data"})


class BulkWriter:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        self.next_id = {t.name: int(session.scalar(select(func.max(t.c.id))) or 0) + 1
                        for t in TABLES}

    def new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def pending(self) -> int:
        return len(self.rows["tickets"])

    def flush(self) -> None:
        for table in TABLES:  # parents first
            rows = self.rows[table.name]
            if rows:
                if self.pg:
                    self._copy(table, rows)
                else:
                    self.session.execute(insert(table), rows)
                rows.clear()

    def _copy(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        columns = list(rows[0])
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns)))
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in JSON_COLUMNS
                                else row[c] for c in columns])

    def finish(self) -> None:
        self.flush()
        if self.pg:
            for table in TABLES:
                highest = select(func.coalesce(func.max(table.c.id), 1)).scalar_subquery()
                self.session.execute(select(func.setval(
                    func.pg_get_serial_sequence(table.name, "id"), highest)))
