"""The citizen page: follow a ticket with its code and the last four digits of the phone
it was made from. No login; the answer shows only once the agency has given it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from triage.auth.deps import client_ip
from triage.deps import SessionDep
from triage.lookup import guard
from triage.lookup import service as lookup
from triage.web.pages import PageRoute, PublicForm, form_token, set_form_cookie
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
NOT_FOUND = "Không tìm thấy phiếu khớp với mã phiếu và bốn số cuối điện thoại đã nhập."
LAST4 = re.compile(r"^\d{4}$")


def _page(request: Request, *, status_code: int = 200, **context: object) -> Response:
    token, fresh = form_token(request)
    context = {"result": None, "error": None, "code": "", **context}
    response = render(request, "lookup.html", None, status_code=status_code,
                      form_csrf=token, **context)
    if fresh:
        set_form_cookie(response, token)
    return response


@router.get("/tra-cuu")
def lookup_form(request: Request) -> Response:
    return _page(request)


@router.post("/tra-cuu", dependencies=[PublicForm])
def lookup_submit(request: Request, session: SessionDep,
                  code: Annotated[str, Form(max_length=32)] = "",
                  phone_last4: Annotated[str, Form(max_length=8)] = "") -> Response:
    """POST, so that the digits stay out of the address bar and the access logs."""
    seconds = guard.wait_seconds(client_ip(request))
    if seconds:
        return _page(request, status_code=429, code=code,
                     error=guard.TOO_MANY.format(seconds=seconds))
    last4 = phone_last4.strip()
    ticket = lookup.find(session, code, last4) if code.strip() and LAST4.match(last4) \
        else None
    if ticket is None:
        guard.missed(client_ip(request))
        return _page(request, status_code=404, code=code, error=NOT_FOUND)
    return _page(request, code=code, result=lookup.lookup_out(session, ticket))
