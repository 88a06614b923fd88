"""The pipeline's own records: each task execution, and each step done for a ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, utcnow


class TaskRun(Base):
    """One row per task execution; duplicates are a metric, never a failure."""

    __tablename__ = "task_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(80))
    ticket_id: Mapped[int | None] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(40), default="started")


class PipelineStep(Base):
    """Exactly-once effects: a step is recorded once per ticket, under a unique constraint."""

    __tablename__ = "pipeline_steps"
    __table_args__ = (UniqueConstraint("ticket_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    step: Mapped[str] = mapped_column(String(40))
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
