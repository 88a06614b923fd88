"""Request and response shapes of the citizen lookup and the anonymous ticket view."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from triage.survey.schemas import SurveyPromptOut

CODE = Field(min_length=1, max_length=32)
LAST4 = Field(pattern=r"^\d{4}$", description="Bốn chữ số cuối của số điện thoại đã gọi")


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = CODE
    phone_last4: str = LAST4


class ProgressOut(BaseModel):
    """What anyone holding a ticket's full code may see: its progress. No text, caller,
    topic or flags; no agency for a conduct or denunciation case (which commune's
    officials were complained about is the sensitive part)."""

    code: str
    status: str
    status_name: str
    agency_name: str | None
    received_at: datetime
    routed_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None


class LookupOut(ProgressOut):
    """Progress and, once given, the answer: for the caller, who also knows the phone."""

    answer: str | None
    # Once answered: the satisfaction survey (Hài lòng / Chưa hài lòng), for the caller only.
    survey: SurveyPromptOut | None = None
