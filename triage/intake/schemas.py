"""Request and response shapes of the intake API (pydantic v2, unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.intake.phones import InvalidPhone, canonical_phone
from triage.intake.sanitize import clean_text

Channel = Literal["phone", "zalo", "web", "email", "sms", "walk-in"]


class CallerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=500)

    @field_validator("name", "address")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return clean_text(value) or None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return canonical_phone(value)
        except InvalidPhone:
            raise ValueError("invalid_phone") from None


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    channel: Channel
    caller: CallerIn | None = None
    received_at: datetime | None = None

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)


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


class TicketOut(BaseModel):
    code: str
    status: str
    status_name: str
    channel: str
    received_at: datetime
    text: str | None
    topic: str | None
    topic_name: str | None
    topic_confidence: float | None
    flags: list[str]
    model_version: str | None
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


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    per_page: int


class ImportRowError(BaseModel):
    row: int
    code: str
    message: str


class ImportResult(BaseModel):
    created: list[str]
    errors: list[ImportRowError]
