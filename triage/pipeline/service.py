"""The automatic pipeline for one ticket: classify, then route. Each step re-reads the
ticket under a lock and does nothing if its work is already done, so a task delivered
twice has its effects once."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db import utcnow
from triage.pipeline import steps
from triage.pipeline.models import PipelineStep
from triage.settings import get_settings
from triage.tickets.models import Ticket
from triage.tickets.service import transition
from triage.tickets.states import PIPELINE_PENDING, Status

log = logging.getLogger(__name__)
ACTOR = "hệ thống"


def lock_ticket(session: Session, ticket_id: int) -> Ticket | None:
    stmt = select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    return session.scalars(stmt).first()


def claim_attempt(session: Session, ticket_id: int, now: datetime) -> Ticket | None:
    """Count an attempt in its own transaction, so a crash mid-task still counts it.

    Returns the ticket if there is pipeline work left and attempts remain; a ticket
    over the limit is sent to the review queue as a poison case."""
    ticket = lock_ticket(session, ticket_id)
    if ticket is None or ticket.status not in PIPELINE_PENDING:
        return None
    ticket.attempts += 1
    if ticket.attempts > get_settings().max_attempts:
        ticket.review_reasons = [*ticket.review_reasons, "too_many_attempts"]
        transition(session, ticket, Status.NEEDS_REVIEW, actor=ACTOR, kind="poison", now=now,
                   data={"attempts": ticket.attempts})
        return None
    return ticket


def mark_step(session: Session, ticket: Ticket, step: str) -> None:
    """Record the step as done, at the time it finished (the latency the bench measures)."""
    session.add(PipelineStep(ticket_id=ticket.id, step=step, done_at=utcnow()))


def process(session: Session, ticket_id: int, now: datetime) -> str:
    """Run the remaining pipeline steps; returns the ticket's status afterwards."""
    ticket = lock_ticket(session, ticket_id)
    if ticket is None:
        log.warning("pipeline.process: ticket %s does not exist", ticket_id)
        return "missing"
    seen = None
    if ticket.status == Status.RECEIVED:
        seen = steps.classify(session, ticket, now)
        mark_step(session, ticket, "classify")
    if ticket.status == Status.CLASSIFIED:
        steps.route(session, ticket, now, seen)
        mark_step(session, ticket, "route")
    return ticket.status
