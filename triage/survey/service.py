"""The satisfaction survey: created when the agency answers, sent by the channel the
citizen used, answered once through a signed link, and a "chưa hài lòng" sent back.

Who is never asked, and what the agency never learns:
- a denouncer whose identity is protected (flag `to_cao`) gets no survey at all: a
  message from the hotline about the case is a trace of who denounced;
- in a conduct case (`thai_do`) the citizen is asked, but the agency complained about
  never sees the individual answer or reason: a "chưa hài lòng" goes to the operators'
  review queue, not back to the agency, and the agency's own figures are aggregates.
Answers carry no name or phone anywhere, and are never public (Open311 does not read
them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from triage.auth.policy import is_confidential
from triage.errors import Conflict, Gone, NotFound
from triage.notify.service import plan
from triage.outbox.service import enqueue
from triage.outbox.tasks import NOTIFY_DELIVER, SURVEY_DELIVER
from triage.routing.service import current_assignment, hand_back
from triage.scrub import scrub_public
from triage.settings import get_settings
from triage.survey import tokens
from triage.survey.models import Survey, SurveyMessage
from triage.survey.schemas import SurveyAnsweredOut, SurveyOut, SurveyPromptOut
from triage.survey.states import SurveyStatus, status_of
from triage.tickets.codes import public_code
from triage.tickets.models import Caller, Ticket
from triage.tickets.schemas import SatisfactionOut
from triage.tickets.service import local_tz, transition
from triage.tickets.states import Status

# Denunciations whose author the law protects: never surveyed (see the module's note).
PROTECTED_FLAGS = frozenset({"to_cao"})
ACTOR = "công dân (khảo sát)"
# Events written for the operators only: an agency reads events whose agency_code is its
# own or None (triage.routing.service.visible_events), so this value hides them.
OPERATORS_ONLY = "__operators__"
REASON_CHARS = 1000

INVALID = "Liên kết khảo sát không hợp lệ. Vui lòng kiểm tra lại đường dẫn trong tin nhắn."
USED = ("Liên kết khảo sát này đã được sử dụng: mỗi liên kết chỉ đánh giá được một lần. "
        "Cảm ơn ông/bà đã đánh giá.")
EXPIRED = ("Liên kết khảo sát đã hết hạn. Nếu chưa hài lòng với kết quả giải quyết, "
           "ông/bà vui lòng gọi Đường dây nóng 1022.")


def surveyable(ticket: Ticket, caller: Caller | None) -> bool:
    """Someone to ask (a phone for the lookup page or an e-mail), and no protected
    denouncer."""
    if PROTECTED_FLAGS.intersection(ticket.flags or []):
        return False
    return caller is not None and bool(caller.phone_e164 or caller.email)


def channels(ticket: Ticket, caller: Caller) -> dict[str, str]:
    """Channel -> recipient: the phone by the way the citizen came (Zalo for Zalo, else
    SMS), and e-mail when an address was given; a complaint made by e-mail is answered
    by e-mail only. A transport that is not configured is left out."""
    settings = get_settings()
    out: dict[str, str] = {}
    if caller.email and settings.smtp_host:
        out["email"] = caller.email
    if caller.phone_e164 and not (ticket.channel == "email" and out):
        if ticket.channel == "zalo" and settings.zalo_webhook_url:
            out["zalo"] = caller.phone_e164
        elif settings.sms_gateway_url:
            out["sms"] = caller.phone_e164
    return out


def on_answered(session: Session, ticket: Ticket, now: datetime) -> Survey | None:
    """The agency has answered: open a survey on the answer and send its link. An earlier
    survey of the ticket still open is closed (expired): it asked about another answer."""
    caller = session.get(Caller, ticket.caller_id) if ticket.caller_id else None
    if not surveyable(ticket, caller):
        return None
    assert caller is not None
    session.execute(update(Survey).where(Survey.ticket_id == ticket.id,
                                         Survey.answered_at.is_(None),
                                         Survey.expires_at > now).values(expires_at=now))
    last = session.scalar(select(func.max(Survey.round)).where(Survey.ticket_id == ticket.id))
    round_ = (last or 0) + 1
    # Whole seconds: the token carries the expiry as a Unix time.
    expires = (now + timedelta(days=get_settings().survey_days)).replace(microsecond=0)
    token = tokens.make_token(ticket.id, round_, expires)
    survey = Survey(ticket_id=ticket.id, round=round_, agency_code=ticket.agency_code,
                    topic=ticket.topic, confidential=is_confidential(ticket),
                    token_hash=tokens.token_hash(token), sent_at=now,
                    expires_at=expires)
    session.add(survey)
    session.flush()
    for channel, recipient in channels(ticket, caller).items():
        message = SurveyMessage(survey_id=survey.id, channel=channel, recipient=recipient,
                                created_at=now, next_attempt_at=now)
        session.add(message)
        session.flush()
        enqueue(session, SURVEY_DELIVER, {"message_id": message.id}, ticket_id=ticket.id,
                now=now)
    return survey


def token_of(survey: Survey) -> str:
    return tokens.make_token(survey.ticket_id, survey.round, survey.expires_at)


def find(session: Session, token: str, now: datetime) -> Survey:
    """The survey a link names, if it may still be answered; else the reason it may not
    (404 unknown or forged, 409 already answered, 410 expired)."""
    parsed = tokens.parse_token(token)
    survey = None if parsed is None else session.scalars(
        select(Survey).where(Survey.token_hash == tokens.token_hash(token.strip()))).first()
    if survey is None:
        raise NotFound(INVALID, code="survey_not_found")
    status = status_of(survey, now)
    if status is SurveyStatus.ANSWERED:
        raise Conflict(USED, code="survey_used")
    if status is SurveyStatus.EXPIRED:
        raise Gone(EXPIRED, code="survey_expired")
    return survey


def answer(session: Session, token: str, *, satisfied: bool, reason: str | None,
           now: datetime) -> Survey:
    """Record the citizen's answer once; a "chưa hài lòng" sends the ticket back."""
    survey = find(session, token, now)
    reason = (reason or "").strip()[:REASON_CHARS] or None
    # Single use, also against two submissions at once: one row changes, once.
    taken = session.execute(
        update(Survey).where(Survey.id == survey.id, Survey.answered_at.is_(None),
                             Survey.expires_at > now)
        .values(answered_at=now, satisfied=satisfied, reason=reason))
    if not getattr(taken, "rowcount", 0):
        raise Conflict(USED, code="survey_used")
    session.refresh(survey)
    if not satisfied:
        survey.outcome = _send_back(session, survey, reason, now)
    session.flush()
    return survey


