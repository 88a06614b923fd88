"""Surveys of the citizen after an answer, and the messages that carry their link.

One survey per answer (`round` counts the answers a ticket got), so that an answer given
again after a "chưa hài lòng" is asked about again. The link's token is never stored: only
its SHA-256 (`token_hash`), which is what an answer is matched on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, utcnow


class Survey(Base):
    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round"),
        Index("ix_surveys_agency_sent", "agency_code", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    # The agency whose answer is judged and the ticket's topic at the time: the figures
    # count them even if the ticket moves on.
    agency_code: Mapped[str | None] = mapped_column(String(64))
    topic: Mapped[str | None] = mapped_column(String(40))
    # A conduct or denunciation case (triage.auth.policy.is_confidential) when the answer
    # was given: left out of what the agency sees of its own figures.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    # What a "chưa hài lòng" did: reopened (to the agency), review (operators), none.
    outcome: Mapped[str | None] = mapped_column(String(16))


class SurveyMessage(Base):
    """One message carrying a survey's link, per channel; delivered with retries."""

    __tablename__ = "survey_messages"
    __table_args__ = (
        UniqueConstraint("survey_id", "channel"),
        Index("ix_survey_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email | zalo
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
