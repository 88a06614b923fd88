"""One row per monthly report: the province-wide report and each agency's own section."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from triage.db import Base, utcnow
from triage.routing.models import Assignment

FORMATS = ("xlsx", "pdf", "csv")

# The report reads a month of assignments by deadline (late lists, on-time rates, trend);
# without this index each of those queries scans the whole assignment history.
ASSIGNMENTS_BY_DUE = Index("ix_assignments_due_at", Assignment.due_at)


class MonthlyReport(Base):
    """A report for `period` ("2026-10"); agency_code NULL is the province-wide report.

    Building and sending are claimed with conditional UPDATEs (status, send_claimed_at),
    so any number of workers and re-runs produce one set of files and one e-mail."""

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("period", "agency_code"),
        # NULLs are distinct in a UNIQUE constraint on both backends: this partial index
        # keeps the province-wide report (agency_code NULL) unique per period as well.
        Index("uq_monthly_reports_province", "period", unique=True,
              postgresql_where=text("agency_code IS NULL"),
              sqlite_where=text("agency_code IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None]
    generated_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    xlsx_path: Mapped[str | None] = mapped_column(String(300))
    xlsx_size: Mapped[int | None]
    xlsx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    pdf_size: Mapped[int | None]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    csv_path: Mapped[str | None] = mapped_column(String(300))
    csv_size: Mapped[int | None]
    csv_sha256: Mapped[str | None] = mapped_column(String(64))

    send_claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    recipient: Mapped[str | None] = mapped_column(String(200))
    delivery: Mapped[str | None] = mapped_column(String(16))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def file_info(self, fmt: str) -> tuple[str | None, int | None, str | None]:
        """(relative path, size, sha256) of one format."""
        return (getattr(self, f"{fmt}_path"), getattr(self, f"{fmt}_size"),
                getattr(self, f"{fmt}_sha256"))