def _send_back(session: Session, survey: Survey, reason: str | None, now: datetime) -> str:
    """Once per ticket: back to the agency that answered (its current assignment opens
    again), or to the operators (by setting, always for a conduct case, and for a report
    that has no assignment of its own)."""
    ticket = session.scalars(select(Ticket).where(Ticket.id == survey.ticket_id)
                             .with_for_update()).one()
    earlier = session.scalar(select(func.count()).select_from(Survey).where(
        Survey.ticket_id == ticket.id, Survey.id != survey.id,
        Survey.outcome.in_(("reopened", "review"))))
    if earlier or ticket.status != Status.RESOLVED:
        return "none"
    # A repeat report answered with its case has no assignment of its own: the agency's
    # inbox would not show it reopened, so the operators take it (and may unlink it).
    to_review = (get_settings().survey_unsatisfied_to == "review" or is_confidential(ticket)
                 or current_assignment(session, ticket) is None)
    if to_review:
        ticket.review_reasons = sorted({*(ticket.review_reasons or []), "citizen_unsatisfied"})
        transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="survey_unsatisfied",
                   now=now, data={"agency_code": OPERATORS_ONLY, "survey_id": survey.id,
                                  "answered_by": survey.agency_code, "reason": reason})
        return "review"
    caller = session.get(Caller, ticket.caller_id) if ticket.caller_id else None
    own = [caller.name, caller.address, caller.email] if caller else []
    shown = scrub_public(reason, own) if reason else None
    transition(session, ticket, Status.ACKNOWLEDGED, actor=ACTOR, kind="survey_reopened",
               now=now, data={"agency_code": ticket.agency_code, "survey_id": survey.id,
                              "reason": shown})
    ticket.resolved_at = None
    # A new assignment with its own deadline: the earlier answer keeps its place in the
    # lateness figures, and the sweeper does not find the ticket overdue at once.
    assignment = hand_back(session, ticket, actor=ACTOR, now=now, reason="survey_reopened")
    if assignment is not None:
        # The agency is told as it was of the assignment: once, by e-mail and webhook.
        for notification_id in plan(session, assignment, "reopened", now):
            enqueue(session, NOTIFY_DELIVER, {"notification_id": notification_id},
                    ticket_id=ticket.id, now=now)
    return "reopened"


