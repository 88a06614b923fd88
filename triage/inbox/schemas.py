"""Request shapes of the agency inbox: unknown fields are refused, so that staff can
change nothing but what each action is for."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from triage.review.schemas import Flags, Note, Topic
from triage.sanitize import clean_text
from triage.tickets.schemas import TicketOut


def _required_text(value: str) -> str:
    cleaned = clean_text(value)
    if not cleaned:
        raise ValueError("Nội dung không được để trống.")
    return cleaned


Text = Annotated[str, AfterValidator(_required_text)]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[Text, Field(min_length=1, max_length=4000)]


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Annotated[Text, Field(min_length=1, max_length=10_000)]
    public: bool = Field(False, description=(
        "Cho phép công khai nội dung trả lời trên Open311, sau khi đã che họ tên, địa chỉ, "
        "số điện thoại (không áp dụng cho phản ánh về thái độ công chức và tố cáo)."))


class ReassignIn(BaseModel):
    """Why the ticket is not ours; optionally which agency and labels would be right."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, Field(min_length=1, max_length=1000)]
    suggested_agency: str | None = Field(None, max_length=64)
    topic: Topic = None
    flags: Flags = None


class InboxPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    per_page: int
