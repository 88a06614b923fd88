"""The retention purge: the caller's personal data of tickets finished (resolved or closed)
longer ago than the retention period is erased irreversibly; the ticket and everything
statistics need stay.

What is erased, per ticket:
- the caller's name, phone (E.164 and its last four digits) and address (the row stays,
  emptied, so that "tickets with a caller" still counts);
- phone numbers, and the caller's name and address where written verbatim, in the
  complaint text, its normalised copy, the published answer and the label corrections
  (the retraining examples copy the text).

What stays: the ticket, its code, status, topic, flags, agency, assignments, events and
every date (``updated_at`` is left as it was: the purge is not a change of the case).

The purge is recorded in the append-only audit log: one ``retention_purge`` row per ticket
(which is also how a later run knows the ticket is done, so running it again changes
nothing) and one ``retention_run`` row per run, with the cutoff and the counts.
Open tickets are never touched; a ticket is due once it has been finished (``resolved`` or
``closed``) for the retention period, counted from its last move into one of those states
(or, for rows without that event, from the ticket's last change)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from triage.auth.models import AuditEntry
from triage.cases.models import CaseKey, CaseProblem
from triage.db import session_scope, utcnow
from triage.scrub import erase_values, scrub_phones
from triage.settings import get_settings
from triage.survey.models import Survey
from triage.tickets.models import Caller, Ticket, TicketEvent
from triage.tickets.states import Status
from triage.understand.models import LabelCorrection

log = logging.getLogger(__name__)

ACTOR = "system:retention"
ROLE = "system"
PURGE_ACTION = "retention_purge"
RUN_ACTION = "retention_run"
ERASED = "[đã xoá]"
ERASED_PHONE = "[đã xoá số điện thoại]"
BATCH = 500


@dataclass
class PurgeResult:
    cutoff: datetime
    days: int
    tickets: int = 0
    callers: int = 0
    texts: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "days": self.days, "tickets": self.tickets,
                "callers": self.callers, "texts": self.texts, "dry_run": self.dry_run}


def scrub(text: str | None, verbatim: list[str]) -> str | None:
    """The text without phone numbers, and without the given name/address strings."""
    if not text:
        return text
    return scrub_phones(erase_values(text, verbatim, ERASED), ERASED_PHONE)


def _due(cutoff: datetime) -> Any:
    """Finished tickets (resolved or closed) whose last move into that state is older than
    the cutoff, and not yet purged. A resolved ticket nobody closes is finished too: its
    caller's data must not stay for ever because a last click was never made."""
    finished = (Status.RESOLVED.value, Status.CLOSED.value)
    finished_at = (select(func.max(TicketEvent.at))
                   .where(TicketEvent.ticket_id == Ticket.id,
                          TicketEvent.to_status.in_(finished))
                   .correlate(Ticket).scalar_subquery())
    purged = (select(AuditEntry.id)
              .where(AuditEntry.action == PURGE_ACTION, AuditEntry.ticket_id == Ticket.id)
              .exists())
    return (Ticket.status.in_(finished),
            or_(finished_at < cutoff, and_(finished_at.is_(None), Ticket.updated_at < cutoff)),
            ~purged)


def count_due(session: Session, cutoff: datetime) -> int:
    return int(session.scalar(select(func.count(Ticket.id)).where(*_due(cutoff))) or 0)


