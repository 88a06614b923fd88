"""The two automatic steps. Without a trained classifier every complaint goes to the
operators' review queue with the reason recorded: a real path, not a stub. An unsure
classification or route also goes there, with the suggestion kept for the operator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from triage.cases import service as cases
from triage.classify.model import ModelNotTrained, get_classifier
from triage.routing import overlay
from triage.routing.learned import review_reasons as model_reasons
from triage.routing.rules import RoutingDecision
from triage.routing.service import assign
from triage.tickets.models import Ticket
from triage.tickets.service import transition
from triage.tickets.states import Status
from triage.understand.record import record_classification
from triage.understand.service import Understanding, understand

ACTOR = "hệ thống"


def to_review(session: Session, ticket: Ticket, reasons: list[str], now: datetime) -> None:
    ticket.review_reasons = sorted({*ticket.review_reasons, *reasons})
    transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="needs_review", now=now,
               data={"reasons": reasons})


def classify(session: Session, ticket: Ticket, now: datetime) -> Understanding | None:
    """Classify (and, the text being read once, locate and decide); None without a model."""
    try:
        classifier = get_classifier()
    except ModelNotTrained:
        to_review(session, ticket, ["classifier_unavailable"], now)
        return None
    seen = understand(ticket.text, classifier, router=overlay.router(session, now))
    record_classification(session, ticket, seen, now)
    result = seen.classification
    assert result is not None
    if result.needs_review:
        suggest_route(ticket, seen)
        if not cases.link_repeat(session, ticket, now):  # a repeat needs no operator
            reasons = result.review_reasons or ["low_confidence"]
            to_review(session, ticket, [*reasons, *model_reasons(seen.agency_model)], now)
        return seen
    transition(session, ticket, Status.CLASSIFIED, actor=ACTOR, kind="classified", now=now,
               data={"topic": result.topic, "flags": list(result.flags),
                     "model_version": result.model_version})
    return seen


def suggest_route(ticket: Ticket, seen: Understanding) -> RoutingDecision:
    """Record the place and the agency the rules chose, for the operator to see."""
    decision = seen.decision
    location = seen.location.as_dict()
    if decision.agency_code:
        location["suggested_agency"] = decision.agency_code
    if seen.agency_model is not None:
        location["agency_model"] = seen.agency_model.as_location()
    ticket.location = location
    ticket.ward_code = location.get("ward_code")
    ticket.routing_rule = decision.rule
    ticket.routing_reason = decision.reason
    return decision


def route(session: Session, ticket: Ticket, now: datetime,
          seen: Understanding | None = None) -> None:
    """Route on the understanding of the classify step; a run that resumes a ticket an
    earlier run classified reads the text again with the labels it kept."""
    if seen is None:
        seen = understand(ticket.text, topic=ticket.topic, flags=ticket.flags or [],
                          router=overlay.router(session, now))
    decision = suggest_route(ticket, seen)
    if cases.link_repeat(session, ticket, now):
        return  # a repeat report: routed with its case, the agency was told for the case
    learned = model_reasons(seen.agency_model)  # never a route: a disagreement is reviewed
    if not (decision.confident and decision.agency_code) or learned:
        unsure = [] if decision.confident and decision.agency_code else ["routing_unsure"]
        to_review(session, ticket, [*unsure, *learned], now)
        return
    assignment = assign(session, ticket, decision.agency_code, rule=decision.rule,
                        reason=decision.reason, actor=ACTOR, now=now)
    cases.after_route(session, ticket, assignment, now)
