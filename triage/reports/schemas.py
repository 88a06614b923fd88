"""API shapes of the reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ReportFile(BaseModel):
    format: str
    size: int
    sha256: str
    url: str


class ReportOut(BaseModel):
    id: int
    period: str
    agency_code: str | None
    agency_name: str | None
    status: str
    generated_at: datetime | None
    sent_at: datetime | None
    delivery: str | None
    files: list[ReportFile]


class GenerateIn(BaseModel):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-10"])
    agency_code: str | None = Field(None, max_length=64)
    force: bool = False


class RankingRow(BaseModel):
    """One agency in the month's ranking: the score is the lower bound of the Wilson
    interval of its on-time rate; rank is null (rank_label "Chưa đủ số phiếu để xếp
    hạng") below the minimum number of assignments due."""

    agency_code: str
    agency_name: str
    due: int
    on_time: int
    late: int
    rate: float | None
    score: float | None
    rank: int | None
    rank_label: str
    # The agency's satisfaction surveys of the month (triage.survey.figures).
    surveys_sent: int = 0
    response_rate: float | None = None
    satisfaction_rate: float | None = None


class Dashboard(BaseModel):
    period: str
    agency_code: str | None
    topic: str | None
    counts: dict[str, Any]
    on_time: dict[str, Any]
    trend: list[dict[str, Any]]
    backlog: list[dict[str, Any]]
    ranking: list[RankingRow]
    ranking_min_due: int
    # Response and satisfaction rates: {total, by_agency, by_topic} (triage.survey.figures).
    satisfaction: dict[str, Any] | None = None
