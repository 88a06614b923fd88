"""A ticket as the API shows it (pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class CallerOut(BaseModel):
    name: str | None
    phone: str | None
    address: str | None


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    data: dict[str, Any]


class UrgencyOut(BaseModel):
    level: str  # khan | dong_nguoi | thuong
    score: float | None
    reason: str | None


class SatisfactionOut(BaseModel):
    """The citizen's judgement of the latest answer (triage.survey): no reason, no caller."""

    status: str  # sent | answered | expired
    satisfied: bool | None
    answered_at: datetime | None


class ConductKindOut(BaseModel):
    kind: str  # thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem
    score: float
    cue: str


class TicketOut(BaseModel):
    code: str
    status: str
    status_name: str
    channel: str
    received_at: datetime
    # The time the submitter declared, if one did (staff views only); `received_at` is the
    # one the deadline counts from.
    declared_at: datetime | None = None
    text: str | None
    topic: str | None
    topic_name: str | None
    topic_confidence: float | None
    flags: list[str]
    model_version: str | None
    # How urgent the complaint was read to be; None for tickets not read yet.
    urgency: UrgencyOut | None = None
    # What kind of conduct a thai_do complaint reports ({kind, score, cue}); empty otherwise.
    conduct_kinds: list[ConductKindOut] = []
    # The case the ticket is a report of (triage.cases), how many reports it has and how
    # often it was re-raised; None, 1 and 0 for a report on its own.
    case_code: str | None = None
    report_count: int = 1
    reraised: int = 0
    review_reasons: list[str]
    location: dict[str, Any]
    agency_code: str | None
    routing_rule: str | None
    routing_reason: str | None
    due_at: datetime | None
    resolved_at: datetime | None
    answer: str | None
    created_at: datetime
    updated_at: datetime
    caller: CallerOut | None = None
    events: list[EventOut] | None = None
    # The satisfaction survey of the latest answer, in staff views; None: no survey.
    satisfaction: SatisfactionOut | None = None


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    per_page: int
