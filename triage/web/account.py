"""Passwords: each user changes their own (the current one asked first), an admin resets
anyone's (audited); the rules are on the page before a password is typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from triage.auth import audit
from triage.auth import service as auth
from triage.auth.deps import PrincipalDep, client_ip
from triage.auth.models import User
from triage.auth.passwords import RULES
from triage.auth.service import Principal
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import DomainError, InvalidInput, NotFound
from triage.web.pages import FormPrincipal, PageRoute, redirect, require
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
EVERYONE = ("operator", "agency_staff", "supervisor", "admin")
Secret = Annotated[str, Form(max_length=300)]


def _page(request: Request, principal: Principal, error: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "password.html", principal, rules=RULES, error=error,
                  status_code=status_code)


@router.get("/mat-khau")
def password_form(request: Request, principal: PrincipalDep) -> Response:
    require(request, principal, *EVERYONE)
    return _page(request, principal)


@router.post("/mat-khau")
def change_password(request: Request, principal: FormPrincipal, session: SessionDep,
                    current: Secret = "", new: Secret = "", again: Secret = "") -> Response:
    require(request, principal, *EVERYONE)
    try:
        user = auth.authenticate(session, principal.username, current)
        if user is None:
            raise InvalidInput("Mật khẩu hiện tại không đúng.", code="wrong_password")
        if new != again:
            raise InvalidInput("Hai lần nhập mật khẩu mới không giống nhau.",
                               code="password_mismatch")
        auth.set_password(session, user, new, utcnow(), keep_session=principal.session_id)
    except DomainError as exc:
        return _page(request, principal, exc.message, exc.status_code)
    audit.record(session, principal, "user.password_change", source_ip=client_ip(request),
                 data={"user_id": user.id})
    return redirect("/mat-khau", "password_changed")


@router.post("/quan-tri/nguoi-dung/{user_id}/mat-khau")
def reset_password(user_id: int, request: Request, principal: FormPrincipal,
                   session: SessionDep, new: Secret = "") -> Response:
    """The admin gives a temporary password; the user's sessions end."""
    require(request, principal, "admin")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.", code="user_not_found")
    auth.set_password(session, user, new, utcnow())
    audit.record(session, principal, "user.password_reset", source_ip=client_ip(request),
                 data={"user_id": user.id, "username": user.username})
    return redirect("/quan-tri/nguoi-dung", "password_reset")