def purge_batch(session: Session, cutoff: datetime, now: datetime, *, limit: int = BATCH
                ) -> tuple[int, int, int, int]:
    """Purge up to `limit` due tickets in the session's transaction; returns (tickets
    looked at, tickets purged, callers emptied, texts changed)."""
    stmt = select(Ticket).where(*_due(cutoff)).order_by(Ticket.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # A CLI run and the daily job at once: each takes tickets the other does not hold.
        stmt = stmt.with_for_update(of=Ticket, skip_locked=True)
    tickets = list(session.scalars(stmt))
    seen = len(tickets)
    if tickets:
        # Read again now that the rows are locked: a run that committed between this
        # statement's snapshot and the lock has purged them already.
        done = set(session.scalars(select(AuditEntry.ticket_id).where(
            AuditEntry.action == PURGE_ACTION,
            AuditEntry.ticket_id.in_([t.id for t in tickets]))))
        tickets = [t for t in tickets if t.id not in done]
    callers = texts = 0
    for ticket in tickets:
        caller = session.get(Caller, ticket.caller_id) if ticket.caller_id else None
        verbatim = [v.strip() for v in (caller.name, caller.address) if v] if caller else []
        erased = []
        if caller is not None:
            erased = [f for f, v in (("name", caller.name), ("phone", caller.phone_e164),
                                     ("address", caller.address),
                                     ("email", caller.email)) if v]
            if erased or caller.phone_last4:
                session.execute(update(Caller).where(Caller.id == caller.id).values(
                    name=None, phone_e164=None, phone_last4=None, address=None, email=None))
                callers += 1
        changes = {}
        for column in ("text", "normalized_text", "answer"):
            before = getattr(ticket, column)
            after = scrub(before, verbatim)
            if after != before:
                changes[column] = after
        if changes:
            # A Core update, with updated_at set to itself: the ORM's onupdate would
            # otherwise move it, and the purge is no change of the case.
            session.execute(update(Ticket).where(Ticket.id == ticket.id)
                            .values(**changes, updated_at=Ticket.updated_at))
            texts += 1
        for correction in session.scalars(select(LabelCorrection)
                                          .where(LabelCorrection.ticket_id == ticket.id)):
            cleaned = scrub(correction.text, verbatim)
            if cleaned != correction.text:
                session.execute(update(LabelCorrection)
                                .where(LabelCorrection.id == correction.id)
                                .values(text=cleaned))
        for survey in session.scalars(select(Survey).where(Survey.ticket_id == ticket.id,
                                                           Survey.reason.is_not(None))):
            cleaned = scrub(survey.reason, verbatim)
            if cleaned != survey.reason:  # a citizen's reason may name them too
                session.execute(update(Survey).where(Survey.id == survey.id)
                                .values(reason=cleaned))
        # The repeat index's copy of the words (and the caller's phone) goes too: a ticket
        # finished this long ago is no repeat's candidate any more (triage.cases).
        session.execute(delete(CaseKey).where(CaseKey.ticket_id == ticket.id))
        session.execute(delete(CaseProblem).where(CaseProblem.ticket_id == ticket.id))
        session.add(AuditEntry(at=now, actor=ACTOR, role=ROLE, agency_code=None,
                               action=PURGE_ACTION, ticket_id=ticket.id,
                               data={"erased": erased, "text_scrubbed": sorted(changes),
                                     "cutoff": cutoff.isoformat()}))
    session.expire_all()
    return seen, len(tickets), callers, texts


def purge(*, days: int | None = None, now: datetime | None = None, dry_run: bool = False,
          batch: int = BATCH) -> PurgeResult:
    """One run: every due ticket, in transactions of `batch` tickets, then one audit row
    for the run. Running it again right after changes nothing (and says so: 0 tickets)."""
    days = get_settings().retention_days if days is None else days
    now = now or utcnow()
    result = PurgeResult(cutoff=now - timedelta(days=days), days=days, dry_run=dry_run)
    if dry_run:
        with session_scope() as session:
            result.tickets = count_due(session, result.cutoff)
        return result
    while True:
        with session_scope() as session:
            seen, tickets, callers, texts = purge_batch(session, result.cutoff, now,
                                                        limit=batch)
        result.tickets += tickets
        result.callers += callers
        result.texts += texts
        if seen < batch:
            break
    with session_scope() as session:
        session.add(AuditEntry(at=now, actor=ACTOR, role=ROLE, agency_code=None,
                               action=RUN_ACTION, ticket_id=None, data=result.as_dict()))
    log.info("retention purge: %d tickets closed before %s (%d callers, %d texts)",
             result.tickets, result.cutoff.date(), result.callers, result.texts)
    return result
