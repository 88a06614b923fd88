"""The citizen's survey page: /khao-sat/{token} from the link in the SMS, e-mail or Zalo
message, or from the lookup page. No login: the signed token is the key; a used, expired
or unknown link shows the survey service's message (409, 410, 404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from triage.db import utcnow
from triage.deps import SessionDep
from triage.errors import InvalidInput
from triage.sanitize import clean_text
from triage.survey import service
from triage.survey.views import Token
from triage.web.pages import PageRoute, PublicForm, form_token, set_form_cookie
from triage.web.templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _page(request: Request, **context: Any) -> Response:
    csrf, fresh = form_token(request)
    context = {"survey": None, "done": None, "token": "", **context}
    response = render(request, "survey.html", None, form_csrf=csrf, **context)
    if fresh:
        set_form_cookie(response, csrf)
    return response


@router.get("/khao-sat/{token}")
def survey_page(token: Token, request: Request, session: SessionDep) -> Response:
    found = service.survey_out(session, service.find(session, token, utcnow()))
    return _page(request, survey=found, token=token)


@router.post("/khao-sat/{token}", dependencies=[PublicForm])
def survey_submit(token: Token, request: Request, session: SessionDep,
                  choice: Annotated[str, Form(max_length=8)] = "",
                  reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    if choice not in ("yes", "no"):
        raise InvalidInput("Vui lòng chọn «Hài lòng» hoặc «Chưa hài lòng».",
                           code="survey_choice")
    survey = service.answer(session, token, satisfied=choice == "yes",
                            reason=clean_text(reason) or None, now=utcnow())
    return _page(request, done=service.answered_out(survey))
