"""Request and response shapes of the citizen lookup."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

CODE = Field(min_length=1, max_length=32)
LAST4 = Field(pattern=r"^\d{4}$", description="Bốn chữ số cuối của số điện thoại đã gọi")


class LookupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = CODE
    phone_last4: str = LAST4


class LookupOut(BaseModel):
    code: str
    status: str
    status_name: str
    agency_name: str | None
    received_at: datetime
    routed_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    answer: str | None
