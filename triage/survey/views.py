"""The survey link's API under /api/v1/survey/{token} (the citizen's page is
triage.web.survey, at /khao-sat/{token}). No login: the signed, single-use, expiring token
is the key. An unknown or forged link is 404, a used one 409, an expired one 410, each
with a Vietnamese message."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from triage.db import utcnow
from triage.deps import SessionDep
from triage.survey import service
from triage.survey.schemas import SurveyAnsweredOut, SurveyAnswerIn, SurveyOut

router = APIRouter(prefix="/survey", tags=["survey"])
Token = Annotated[str, Path(min_length=10, max_length=80, pattern=r"^[0-9A-Za-z._-]+$")]
RESPONSES: dict[int | str, dict[str, str]] = {
    404: {"description": service.INVALID},
    409: {"description": service.USED},
    410: {"description": service.EXPIRED},
}


@router.get("/{token}", response_model=SurveyOut, responses=RESPONSES)
def get_survey(token: Token, session: SessionDep) -> SurveyOut:
    """The one question of a satisfaction survey, while its link may be used."""
    return service.survey_out(session, service.find(session, token, utcnow()))


@router.post("/{token}", response_model=SurveyAnsweredOut, responses=RESPONSES)
def answer_survey(token: Token, body: SurveyAnswerIn, session: SessionDep
                  ) -> SurveyAnsweredOut:
    """Hài lòng (`satisfied: true`) or Chưa hài lòng (`false`, with an optional reason).
    Once per link; a "chưa hài lòng" sends the ticket back once (to the agency, or to the
    operators' review queue)."""
    survey = service.answer(session, token, satisfied=body.satisfied, reason=body.reason,
                            now=utcnow())
    return service.answered_out(survey)
