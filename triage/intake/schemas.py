"""What the intake API accepts (pydantic v2, unknown fields refused) and what an import
answers; a ticket's own shape is in triage.tickets.schemas."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from triage.sanitize import OPTIONAL_TEXT_PATTERN, TEXT_PATTERN, clean_text
from triage.settings import get_settings
from triage.tickets.phones import InvalidPhone, canonical_phone

Channel = Literal["phone", "zalo", "web", "email", "sms", "walk-in"]


# What the API description promises for a phone number: the usual national and
# international forms of a Vietnamese number with a prefix that is always valid. Other
# renderings (spaces, dots, full-width digits, ZWSP) are accepted too and canonicalised.
PHONE_PATTERN = r"^\s*(?:(?:\+84|0)(?:3\d|5[1689]|7[06-9]|8[1-8]|9[0-8])\d{7}\s*)?$"


EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise PydanticCustomError("invalid_datetime", "Thời điểm phải viết theo ISO 8601.")
    return value


def _text_schema(schema: dict[str, Any]) -> None:
    schema["pattern"] = TEXT_PATTERN
    schema["maxLength"] = get_settings().max_text_chars  # counted after NFC


class CallerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200,
                             json_schema_extra={"pattern": OPTIONAL_TEXT_PATTERN})
    phone: str | None = Field(None, max_length=40, json_schema_extra={"pattern": PHONE_PATTERN})
    address: str | None = Field(None, max_length=500,
                                json_schema_extra={"pattern": OPTIONAL_TEXT_PATTERN})
    # Optional: the satisfaction survey after the answer is also e-mailed there.
    email: str | None = Field(None, max_length=320,
                              json_schema_extra={"pattern": EMAIL_PATTERN})

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.fullmatch(EMAIL_PATTERN, value):
            raise PydanticCustomError("invalid_email", "Địa chỉ e-mail không hợp lệ.")
        return value

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
            number = canonical_phone(value)
        except InvalidPhone:
            raise ValueError("invalid_phone") from None
        if not number.startswith("+84"):  # as the message says: a Vietnamese number
            raise ValueError("invalid_phone")
        return number


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(json_schema_extra=_text_schema)
    channel: Channel
    caller: CallerIn | None = None
    received_at: datetime | None = None

    @field_validator("received_at", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        """An ISO 8601 time, as documented; pydantic would read a number as Unix time."""
        return not_a_number(value)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        """Checked after normalisation, so the limit counts NFC code points and a text of
        only invisible characters is empty; the error names the field (B2, B3)."""
        value = clean_text(value)
        if not value:
            raise PydanticCustomError("empty_text", "Nội dung phản ánh không được để trống.")
        limit = get_settings().max_text_chars
        if len(value) > limit:
            raise PydanticCustomError(
                "text_too_long", "Nội dung phản ánh dài quá giới hạn: tối đa {limit} ký tự.",
                {"limit": f"{limit:,}".replace(",", ".")})
        return value


class ImportRowError(BaseModel):
    row: int
    code: str
    message: str


class ImportResult(BaseModel):
    created: list[str]
    errors: list[ImportRowError]
