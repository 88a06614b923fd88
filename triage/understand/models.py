"""What understanding a complaint leaves behind: every classifier run, and every human
correction of the labels (kept as training examples)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, utcnow


class Classification(Base):
    """Every classifier run kept, so a new model version never erases earlier scores."""

    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("ticket_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(40))
    topic_confidence: Mapped[float]
    flags: Mapped[list[str]] = mapped_column(default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabelCorrection(Base):
    """A human correction of topic/flags/agency, kept as a labelled example for retraining."""

    __tablename__ = "label_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    source: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    old_topic: Mapped[str | None] = mapped_column(String(40))
    new_topic: Mapped[str | None] = mapped_column(String(40))
    old_flags: Mapped[list[str]] = mapped_column(default=list)
    new_flags: Mapped[list[str]] = mapped_column(default=list)
    old_agency: Mapped[str | None] = mapped_column(String(64))
    new_agency: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
