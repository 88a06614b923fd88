"""What understanding leaves on a ticket, and the labels people correct: the model's
classification (with a row kept per model version) and the corrections that become
training examples, stored here and read here for retraining."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.classify.corrections import Correction, append_examples, load_corrections
from triage.db import session_scope
from triage.taxonomy import FLAGS, TOPICS
from triage.tickets.models import Ticket
from triage.understand.models import Classification, LabelCorrection
from triage.understand.service import Understanding

REASON_LIMIT = 500


def record_classification(session: Session, ticket: Ticket, seen: Understanding,
                          now: datetime) -> None:
    """Keep the text as every step read it and, when a model ran, its labels and scores
    on the ticket and in a Classification row (a new model version never erases them)."""
    ticket.normalized_text = seen.normalized
    result = seen.classification
    if result is None:
        return
    ticket.topic, ticket.topic_confidence = result.topic, result.topic_confidence
    ticket.flags = list(result.flags)
    ticket.scores = {"topic": result.topic_scores, "flags": result.flag_scores,
                     "explanation": result.explanation}
    ticket.model_version = result.model_version
    ticket.labels_source = "model"
    if seen.urgency is not None:
        ticket.urgency, ticket.urgency_score = seen.urgency.level, seen.urgency.score
        ticket.urgency_reason = seen.urgency.reason[:300] or None
    ticket.conduct_kinds = [k.to_dict() for k in seen.conduct_kinds] or None
    session.add(Classification(ticket_id=ticket.id, model_version=result.model_version,
                               topic=result.topic, topic_confidence=result.topic_confidence,
                               flags=list(result.flags), scores=ticket.scores, created_at=now))


def record_correction(
    session: Session, ticket: Ticket, *, source: str, actor: str, topic: str | None,
    flags: list[str], agency: str | None, old_agency: str | None, reason: str | None = None,
    now: datetime, always: bool = False,
) -> LabelCorrection | None:
    """Keep a labelled example when a person's labels differ from the ticket's current
    ones (the operator desk, review, an agency sending a ticket back); `always` keeps it
    even when nothing differs."""
    old_flags = sorted(ticket.flags or [])
    new_flags = sorted(set(flags))
    if not always and (topic, new_flags, agency) == (ticket.topic, old_flags, old_agency):
        return None
    correction = LabelCorrection(
        ticket_id=ticket.id, source=source, actor=actor, text=ticket.text,
        old_topic=ticket.topic, new_topic=topic, old_flags=old_flags, new_flags=new_flags,
        old_agency=old_agency, new_agency=agency,
        reason=reason[:REASON_LIMIT] if reason else None, created_at=now)
    session.add(correction)
    return correction


def correction_counts(session: Session) -> dict[str, int]:
    """Corrections kept so far, by source (operator, agency, entry)."""
    stmt = select(LabelCorrection.source, func.count()).group_by(LabelCorrection.source)
    return {source: int(n) for source, n in session.execute(stmt)}


def load_db_corrections() -> list[Correction]:
    """Operators' and agencies' label changes stored with the tickets, newest first.

    A correction that changed only the agency keeps the ticket's topic and flags as they
    were then: those are confirmed labels too."""
    out: list[Correction] = []
    with session_scope() as session:
        stmt = select(LabelCorrection).order_by(LabelCorrection.id.desc())
        for row in session.scalars(stmt):
            topic = row.new_topic or row.old_topic
            flags = list(row.new_flags if row.new_topic or row.new_flags else row.old_flags)
            if topic in TOPICS and all(f in FLAGS for f in flags) and row.text.strip():
                out.append((row.text, topic, flags))
    return out


def all_corrections(path: Path | None = None) -> list[Correction]:
    """Database corrections and the JSONL file's, newest label of a text first."""
    return [*load_db_corrections(), *load_corrections(path)]


def export_corrections(path: Path) -> int:
    """Corrections that set a topic, as a training file (text, topic, flags), newest
    last; returns how many were written."""
    with session_scope() as session:
        rows = session.execute(select(LabelCorrection.text, LabelCorrection.new_topic,
                                      LabelCorrection.new_flags)
                               .where(LabelCorrection.new_topic.is_not(None))
                               .order_by(LabelCorrection.id)).all()
    path.write_text("", encoding="utf-8")
    kept = [(text, topic, list(flags or [])) for text, topic, flags in rows
            if topic in TOPICS and all(f in FLAGS for f in flags or [])]
    append_examples(kept, path)
    return len(kept)
