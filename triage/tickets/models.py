"""The ticket core: tickets, their callers (personal data kept apart), the per-ticket history
and the counters behind ticket codes. Every area reads these; they depend on no area."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.db import Base, utcnow


class Caller(Base):
    """Personal data of the person who called; only some roles may read it."""

    __tablename__ = "callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(String(500))
    # Where the answer's satisfaction survey may be e-mailed (triage.survey); optional.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeCounter(Base):
    """Per-month sequence behind the human ticket codes (1022-202611-00042)."""

    __tablename__ = "code_counters"

    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_agency_status", "agency_code", "status"),
        Index("ix_tickets_received_at", "received_at"),
        # The dashboard: answers per day, and the open backlog per agency (index only).
        Index("ix_tickets_resolved_at", "resolved_at"),
        Index("ix_tickets_backlog", "status", "agency_code", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    # When the service counts the ticket from (deadline, reports); the time its submitter
    # declared, when one did, is kept apart (triage.intake.service.resolve_received_at).
    received_at: Mapped[datetime]
    declared_at: Mapped[datetime | None]
    text: Mapped[str] = mapped_column(Text)
    normalized_text: Mapped[str | None] = mapped_column(Text)
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"))
    status: Mapped[str] = mapped_column(String(32), default="received")
    review_reasons: Mapped[list[str]] = mapped_column(default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    topic: Mapped[str | None] = mapped_column(String(40), index=True)
    topic_confidence: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str | None] = mapped_column(String(64))
    labels_source: Mapped[str | None] = mapped_column(String(16))
    # khan | dong_nguoi | thuong (triage.classify.urgency); None: not read yet, ordinary.
    urgency: Mapped[str | None] = mapped_column(String(16))
    urgency_score: Mapped[float | None]
    urgency_reason: Mapped[str | None] = mapped_column(String(300))
    # A thai_do complaint's kinds, [{kind, score, cue}] (triage.classify.conduct); None:
    # not flagged thai_do, or not read yet.
    conduct_kinds: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    location: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ward_code: Mapped[str | None] = mapped_column(String(16))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    routing_rule: Mapped[str | None] = mapped_column(String(64))
    routing_reason: Mapped[str | None] = mapped_column(String(500))
    routed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    # The agency agreed that its answer, scrubbed of personal data, may be published
    # (Open311). Off unless it says so: answers are written to the caller.
    answer_public: Mapped[bool] = mapped_column(default=False, server_default=false())

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    caller: Mapped[Caller | None] = relationship()


def urgent_first() -> ColumnElement[int]:
    """Sort key putting urgent tickets still waiting for someone first (0), every other
    ticket after (1); queues order by it, then as before."""
    waiting = Ticket.status.not_in(("resolved", "closed"))
    return case((and_(Ticket.urgency == "khan", waiting), 0), else_=1)


class TicketEvent(Base):
    """Append-only history: who did what to a ticket, and when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
