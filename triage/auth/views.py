"""Login, logout and "who am I" for the API (pages use the same session)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from triage.auth import audit, ratelimit, service
from triage.auth.deps import SESSION_COOKIE, PrincipalDep, check_origin, client_ip
from triage.auth.service import ANONYMOUS
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import TooManyAttempts, Unauthorized
from triage.settings import get_settings

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    username: str
    role: str
    role_name: str
    agency_code: str | None
    csrf_token: str | None = None


def login_user(db: Session, request: Request, response: Response, body: LoginIn) -> Me:
    """Shared by the API and the login page: rate-limited, audited, same answer for an
    unknown user and a wrong password."""
    ip = client_ip(request) or "?"
    wait = max(ratelimit.LOGIN.blocked_for(body.username, ip),
               ratelimit.LOGIN_ADDRESS.blocked_for(ip))
    if wait:
        raise TooManyAttempts(
            f"Đăng nhập sai quá nhiều lần, vui lòng thử lại sau {math.ceil(wait)} giây.",
            retry_after=math.ceil(wait))
    user = service.authenticate(db, body.username, body.password)
    if user is None:
        ratelimit.LOGIN.fail(body.username, ip)
        ratelimit.LOGIN_ADDRESS.fail(ip)
        audit.record_apart(ANONYMOUS, "login_failed", source_ip=ip,
                           data={"username": body.username[:80]})
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", code="login_failed")
    ratelimit.LOGIN.reset(body.username, ip)
    plain, web = service.open_session(db, user, utcnow())
    principal = service.principal_of(user, "session", web)
    audit.record(db, principal, "login", source_ip=ip)
    response.set_cookie(SESSION_COOKIE, plain, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/",
                        max_age=service.SESSION_HOURS * 3600)
    return Me(username=user.username, role=user.role, role_name=service.ROLES[user.role],
              agency_code=user.agency_code, csrf_token=web.csrf_token)


@router.post("/login", response_model=Me)
def login(body: LoginIn, request: Request, response: Response, db: SessionDep) -> Me:
    check_origin(request)
    return login_user(db, request, response, body)


@router.post("/logout", status_code=204)
def logout(principal: PrincipalDep, response: Response, db: SessionDep) -> Response:
    if principal.session_id is not None:
        service.close_session(db, principal.session_id, utcnow())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(principal: PrincipalDep) -> Me:
    if principal.is_anonymous:
        raise Unauthorized("Chưa đăng nhập.")
    return Me(username=principal.username, role=principal.role,
              role_name=service.ROLES[principal.role], agency_code=principal.agency_code,
              csrf_token=principal.csrf_token)
