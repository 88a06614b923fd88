"""Authentication at the edge: bearer tokens for integrations, server-side sessions (with a
CSRF token) for pages. Tokens in URLs are refused. And the ticket a request names, for the
API and the pages alike: shown only to whoever may see it, the refusal audited."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from triage.auth import audit, policy, service
from triage.auth.service import ANONYMOUS, Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import Forbidden, Unauthorized
from triage.tickets.models import Ticket
from triage.tickets.service import find_by_code, not_found

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


def get_principal(request: Request, db: SessionDep) -> Principal:
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
    """The client's address, the one place the login and lookup limits and the audit log
    read it: the peer of the connection or, when that peer is a proxy listed in
    TRIAGE_TRUSTED_PROXIES, the address it forwarded (resolved by uvicorn as `triage
    serve` configures it; see README, "Behind a reverse proxy")."""
    return request.client.host if request.client else None


def _refused(principal: Principal, request: Request, ticket: Ticket | None) -> None:
    audit.record_apart(principal, "denied", ticket_id=ticket.id if ticket else None,
                       source_ip=client_ip(request), data={"path": request.url.path})


def held_ticket(session: Session, principal: Principal, code: str, request: Request
                ) -> Ticket:
    """The ticket, locked, if the caller's agency holds it; else the same 404 as an
    unknown code, and the refusal kept in the audit log (the API's inbox and the agency's
    pages alike)."""
    ticket = find_by_code(session, code, lock=True)
    if ticket is None or not policy.holds_ticket(principal, ticket):
        _refused(principal, request, ticket)
        raise not_found(code)
    return ticket


def visible_ticket(session: Session, principal: Principal, code: str, request: Request
                   ) -> Ticket:
    """The ticket if `principal` may see it; otherwise the same 404 as an unknown code
    (refusing an existing ticket is kept in the audit log)."""
    ticket = find_by_code(session, code)
    if ticket is None or not policy.can_view(principal, ticket):
        if ticket is not None:
            _refused(principal, request, ticket)
        raise not_found(code)
    return ticket
