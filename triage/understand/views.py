"""``POST /classify`` (mounted under /api/v1): the CLI's answer for one text, no ticket."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from triage.classify.model import ModelNotTrained
from triage.db import utcnow
from triage.deps import SessionDep
from triage.routing import overlay
from triage.settings import get_settings
from triage.understand.answer import result_for

router = APIRouter(tags=["classify"])


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="Nội dung phản ánh.")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("empty_text", "Nội dung phản ánh không được để trống.")
        limit = get_settings().max_text_chars
        if len(value) > limit:
            raise PydanticCustomError(
                "text_too_long", "Nội dung phản ánh dài quá {limit} ký tự.", {"limit": limit}
            )
        return value


@router.post("/classify")
def classify(body: ClassifyRequest, session: SessionDep) -> dict[str, Any]:
    """Lĩnh vực, dấu hiệu (trễ hạn, thái độ), độ tin cậy và lý do cần xem lại."""
    try:
        return result_for(body.text, router=overlay.router(session, utcnow()), session=session)
    except ModelNotTrained as exc:
        raise HTTPException(status_code=exc.status_code, detail=str(exc)) from exc
