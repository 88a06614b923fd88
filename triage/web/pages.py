"""Plumbing shared by the pages: HTML errors, who may open a page, CSRF on forms."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from triage.auth.deps import PrincipalDep, check_csrf, check_origin
from triage.auth.service import Principal
from triage.errors import DomainError, Forbidden
from triage.sanitize import UnsafeText
from triage.settings import get_settings
from triage.validation import describe
from triage.web.templating import render

# Forms shown before anyone is logged in (login, citizen lookup) use a double-submit
# token: a random cookie echoed in a hidden field, plus the Origin check. Behind HTTPS
# the cookie takes the __Host- prefix, so no subdomain can plant one.
FORM_COOKIE = "triage_form"


def form_cookie_name() -> str:
    return f"__Host-{FORM_COOKIE}" if get_settings().secure_cookies else FORM_COOKIE
HTTP_TEXT = {404: "Không tìm thấy trang.", 405: "Phương thức không được hỗ trợ.",
             413: "Dữ liệu gửi lên quá lớn."}


class LoginRequired(Exception):
    """A page needs a logged-in user: redirect to the login form."""


def error_page(request: Request, status: int, message: str) -> Response:
    principal = getattr(request.state, "principal", None)
    return render(request, "error.html", principal, status_code=status, status=status,
                  message=message)


class PageRoute(APIRoute):
    """Renders errors of page handlers as HTML pages instead of the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = quote(request.url.path, safe="/")
                return RedirectResponse(f"/dang-nhap?next={target}", status_code=303)
            except DomainError as exc:
                return error_page(request, exc.status_code, exc.message)
            except UnsafeText as exc:
                return error_page(request, 422, exc.message)
            except RequestValidationError as exc:
                first = describe(dict(exc.errors()[0])) if exc.errors() else None
                text = first["message"] if first else "Dữ liệu gửi lên không hợp lệ."
                return error_page(request, 422, text)
            except HTTPException as exc:
                return error_page(request, exc.status_code,
                                  HTTP_TEXT.get(exc.status_code, "Yêu cầu không hợp lệ."))

        return page_handler


def require(request: Request, principal: Principal, *roles: str) -> Principal:
    request.state.principal = principal
    if principal.is_anonymous:
        raise LoginRequired()
    if principal.role not in roles:
        raise Forbidden("Vai trò của bạn không được mở trang này.")
    return principal


async def form_principal(request: Request, principal: PrincipalDep) -> Principal:
    """The user behind a state-changing form: same-origin, with this session's token.

    Runs before the form's other fields are validated, so a forged request is refused
    with 403 whatever else it carries."""
    request.state.principal = principal
    check_origin(request)
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(principal, token if isinstance(token, str) else None)
    return principal


FormPrincipal = Annotated[Principal, Depends(form_principal)]


def form_token(request: Request) -> tuple[str, bool]:
    """The pre-session form token of this browser, and whether it must be set."""
    current = request.cookies.get(form_cookie_name())
    if current and 20 <= len(current) <= 64:
        return current, False
    return secrets.token_urlsafe(24), True


def set_form_cookie(response: Response, token: str) -> None:
    response.set_cookie(form_cookie_name(), token, httponly=True, samesite="strict", path="/",
                        secure=get_settings().secure_cookies)


async def check_public_form(request: Request) -> None:
    check_origin(request)
    form = await request.form()
    supplied = form.get("csrf_token")
    expected = request.cookies.get(form_cookie_name()) or ""
    if not isinstance(supplied, str) or not expected or \
            not hmac.compare_digest(supplied, expected):
        raise Forbidden("Mã chống giả mạo (CSRF) không hợp lệ, vui lòng tải lại trang.",
                        code="csrf_failed")


PublicForm = Depends(check_public_form)


def redirect(path: str, notice: str | None = None, **params: str) -> RedirectResponse:
    """303 to a local page; `notice` picks one of the fixed confirmation messages."""
    query = {**({"ok": notice} if notice else {}), **params}
    target = f"{path}?{urlencode(query)}" if query else path
    return RedirectResponse(target, status_code=303)


def safe_next(value: str | None) -> str | None:
    """Only local paths: never another host, never a scheme."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    return value
