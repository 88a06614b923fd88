"""Rendering of every error the API can return: a stable code for programs and a
Vietnamese message for people. Never a stack trace, never a bare 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage.errors import DomainError
from triage.intake.sanitize import UnsafeText

log = logging.getLogger(__name__)

FIELD_NAMES = {
    "text": "nội dung",
    "channel": "kênh tiếp nhận",
    "caller": "người phản ánh",
    "name": "họ tên",
    "phone": "số điện thoại",
    "address": "địa chỉ",
    "received_at": "thời điểm tiếp nhận",
}

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Cần đăng nhập."),
    403: ("forbidden", "Không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Định dạng dữ liệu không được hỗ trợ."),
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


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [describe(dict(e)) for e in exc.errors()]
        first = details[0] if details else {"code": "invalid_input", "message": "Dữ liệu sai."}
        return JSONResponse(error_body(first["code"], first["message"], details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "Lỗi yêu cầu."))
        if isinstance(exc.detail, dict) and "code" in exc.detail:
            code, message = exc.detail["code"], exc.detail.get("message", message)
        return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return JSONResponse(
            error_body("database_unavailable",
                       "Hệ thống tạm thời không kết nối được cơ sở dữ liệu, vui lòng thử lại."),
            503, headers={"Retry-After": "2"},
        )

    @app.exception_handler(DBAPIError)
    async def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database error: %s", exc.orig)
        return JSONResponse(
            error_body("database_error", "Lỗi cơ sở dữ liệu, vui lòng thử lại."),
            503, headers={"Retry-After": "2"},
        )
