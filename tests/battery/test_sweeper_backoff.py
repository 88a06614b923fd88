"""The sweeper's two duties, on SQLite and PostgreSQL, with the clock moved by hand:
tickets still owed a step come back after 1, 2, 4, 8, 16 windows (never faster, so a
backlog does not flood the queue), and a routed ticket whose 'assigned' notification was
lost gets it re-planned, unless its agency has no contact at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from triage.agencies.models import AgencyRow
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.outbox.models import OutboxMessage
from triage.pipeline.sweep import sweep_stale
from triage.routing.service import assign
from triage.settings import get_settings
from triage.tickets.models import Ticket


@pytest.fixture
def window(database: str, monkeypatch: pytest.MonkeyPatch) -> timedelta:
    monkeypatch.setenv("TRIAGE_SWEEPER_STALE_SECONDS", "60")
    get_settings.cache_clear()
    return timedelta(seconds=60)


def pending_ticket() -> int:
    with session_scope() as s:
        ticket = intake.submit(s, ComplaintIn(text="Mất nước ở ấp 2", channel="phone"),
                               actor="t", now=utcnow()).ticket
        return ticket.id


def sweep_at(moment_offset: timedelta) -> int:
    with session_scope() as s:
        return sweep_stale(s, utcnow() + moment_offset)


def test_a_lost_ticket_is_re_enqueued_with_a_doubling_pause(window: timedelta) -> None:
    pending_ticket()
    clock = timedelta(0)
    rescued_at = []
    for _ in range(140):  # 70 windows, looked at every half window
        clock += window / 2
        if sweep_at(clock):
            rescued_at.append(clock / window)
            with session_scope() as s:  # the sweep touched updated_at at its own clock
                s.execute(update(Ticket).values(updated_at=utcnow() + clock))
    gaps = [b - a for a, b in zip([0.0, *rescued_at], rescued_at, strict=False)]
    assert gaps[:5] == [1, 2, 4, 8, 16]  # windows between two rescues
    assert gaps[5:] and all(g == 16 for g in gaps[5:])


def test_a_lost_assigned_notification_is_planned_again(window: timedelta) -> None:
    with session_scope() as s:
        s.add(AgencyRow(code="ubnd-30112", name="UBND", level="commune", aliases=[],
                        email="ubnd@battery.invalid"))
    tid = pending_ticket()
    other = pending_ticket()
    with session_scope() as s:
        for ticket_id, agency in ((tid, "ubnd-30112"), (other, "ubnd-28261")):  # 2nd: no contact
            ticket = s.get_one(Ticket, ticket_id)
            ticket.status, ticket.topic = "classified", "dien"
            assign(s, ticket, agency, rule="t", reason="t", actor="t", now=utcnow())
    assert sweep_at(window / 2) == 0  # not yet: the first message may still be on its way
    assert sweep_at(2 * window) == 1  # the one with a contact, once
    assert sweep_at(2 * window + window / 2) == 0  # a fresh message is in flight
    with session_scope() as s:
        swept = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.task == "notify.assigned", OutboxMessage.ticket_id == tid))
        assert swept == 2
