"""Pages mounted at `/`: login, logout and each role's home; the other pages live in
one module per audience and are gathered here into `router`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from triage.auth import service as auth_service
from triage.auth.deps import SESSION_COOKIE, PrincipalDep
from triage.auth.views import LoginIn, login_user
from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import DomainError
from triage.web import (
    account,
    admin,
    agency,
    cases,
    imports,
    model_admin,
    monthly,
    operator,
    public,
    routing_admin,
    supervisor,
    survey,
    tickets,
)
from triage.web.pages import (
    FormPrincipal,
    PageRoute,
    PublicForm,
    form_cookie_name,
    form_token,
    redirect,
    safe_next,
    set_form_cookie,
)
from triage.web.templating import NAV, home_of, render

pages = APIRouter(route_class=PageRoute, include_in_schema=False)


def login_form(request: Request, *, status_code: int = 200, error: str | None = None,
               username: str = "", next_path: str | None = None) -> Response:
    token, fresh = form_token(request)
    response = render(request, "login.html", None, status_code=status_code, error=error,
                      username=username, next_path=next_path or "", form_csrf=token)
    if fresh:
        set_form_cookie(response, token)
    return response


@pages.get("/dang-nhap")
def login_page(request: Request, principal: PrincipalDep, next: str | None = None
               ) -> Response:
    if not principal.is_anonymous:
        return RedirectResponse(safe_next(next) or home_of(principal.role), status_code=303)
    return login_form(request, next_path=safe_next(next))


@pages.post("/dang-nhap", dependencies=[PublicForm])
def login_submit(
    request: Request, db: SessionDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    next_path = safe_next(next)
    try:
        body = LoginIn(username=username.strip(), password=password)
    except ValidationError:
        return login_form(request, status_code=422, username=username, next_path=next_path,
                          error="Hãy nhập tên đăng nhập và mật khẩu.")
    response = RedirectResponse("/", status_code=303)
    try:
        me = login_user(db, request, response, body)
    except DomainError as exc:
        return login_form(request, status_code=exc.status_code, error=exc.message,
                          username=username, next_path=next_path)
    response.headers["location"] = next_path or home_of(me.role)
    response.delete_cookie(form_cookie_name(), path="/")
    return response


@pages.post("/dang-xuat")
def logout(principal: FormPrincipal, db: SessionDep) -> Response:
    if principal.session_id is not None:
        auth_service.close_session(db, principal.session_id, utcnow())
    response = redirect("/dang-nhap", "logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("/")
def home(request: Request, principal: PrincipalDep) -> Response:
    if principal.is_anonymous:
        return RedirectResponse("/dang-nhap", status_code=303)
    if principal.role in NAV:
        return RedirectResponse(home_of(principal.role), status_code=303)
    request.state.principal = principal
    return render(request, "home.html", principal)


router = APIRouter(include_in_schema=False)
router.include_router(pages)
router.include_router(operator.api)
for module in (operator, tickets, agency, supervisor, monthly, admin, routing_admin,
               model_admin, imports, public, survey, account, cases):
    router.include_router(module.router)
