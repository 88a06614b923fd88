"""The operator links a proposed match into a case and takes it out again, each with one
click, audited and kept as a correction for tuning the threshold."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.cases.test_cases import FLOOD, PHONES, routed
from tests.factories.web import UserFactory
from triage.auth.models import AuditEntry
from triage.cases.models import CaseReport, LinkCorrection
from triage.db import session_scope
from triage.routing.models import Assignment
from triage.settings import get_settings
from triage.tickets.models import Ticket


def test_operator_links_and_unlinks_with_one_click_audited(
        user: UserFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing is linked automatically: the match is only proposed.
    monkeypatch.setenv("TRIAGE_CASE_LINK_THRESHOLD", "0.99")
    get_settings.cache_clear()
    # (Two wordings scoring below 0.99: the third, not the second, which scores 1.0.)
    first, second = routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[1])
    with session_scope() as s:
        first_code, code = s.get_one(Ticket, first).code, s.get_one(Ticket, second).code
    op = user("operator")
    page = op.get(f"/phieu/{code}")
    assert "Có thể trùng với" in page.text and first_code in page.text
    response = op.post(f"/phieu/{code}/vu-viec/gop", {"target": first_code})
    assert response.status_code == 303, response.text
    page = op.get(response.headers["location"])
    assert f"Vụ việc VV-{first_code}" in page.text and "2 phản ánh" in page.text
    assert op.post(f"/phieu/{code}/vu-viec/tach").status_code == 303
    with session_scope() as s:
        assert s.scalars(select(CaseReport.ticket_id)).all() == [first]
        actions = s.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("case.%")).order_by(AuditEntry.id)).all()
        assert actions == ["case.link", "case.unlink"]
        corrections = s.scalars(select(LinkCorrection).order_by(LinkCorrection.id)).all()
        assert [(c.action, c.actor) for c in corrections] == [
            ("link", op.username), ("unlink", op.username)]
        assert corrections[0].score is not None and corrections[0].score > 0.25
        # Routed on its own before, it keeps its own assignment.
        assert s.scalars(select(Assignment).where(Assignment.ticket_id == second)).one()
    get_settings.cache_clear()


def test_an_automatic_link_undone_gives_the_report_its_own_assignment(
        user: UserFactory) -> None:
    first, second = routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[2])
    with session_scope() as s:
        code = s.get_one(Ticket, second).code
        assert s.scalars(select(Assignment).where(Assignment.ticket_id == second)).first() \
            is None
    op = user("operator")
    assert op.post(f"/phieu/{code}/vu-viec/tach").status_code == 303
    with session_scope() as s:
        assert s.scalars(select(Assignment).where(Assignment.ticket_id == second)).one()
        correction = s.scalars(select(LinkCorrection)).one()
        assert correction.was_automatic and correction.action == "unlink"
        assert s.scalars(select(CaseReport.ticket_id)).all() == [first]