def latest(session: Session, ticket_id: int) -> Survey | None:
    stmt = (select(Survey).where(Survey.ticket_id == ticket_id)
            .order_by(Survey.round.desc()).limit(1))
    return session.scalars(stmt).first()


def latest_of(session: Session, ticket_ids: list[int]) -> dict[int, Survey]:
    """The latest survey of each ticket that has one (one query, for lists)."""
    if not ticket_ids:
        return {}
    stmt = select(Survey).where(Survey.ticket_id.in_(ticket_ids)).order_by(Survey.round)
    return {s.ticket_id: s for s in session.scalars(stmt)}


def satisfaction_out(survey: Survey | None, now: datetime) -> SatisfactionOut | None:
    if survey is None:
        return None
    return SatisfactionOut(status=status_of(survey, now).value, satisfied=survey.satisfied,
                           answered_at=survey.answered_at)


def satisfactions(session: Session, tickets: list[Ticket], *, for_agency: bool,
                  now: datetime) -> dict[int, SatisfactionOut | None]:
    """Each ticket's `satisfaction` in staff JSON. An agency never gets one for a conduct
    or denunciation case: there it sees only its aggregate figures."""
    shown = [t.id for t in tickets if not (for_agency and is_confidential(t))]
    found = latest_of(session, shown)
    return {t.id: satisfaction_out(found.get(t.id), now) for t in tickets}


THANKS = {
    "satisfied": "Cảm ơn ông/bà đã đánh giá kết quả giải quyết.",
    "reopened": "Cảm ơn ông/bà. Phản ánh đã được chuyển lại cơ quan xử lý để xem xét, "
                "giải quyết tiếp.",
    "review": "Cảm ơn ông/bà. Phản ánh đã được chuyển tổng đài viên Đường dây nóng 1022 "
              "xem xét.",
    "none": "Cảm ơn ông/bà. Ý kiến của ông/bà đã được ghi nhận.",
}


def answered_out(survey: Survey) -> SurveyAnsweredOut:
    key = "satisfied" if survey.satisfied else (survey.outcome or "none")
    return SurveyAnsweredOut(status=SurveyStatus.ANSWERED.value,
                             satisfied=bool(survey.satisfied), outcome=survey.outcome,
                             message=THANKS[key])


def survey_out(session: Session, survey: Survey) -> SurveyOut:
    ticket = session.get_one(Ticket, survey.ticket_id)
    return SurveyOut(code=public_code(ticket.code), answer=ticket.answer,
                     expires_at=survey.expires_at.astimezone(local_tz()))


def prompt_for(session: Session, ticket: Ticket, now: datetime) -> SurveyPromptOut | None:
    """The lookup page's survey: the caller proved who they are (code and phone digits),
    so the link is shown to them while it may be used."""
    survey = latest(session, ticket.id)
    if survey is None:
        return None
    status = status_of(survey, now)
    usable = status is SurveyStatus.SENT
    token = token_of(survey)
    return SurveyPromptOut(
        status=status.value, url=tokens.link(token) if usable else None,
        path=f"/khao-sat/{token}" if usable else None,
        expires_at=survey.expires_at.astimezone(local_tz()) if usable else None,
        satisfied=survey.satisfied)
