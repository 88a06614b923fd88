"""Which agency held a ticket, and until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
