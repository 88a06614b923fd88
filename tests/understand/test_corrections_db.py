"""Corrections stored with tickets become training examples."""

from __future__ import annotations

from triage.db import session_scope, utcnow
from triage.intake import service
from triage.intake.schemas import ComplaintIn
from triage.understand.models import LabelCorrection
from triage.understand.record import all_corrections, load_db_corrections


def test_database_corrections_are_training_examples(database: str) -> None:
    with session_scope() as s:
        ticket = service.submit(s, ComplaintIn(text="Cán bộ xã hẹn mãi không trả sổ đỏ",
                                               channel="phone"), actor="t", now=utcnow()).ticket
        s.add(LabelCorrection(ticket_id=ticket.id, source="operator", actor="op",
                              text=ticket.text, old_topic="khac", new_topic="dat_dai",
                              old_flags=[], new_flags=["tre_han"]))
        s.add(LabelCorrection(ticket_id=ticket.id, source="agency", actor="cb",
                              text=ticket.text, old_topic="dat_dai", new_topic=None,
                              old_flags=["tre_han"], new_flags=[], reason="không thuộc xã"))
        s.add(LabelCorrection(ticket_id=ticket.id, source="operator", actor="op",
                              text=ticket.text, old_topic=None, new_topic="không-có",
                              old_flags=[], new_flags=[]))
    rows = load_db_corrections()
    # Newest first; an agency-only change keeps the labels it confirmed; bad codes dropped.
    assert rows == [(ticket.text, "dat_dai", ["tre_han"]), (ticket.text, "dat_dai", ["tre_han"])]
    assert all_corrections()[:2] == rows
