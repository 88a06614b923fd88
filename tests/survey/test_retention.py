"""The retention purge also erases the caller's e-mail and scrubs survey reasons."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.tickets import load
from tests.survey.conftest import CALLER_NAME, CALLER_PHONE, Sinks, deliver_all, routed
from tests.survey.test_survey import resolve, sms_token
from triage import retention
from triage.db import session_scope, utcnow
from triage.survey.models import Survey
from triage.tickets.models import Caller


def test_purge_erases_the_email_and_the_caller_in_survey_reasons(
    client: TestClient, sinks: Sinks,
) -> None:
    code = routed()
    resolve(client, code)
    deliver_all()
    reason = f"Tốt, cảm ơn. {CALLER_NAME}, số {CALLER_PHONE}."
    r = client.post(f"/api/v1/survey/{sms_token(sinks)}", json={"satisfied": True,
                                                                 "reason": reason})
    assert r.status_code == 200
    result = retention.purge(days=1, now=utcnow() + timedelta(days=2))
    assert result.tickets == 1
    ticket = load(code)
    with session_scope() as s:
        caller = s.get_one(Caller, ticket.caller_id)
        assert caller.email is None and caller.phone_e164 is None
        [kept] = s.scalars(select(Survey.reason).where(Survey.ticket_id == ticket.id))
    assert kept is not None and "cảm ơn" in kept
    assert CALLER_NAME not in kept and CALLER_PHONE not in kept
