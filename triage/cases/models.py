"""Cases: several reports of one event, answered once. A case is made when a second
report is linked to a first (the first stays its primary: its agency and deadline hold
for the case); a ticket alone is a case of one and has no row here.

`case_keys` is the repeat index: what the lookup reads of each routed ticket (its place,
topic and the folded words of its normalised text), so that candidates are found through
one small index and scored without normalising their text again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    primary_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    ward_code: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    # Times a report came after the case was answered (tái phản ánh).
    reraised: Mapped[int] = mapped_column(Integer, default=0)
    # The case this one follows up (TRIAGE_CASE_RERAISE_MODE=follow_up).
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    escalated_at: Mapped[datetime | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseReport(Base):
    """A ticket's membership of a case: one case per ticket at most."""

    __tablename__ = "case_reports"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    how: Mapped[str] = mapped_column(String(16))  # primary | auto | operator | reraised
    score: Mapped[float | None]
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(120))


class CaseKey(Base):
    """The repeat index: one row per ticket the lookup may find."""

    __tablename__ = "case_keys"
    __table_args__ = (Index("ix_case_keys_place", "ward_code", "topic", "received_at"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    ward_code: Mapped[str | None] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(40))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    received_at: Mapped[datetime]
    words: Mapped[str] = mapped_column(Text)  # folded content words, sorted, unique
    # The reader that wrote `words` (triage.cases.service.reader_version): a row written
    # by an older problem list or scorer is read again by the hourly refresh.
    reader: Mapped[str | None] = mapped_column(String(16))


class CaseProblem(Base):
    """The problems a ticket of the repeat index names ("#ngap"), by ward: the way in for
    a report of the same event filed under another topic."""

    __tablename__ = "case_problems"

    ward_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    problem: Mapped[str] = mapped_column(String(40), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True,
                                           index=True)


class LinkCorrection(Base):
    """An operator's link or unlink, with the score the lookup gave: the data for tuning
    TRIAGE_CASE_LINK_THRESHOLD (a link below it, an unlink above it, is a miss)."""

    __tablename__ = "case_link_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    action: Mapped[str] = mapped_column(String(8))  # link | unlink
    score: Mapped[float | None]
    was_automatic: Mapped[bool] = mapped_column(default=False)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)
