"""Rendering of every error the API can return: a stable code for programs and a
Vietnamese message for people. Never a stack trace, never a bare 500 for bad input."""

from __future__ import annotations

import logging
import re
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from triage.errors import DATABASE_UNAVAILABLE, DomainError, TooManyAttempts
from triage.validation import describe

log = logging.getLogger(__name__)
# A 503 tells the client when to try again (an outage is expected to pass).
RETRY_AFTER = {"Retry-After": "2"}

HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Cần đăng nhập."),
    403: ("forbidden", "Không có quyền thực hiện thao tác này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Định dạng dữ liệu không được hỗ trợ."),
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


# What any operation may answer with the error body: documented on every operation so
# that the OpenAPI description matches the error contract (schemathesis, E5).
ERROR_RESPONSES = {
    "400": "Yêu cầu không hợp lệ.",
    "401": "Cần đăng nhập, hoặc mã truy cập không hợp lệ.",
    "403": "Không có quyền.",
    "404": "Không tìm thấy.",
    "409": "Xung đột trạng thái hoặc khóa Idempotency-Key đã dùng cho nội dung khác.",
    "413": "Dữ liệu gửi lên quá lớn.",
    "422": "Dữ liệu không hợp lệ.",
    "429": "Quá nhiều yêu cầu.",
    "500": "Lỗi hệ thống.",
    "503": "Tạm thời không phục vụ được (cơ sở dữ liệu không sẵn sàng).",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {}},
    }},
}


# The GeoReport v2 (Open311) endpoints answer their own errors in that standard's shape.
OPEN311_PREFIX = "/api/v1/open311/"
OPEN311_ERRORS = {
    "type": "array",
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
}


# The XML routes answer their own errors in XML (<errors><error>...</error></errors>);
# what the rest of the API refuses (a bad token, a body too large) stays JSON.
OPEN311_XML_ERRORS = ("400", "403", "404", "429")


# Errors only some operations can give: 400, 413 need a body (Open311 answers a bad query
# parameter with 400 too, as GeoReport v2 says); 409 (a state or an Idempotency-Key in
# conflict) comes from a change, never from a read; 429 only from the rate-limited doors.
RATE_LIMITED = ("/api/v1/auth/login", "/api/v1/lookup")
# Reads that take a code without login count their misses against the asker (lookup/guard).
CODE_READS = ("/api/v1/complaints/{code}", "/api/v1/open311/v2/requests")


def can_return(status: str, method: str, path: str, operation: dict[str, Any]) -> bool:
    if status == "400" and path.startswith(OPEN311_PREFIX):
        return True
    if status in ("400", "413"):
        return "requestBody" in operation
    if status == "409":
        return method != "get"
    if status == "429":
        return path.startswith(RATE_LIMITED) or "429" in operation["responses"] \
            or (method == "get" and path.startswith(CODE_READS))
    return True


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Give each operation the error responses it can produce, with the real body shape
    (FastAPI documents its own 422 shape, which this API never sends), and declare the
    bearer token so that the Authorize button and generated clients send it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ERROR_SCHEMA
    schema["components"]["securitySchemes"] = {"bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "Mã truy cập do `triage tokens issue` cấp (hoặc phiên đăng nhập "
                       "bằng cookie của bảng điều khiển)."}}
    components["Open311Errors"] = OPEN311_ERRORS
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        ref: dict[str, Any] = {"$ref": "#/components/schemas/ErrorBody"}
        if path.startswith(OPEN311_PREFIX):
            ref = {"anyOf": [ref, {"$ref": "#/components/schemas/Open311Errors"}]}
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            operation.setdefault("security", [{"bearerAuth": []}, {}])
            for status, description in ERROR_RESPONSES.items():
                if not can_return(status, method, path, operation):
                    continue
                entry = responses.setdefault(status, {"description": description})
                if status == "422" or "content" not in entry:
                    entry["content"] = {"application/json": {"schema": ref}}
                if path.startswith(OPEN311_PREFIX) and path.endswith(".xml") \
                        and status in OPEN311_XML_ERRORS:
                    entry["content"]["application/xml"] = {"schema": {"type": "string"}}
    return schema


HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI description lists for the path (FastAPI registers one
    route per method, so Starlette's own Allow header names only one of them)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations if m in HTTP_METHODS}
    return ", ".join(sorted(methods)) or None


def _unavailable() -> JSONResponse:
    return JSONResponse(error_body("database_unavailable", DATABASE_UNAVAILABLE), 503,
                        headers=RETRY_AFTER)


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document_errors(build())
        assert app.openapi_schema is not None
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = RETRY_AFTER if exc.status_code == 503 else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [describe(dict(e)) for e in exc.errors()]
        first = details[0] if details else {"code": "invalid_input", "message": "Dữ liệu sai."}
        return JSONResponse(error_body(first["code"], first["message"], details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = HTTP_MESSAGES.get(exc.status_code, ("http_error", "Lỗi yêu cầu."))
        if isinstance(exc.detail, dict) and "code" in exc.detail:
            code, message = exc.detail["code"], exc.detail.get("message", message)
        headers = dict(exc.headers or {})
        allowed = _allowed_methods(request) if exc.status_code == 405 else None
        if allowed:
            headers["Allow"] = allowed
        return JSONResponse(error_body(code, message), exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return _unavailable()

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        # Every connection of the process's pool stayed busy for the pool's whole wait:
        # an overload (or an outage holding connections), which passes; not a bug.
        log.warning("database pool exhausted: %s", exc)
        return _unavailable()

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # The server logs the traceback; the client learns nothing about the internals.
        return JSONResponse(
            error_body("internal_error", "Lỗi hệ thống, vui lòng thử lại sau."), 500)

    @app.exception_handler(DataError)
    @app.exception_handler(psycopg.DataError)  # the event-loop intake path (no SQLAlchemy)
    async def _bad_data(_: Request, exc: DataError | psycopg.DataError) -> JSONResponse:
        # The database refused a value the request carried (a NUL in a query parameter,
        # a number out of range): the client's input, not an outage.
        orig = exc.orig if isinstance(exc, DataError) else exc
        log.warning("database refused a value: %s", type(orig).__name__)
        return JSONResponse(
            error_body("invalid_value", "Dữ liệu gửi lên chứa giá trị không hợp lệ.",
                       [{"field": "", "code": "invalid_value",
                         "message": "Dữ liệu gửi lên chứa giá trị không hợp lệ."}]), 422)

    @app.exception_handler(DBAPIError)
    async def _db_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, InterfaceError) or exc.connection_invalidated:
            # The connection broke: an outage, worth retrying.
            log.warning("database connection lost: %s", exc.orig)
            return _unavailable()
        if isinstance(exc, IntegrityError):
            # A concurrent change won the race (the request itself was valid).
            log.warning("database refused a write: %s", type(exc.orig).__name__)
            return JSONResponse(
                error_body("conflict", "Dữ liệu vừa được thay đổi bởi yêu cầu khác, vui lòng "
                                       "tải lại và thử lại."), 409)
        # A statement the database rejects is a bug: retrying cannot help, so no 503 and no
        # Retry-After, and the traceback goes to the log.
        log.error("database error: %s", exc.orig, exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "Lỗi hệ thống, vui lòng thử lại sau."), 500)
