"""Which agency held a ticket, and until when; the admins' changes to the routing data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base


class Assignment(Base):
    """Which agency held a ticket, from when, and with which deadline.

    A re-routed ticket keeps its earlier assignments, so that lateness is counted for the
    agency that held the ticket when the deadline passed."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_agency_assigned", "agency_code", "assigned_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    rule: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))
    acknowledged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(40))


class RoutingOverlay(Base):
    """One version of the admins' changes laid over the shipped routing data
    (triage.routing.changes): the province's days off and make-up days ("calendar") or
    changes to the routing rules ("rules"). A version holds the whole overlay of its
    kind; the one in force on a day is the latest version effective on or before it."""

    __tablename__ = "routing_overlays"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int]
    effective_from: Mapped[date]
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(500))  # what changed, in words
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    # Open tickets whose deadline was recomputed with this version, when the admin asked.
    recomputed: Mapped[int | None]
