"""The two automatic steps. Until a trained classifier is installed every complaint goes to
the operators' review queue with the reason recorded: a real path, not a stub."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from triage.intake.models import Ticket
from triage.intake.service import transition
from triage.intake.states import Status

ACTOR = "hệ thống"


def classify(session: Session, ticket: Ticket, now: datetime) -> None:
    ticket.review_reasons = [*ticket.review_reasons, "classifier_unavailable"]
    transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="needs_review", now=now,
               data={"reasons": ["classifier_unavailable"]})


def route(session: Session, ticket: Ticket, now: datetime) -> None:
    ticket.review_reasons = [*ticket.review_reasons, "routing_unavailable"]
    transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="needs_review", now=now,
               data={"reasons": ["routing_unavailable"]})
