"""Request validation in Vietnamese: each pydantic error becomes a field, a stable code and
a message for people. The API's error handler, the web pages, bulk import, Open311 and
the CLI all describe invalid input through here."""

from __future__ import annotations

from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

from triage.sanitize import UnsafeText

# Error types pydantic itself raises; anything else is a PydanticCustomError of ours whose
# type is already a stable code and whose message is already Vietnamese.
BUILTIN_ERRORS = frozenset(get_args(ErrorType))

FIELD_NAMES = {
    "text": "nội dung",
    "channel": "kênh tiếp nhận",
    "caller": "người phản ánh",
    "name": "họ tên",
    "phone": "số điện thoại",
    "address": "địa chỉ",
    "received_at": "thời điểm tiếp nhận",
}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def describe(error: dict[str, Any]) -> dict[str, str]:
    """Map one pydantic error to (field, code, Vietnamese message)."""
    kind = error.get("type", "")
    field = _field(tuple(error.get("loc", ())))
    label = FIELD_NAMES.get(field.split(".")[-1], field or "dữ liệu")
    ctx_error = (error.get("ctx") or {}).get("error")
    if kind == "json_invalid":
        return {"field": "", "code": "malformed_json",
                "message": "Dữ liệu JSON không đúng cú pháp."}
    if isinstance(ctx_error, UnsafeText):
        return {"field": field, "code": ctx_error.code, "message": ctx_error.message}
    if kind and kind not in BUILTIN_ERRORS:
        return {"field": field, "code": kind, "message": str(error.get("msg", ""))}
    if isinstance(ctx_error, ValueError) and str(ctx_error) == "invalid_phone":
        return {"field": field, "code": "invalid_phone",
                "message": "Số điện thoại không hợp lệ (cần số điện thoại Việt Nam)."}
    table = {
        "missing": ("missing_field", f"Thiếu trường bắt buộc: {label}."),
        "extra_forbidden": ("unknown_field", f"Trường không được hỗ trợ: {field}."),
        "literal_error": ("invalid_channel" if field == "channel" else "invalid_choice",
                          f"Giá trị của {label} không hợp lệ."),
        "string_too_long": ("too_long", f"Giá trị của {label} quá dài."),
        "string_type": ("invalid_type", f"{label.capitalize()} phải là chuỗi ký tự."),
        "datetime_from_date_parsing": ("invalid_datetime",
                                       f"{label.capitalize()} không đúng định dạng thời gian."),
        "datetime_parsing": ("invalid_datetime",
                             f"{label.capitalize()} không đúng định dạng thời gian."),
        "datetime_type": ("invalid_datetime",
                          f"{label.capitalize()} không đúng định dạng thời gian."),
        "model_attributes_type": ("invalid_type", f"{label.capitalize()} phải là một đối tượng."),
        "dict_type": ("invalid_type", f"{label.capitalize()} phải là một đối tượng."),
    }
    code, message = table.get(kind, ("invalid_value", f"Giá trị của {label} không hợp lệ."))
    return {"field": field, "code": code, "message": message}
