"""Shapes of the survey link's API (no login: the signed link is the only key)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.sanitize import OPTIONAL_TEXT_PATTERN, clean_text

QUESTION = "Ông/bà có hài lòng với kết quả giải quyết phản ánh không?"


class SurveyOut(BaseModel):
    """What the link opens: the ticket's public code, the answer being judged, the
    question. Nothing about the caller."""

    code: str
    question: str = QUESTION
    choices: dict[str, str] = {"true": "Hài lòng", "false": "Chưa hài lòng"}
    answer: str | None
    expires_at: datetime


class SurveyAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    satisfied: bool = Field(description="true: Hài lòng; false: Chưa hài lòng")
    reason: str | None = Field(None, max_length=1000,
                               json_schema_extra={"pattern": OPTIONAL_TEXT_PATTERN},
                               description="Lý do (không bắt buộc)")

    @field_validator("reason")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return clean_text(value) or None if value is not None else None


class SurveyAnsweredOut(BaseModel):
    status: str  # answered
    satisfied: bool
    # reopened: back to the agency; review: to the operators; none: nothing more.
    outcome: str | None
    message: str


class SurveyPromptOut(BaseModel):
    """On the lookup page: the survey of the latest answer, if the caller may still
    answer it (`url`), or how it was answered."""

    status: str
    url: str | None
    path: str | None  # the same page, on this site
    expires_at: datetime | None
    satisfied: bool | None
