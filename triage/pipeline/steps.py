"""The two automatic steps. Without a trained classifier every complaint goes to the
operators' review queue with the reason recorded: a real path, not a stub. An unsure
classification or route also goes there, with the suggestion kept for the operator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.classify.model import ModelNotTrained, get_classifier
from triage.locations.normalize import prepare
from triage.routing.rules import RoutingDecision, decide
from triage.routing.service import assign
from triage.tickets.models import Ticket
from triage.tickets.service import transition
from triage.tickets.states import Status
from triage.understand.models import Classification

ACTOR = "hệ thống"


def to_review(session: Session, ticket: Ticket, reasons: list[str], now: datetime) -> None:
    ticket.review_reasons = sorted({*ticket.review_reasons, *reasons})
    transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="needs_review", now=now,
               data={"reasons": reasons})


def classify(session: Session, ticket: Ticket, now: datetime) -> None:
    try:
        classifier = get_classifier()
    except ModelNotTrained:
        to_review(session, ticket, ["classifier_unavailable"], now)
        return
    result = classifier.classify(ticket.text)
    ticket.topic = result.topic
    ticket.topic_confidence = result.topic_confidence
    ticket.flags = list(result.flags)
    ticket.scores = {"topic": result.topic_scores, "flags": result.flag_scores,
                     "explanation": result.explanation}
    ticket.model_version = result.model_version
    ticket.labels_source = "model"
    session.add(Classification(ticket_id=ticket.id, model_version=result.model_version,
                               topic=result.topic, topic_confidence=result.topic_confidence,
                               flags=list(result.flags), scores=ticket.scores, created_at=now))
    if result.needs_review:
        suggest_route(ticket)
        to_review(session, ticket, result.review_reasons or ["low_confidence"], now)
        return
    transition(session, ticket, Status.CLASSIFIED, actor=ACTOR, kind="classified", now=now,
               data={"topic": result.topic, "flags": list(result.flags),
                     "model_version": result.model_version})


def suggest_route(ticket: Ticket) -> RoutingDecision:
    """Record the place and the agency the rules would choose, for the operator to see."""
    match = load_directory().resolver.resolve(prepare(ticket.text))
    # The rules route on the same place (resolved once: it is the costly part).
    decision = decide(ticket.topic, ticket.flags or [], ticket.text, location=match)
    location = match.as_dict()
    if decision.agency_code:
        location["suggested_agency"] = decision.agency_code
    ticket.location = location
    ticket.ward_code = location.get("ward_code")
    ticket.routing_rule = decision.rule
    ticket.routing_reason = decision.reason
    return decision


def route(session: Session, ticket: Ticket, now: datetime) -> None:
    decision = suggest_route(ticket)
    if not (decision.confident and decision.agency_code):
        to_review(session, ticket, ["routing_unsure"], now)
        return
    assign(session, ticket, decision.agency_code, rule=decision.rule, reason=decision.reason,
           actor=ACTOR, now=now)
