"""Request and response shapes of the operators' review API (unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from triage.classify.corpus import CONDUCT_KINDS
from triage.sanitize import clean_text
from triage.taxonomy import FLAGS, TOPICS


def check_topic(value: str | None) -> str | None:
    if value is not None and value not in TOPICS:
        raise PydanticCustomError("unknown_topic", "Lĩnh vực «{value}» không có trong danh "
                                  "mục; các mã lĩnh vực: {allowed}.",
                                  {"value": value, "allowed": ", ".join(TOPICS)})
    return value


def check_flags(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = [f for f in value if f not in FLAGS]
    if unknown:
        raise PydanticCustomError("unknown_flag", "Dấu hiệu không có trong danh mục: "
                                  "{unknown}; các mã dấu hiệu: {allowed}.",
                                  {"unknown": ", ".join(unknown), "allowed": ", ".join(FLAGS)})
    return sorted(set(value))


def clean_note(value: str | None) -> str | None:
    if value is None:
        return None
    return clean_text(value) or None


def check_kinds(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    unknown = [k for k in value if k not in CONDUCT_KINDS]
    if unknown:
        raise PydanticCustomError("unknown_kind", "Loại hành vi không có trong danh mục: "
                                  "{unknown}; các loại: {allowed}.",
                                  {"unknown": ", ".join(unknown),
                                   "allowed": ", ".join(CONDUCT_KINDS)})
    return sorted(set(value))


Topic = Annotated[str | None, Field(max_length=40), AfterValidator(check_topic)]
Flags = Annotated[list[str] | None, Field(max_length=10), AfterValidator(check_flags)]
Kinds = Annotated[list[str] | None, Field(max_length=4), AfterValidator(check_kinds)]
Note = Annotated[str | None, Field(max_length=1000), AfterValidator(clean_note)]


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note = None


class RouteIn(BaseModel):
    """Topic and flags left out are kept; an agency left out is chosen by the rules."""

    model_config = ConfigDict(extra="forbid")

    topic: Topic = None
    flags: Flags = None
    agency_code: str | None = Field(None, max_length=64)
    # The kinds of a thai_do complaint (left out: kept, or read when thai_do is new).
    conduct_kinds: Kinds = None
    note: Note = None


class ConductKindsIn(BaseModel):
    """The kinds of conduct a thai_do complaint reports, as a person reads it."""

    model_config = ConfigDict(extra="forbid")

    kinds: Annotated[list[str], Field(min_length=1, max_length=4),
                     AfterValidator(check_kinds)]
    note: Note = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)
    topic: Topic = None
    flags: Flags = None

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        cleaned = clean_text(value)
        if not cleaned:
            raise ValueError("Cần ghi rõ lý do đóng phiếu.")
        return cleaned


class Suggestion(BaseModel):
    agency_code: str | None
    agency_name: str | None
    rule: str | None
    reason: str | None


class ReviewItem(BaseModel):
    code: str
    status: str
    status_name: str
    channel: str
    received_at: datetime
    text: str
    topic: str | None
    topic_name: str | None
    topic_confidence: float | None
    flags: list[str]
    review_reasons: list[str]
    location: dict[str, Any]
    suggestion: Suggestion
    agency_code: str | None
    agency_name: str | None
    reassign_reason: str | None
    due_at: datetime | None


class ReviewPage(BaseModel):
    items: list[ReviewItem]
    total: int
    page: int
    per_page: int
