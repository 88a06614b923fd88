"""Domain errors: each carries an HTTP status, a stable code for programs and a Vietnamese
message for people. One handler in triage.app renders them."""

from __future__ import annotations

from typing import Any

# What a client is told while the database cannot be reached (503 with Retry-After).
DATABASE_UNAVAILABLE = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu, vui lòng thử lại."


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class Gone(DomainError):
    """Something that existed and no longer may be used (an expired survey link)."""

    status_code = 410
    code = "gone"


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class TooManyAttempts(DomainError):
    """Too many failures from one address or account: answered 429 with Retry-After."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    status_code = 503
    code = "unavailable"
