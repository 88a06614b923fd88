"""Task bodies for survey messages (shared by Celery and the in-process worker): claim,
send through the notify transports, record the outcome; retried with the notifications'
backoff and cap."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from triage.db import session_scope, utcnow
from triage.notify import messages, transports
from triage.notify.service import LEASE, record_outcome
from triage.survey import tokens
from triage.survey.models import Survey, SurveyMessage
from triage.survey.service import token_of
from triage.survey.states import SurveyStatus, status_of
from triage.tickets.codes import public_code
from triage.tickets.models import Ticket

log = logging.getLogger(__name__)


def claim(session: Session, message_id: int, now: datetime) -> bool:
    """The right to send now; a concurrent worker's claim fails (one row changes)."""
    result = session.execute(
        update(SurveyMessage)
        .where(SurveyMessage.id == message_id, SurveyMessage.status == "pending",
               or_(SurveyMessage.next_attempt_at.is_(None),
                   SurveyMessage.next_attempt_at <= now))
        .values(next_attempt_at=now + LEASE, attempts=SurveyMessage.attempts + 1))
    return bool(getattr(result, "rowcount", 0))


def send(session: Session, message: SurveyMessage) -> None:
    survey = session.get_one(Survey, message.survey_id)
    ticket = session.get_one(Ticket, survey.ticket_id)
    link = tokens.link(token_of(survey))
    subject, body = messages.render_survey(message.channel, public_code(ticket.code), link,
                                           survey.expires_at)
    delivery = f"s{message.id}"
    if message.channel == "email":
        transports.send_email(message.recipient, subject, body)
    elif message.channel == "zalo":
        transports.send_zalo(message.recipient, body, delivery_id=delivery)
    else:
        transports.send_sms(message.recipient, body, delivery_id=delivery)


def deliver(message_id: int) -> str:
    with session_scope() as session:
        if not claim(session, message_id, utcnow()):
            return "skipped"
    with session_scope() as session:
        message = session.get_one(SurveyMessage, message_id)
        survey = session.get_one(Survey, message.survey_id)
        if status_of(survey, utcnow()) is not SurveyStatus.SENT:
            message.status = "cancelled"  # answered on the lookup page, or expired
            return message.status
        error: Exception | None = None
        try:
            send(session, message)
        except (transports.TransientError, transports.PermanentError) as exc:
            error = exc
        record_outcome(message, error, utcnow(), what="survey message")
        return message.status


def retry_due() -> int:
    with session_scope() as session:
        stmt = (select(SurveyMessage.id)
                .where(SurveyMessage.status == "pending",
                       SurveyMessage.next_attempt_at <= utcnow())
                .order_by(SurveyMessage.id).limit(500))
        ids = list(session.scalars(stmt))
    return sum(deliver(i) == "sent" for i in ids)
