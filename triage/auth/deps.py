"""Authentication at the edge: bearer tokens for integrations, server-side sessions (with a
CSRF token) for pages. Tokens in URLs are refused."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from triage.auth import service
from triage.auth.service import ANONYMOUS, Principal
from triage.db import utcnow
from triage.deps import db_session
from triage.errors import Forbidden, Unauthorized

SESSION_COOKIE = "triage_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
URL_SECRETS = ("access_token", "token", "api_key", "apikey", "session")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Tiêu đề Authorization phải có dạng «Bearer <mã truy cập>».",
                           code="invalid_token")
    return value.strip()


def check_origin(request: Request) -> None:
    """Refuse cross-site state changes made with a session cookie."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("Yêu cầu từ trang web khác bị từ chối.", code="csrf_failed")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise Forbidden("Yêu cầu từ trang web khác bị từ chối.", code="csrf_failed")


def check_csrf(principal: Principal, supplied: str | None) -> None:
    expected = principal.csrf_token or ""
    if not supplied or not expected or not hmac.compare_digest(supplied, expected):
        raise Forbidden("Mã chống giả mạo (CSRF) không hợp lệ, vui lòng tải lại trang.",
                        code="csrf_failed")


def refuse_url_secrets(request: Request) -> None:
    if any(name in request.query_params for name in URL_SECRETS):
        raise Unauthorized("Không được gửi mã truy cập trong địa chỉ URL.", code="token_in_url")


def token_holder(principal: Principal | None) -> Principal:
    """The principal a bearer token names; no one (None) is refused."""
    if principal is None:
        raise Unauthorized("Mã truy cập không hợp lệ hoặc đã bị thu hồi.", code="invalid_token")
    return principal


def get_principal(request: Request, db: Annotated[Session, Depends(db_session)]) -> Principal:
    refuse_url_secrets(request)
    now = utcnow()
    token = bearer_token(request)
    if token is not None:
        return token_holder(service.principal_for_token(db, token))
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = service.session_user(db, cookie, now)
        if found is not None:
            user, web = found
            principal = service.principal_of(user, "session", web)
            if request.method in UNSAFE and request.url.path.startswith("/api/"):
                check_origin(request)
                check_csrf(principal, request.headers.get(CSRF_HEADER))
            return principal
    return ANONYMOUS


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
