"""Request and response shapes of the operators' review API (unknown fields refused)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def _codes_of(allowed: Iterable[str], error: str, what: str
              ) -> Callable[[list[str] | None], list[str] | None]:
    """A validator of a list of codes from ``allowed``: sorted, each once; an unknown one
    is refused with the allowed codes (``what``: the codes' name in the message)."""
    known = tuple(allowed)

    def check(value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [v for v in value if v not in known]
        if unknown:
            raise PydanticCustomError(error, "{what} không có trong danh mục: {unknown}; "
                                      "các mã: {allowed}.",
                                      {"what": what, "unknown": ", ".join(unknown),
                                       "allowed": ", ".join(known)})
        return sorted(set(value))

    return check


check_flags = _codes_of(FLAGS, "unknown_flag", "Dấu hiệu")
check_kinds = _codes_of(CONDUCT_KINDS, "unknown_kind", "Loại hành vi")


def clean_note(value: str | None) -> str | None:
    if value is None:
        return None
    return clean_text(value) or None


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
