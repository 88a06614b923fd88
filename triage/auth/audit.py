"""The audit log: one row per personal-data read, reveal, export, change, login and denial."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from triage.auth.models import AuditEntry
from triage.auth.service import Principal
from triage.db import session_scope, utcnow


def record(
    db: Session, principal: Principal, action: str, *, ticket_id: int | None = None,
    source_ip: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    db.add(AuditEntry(at=utcnow(), actor=principal.username, role=principal.role,
                      agency_code=principal.agency_code, action=action, ticket_id=ticket_id,
                      source_ip=source_ip, data=data or {}))


def record_apart(
    principal: Principal, action: str, *, ticket_id: int | None = None,
    source_ip: str | None = None, data: dict[str, Any] | None = None,
) -> None:
    """Record in a transaction of its own: a refusal (a failed login, a denied ticket)
    stays in the log although the request that was refused rolls back."""
    with session_scope() as db:
        record(db, principal, action, ticket_id=ticket_id, source_ip=source_ip, data=data)
