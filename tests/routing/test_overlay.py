"""Admins' days off and rule changes over the shipped routing data: checked, versioned,
effective from a date, used by new deadlines and routing decisions; open tickets'
deadlines move only when recomputed. Runs on SQLite and PostgreSQL; clock frozen on
Monday 7 December 2026, 10:00 local."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import reports as f
from triage.db import session_scope
from triage.reports.service import Scope, iter_list
from triage.routing import overlay
from triage.routing.changes import ChangeError
from triage.routing.deadlines import get_calendar
from triage.routing.models import Assignment, RoutingOverlay
from triage.routing.service import assign
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.period import Period
from triage.understand.service import understand

NOW = f.local(2026, 12, 7, 10, 0)
TODAY = date(2026, 12, 7)
STORM = {"date": "2026-12-11", "kind": "off", "note": "Nghỉ do bão số 15"}


def _save(kind: str, entries: list[dict[str, Any]], effective: date = TODAY,
          now: Any = NOW) -> RoutingOverlay:
    with session_scope() as s:
        version = overlay.save(s, kind, entries, effective_from=effective, summary="thử",
                               actor="quantri", now=now)
        s.expunge(version)
        return version


def _routed(received: Any, agency: str = "so-yt", now: Any = NOW) -> str:
    """A y_te ticket (5 working days) routed to `agency` at `now`."""
    with session_scope() as s:
        t = f.ticket(s, received, status="classified", agency=None)
        assign(s, t, agency, rule="test", reason="thử", actor="test", now=now)
        return t.code


def _due(code: str) -> Any:
    with session_scope() as s:
        return s.scalars(select(Ticket.due_at).where(Ticket.code == code)).one()


def test_a_declared_day_off_moves_new_deadlines_not_old_ones(database: str) -> None:
    before = _routed(f.local(2026, 12, 7, 9))
    assert _due(before) == f.local(2026, 12, 14, 17)  # Monday + 5 working days
    _save("calendar", [STORM])
    after = _routed(f.local(2026, 12, 7, 9, 30))
    assert _due(after) == f.local(2026, 12, 15, 17)  # Friday 11 is off now
    assert _due(before) == f.local(2026, 12, 14, 17)  # unchanged unless recomputed


def test_recomputing_moves_only_open_assignments_and_records_each(database: str) -> None:
    open_code = _routed(f.local(2026, 12, 7, 9))
    answered = _routed(f.local(2026, 12, 7, 9, 5))
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == answered)).one()
        ticket.status = "resolved"
        s.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)).one() \
            .answered_at = NOW
    version = _save("calendar", [STORM])
    with session_scope() as s:
        moved = overlay.recompute_deadlines(s, overlay.calendar_of(version), actor="quantri",
                                            now=NOW, version=version.version)
    assert [(m.code, m.old, m.new) for m in moved] == [
        (open_code, f.local(2026, 12, 14, 17), f.local(2026, 12, 15, 17))]
    assert _due(open_code) == f.local(2026, 12, 15, 17)
    assert _due(answered) == f.local(2026, 12, 14, 17)
    with session_scope() as s:
        events = s.scalars(select(TicketEvent).where(TicketEvent.kind == "deadline_changed"))
        assert [(e.actor, e.data["calendar_version"]) for e in events] == [("quantri", 1)]
        again = overlay.recompute_deadlines(s, overlay.calendar_of(version), actor="quantri",
                                            now=NOW, version=version.version)
    assert again == []  # nothing left to move


def test_versions_take_effect_on_their_date(database: str) -> None:
    _save("calendar", [STORM])
    later = {"date": "2026-12-19", "kind": "work", "note": "Làm bù cho ngày 11/12"}
    _save("calendar", [STORM, later], effective=TODAY + timedelta(days=3))
    with session_scope() as s:
        assert overlay.in_force(s, "calendar", TODAY).version == 1
        assert overlay.in_force(s, "calendar", TODAY + timedelta(days=3)).version == 2
        today = overlay.calendar(s, NOW)
        soon = overlay.calendar(s, NOW + timedelta(days=3))
    saturday = date(2026, 12, 19)
    assert not today.is_working_day(date(2026, 12, 11)) and not today.is_working_day(saturday)
    assert soon.is_working_day(saturday)
    assert get_calendar().is_working_day(date(2026, 12, 11))  # the shipped file is untouched
    for effective, message in ((TODAY - timedelta(days=1), "trước hôm nay"),
                               (TODAY + timedelta(days=1), "từ ngày đó trở đi")):
        with pytest.raises(ChangeError, match=message):
            _save("calendar", [STORM], effective=effective)


@pytest.mark.parametrize(("entry", "message"), [
    ({"date": "2026-12-32", "kind": "off", "note": "x"}, "năm-tháng-ngày"),
    ({"date": "2026-12-11", "kind": "holiday", "note": "x"}, "Nghỉ"),
    ({"date": "2026-12-11", "kind": "off", "note": "  "}, "lý do"),
])
def test_calendar_changes_are_checked(database: str, entry: dict[str, str],
                                      message: str) -> None:
    with pytest.raises(ChangeError, match=message):
        _save("calendar", [entry])
    with pytest.raises(ChangeError, match="hai lần"):
        _save("calendar", [STORM, {**STORM, "kind": "work"}])


def _rule(**fields: str) -> dict[str, Any]:
    row = {"step": "4", "topics": "y_te", "flags": "", "requires": "", "cues": "",
           "exclude": "", "target": "so-nv", "confident": "1",
           "reason": "Thử: chuyển {agency}."}
    return {**row, **fields}


def test_rule_changes_route_new_decisions(database: str) -> None:
    text = "Trạm y tế thiếu thuốc cấp cho người có thẻ bảo hiểm y tế."
    with session_scope() as s:
        assert understand(text, topic="y_te", router=overlay.router(s, NOW)) \
            .decision.agency_code == "so-yt"
    _save("rules", [
        {"action": "replace", "id": "R4-y-te", "rule": _rule(reason="Y tế tạm giao {agency}.")},
        {"action": "add", "id": "R0-cau-khi", "before": "R2-desk",
         "rule": _rule(topics="*", cues="cầu khỉ", target="so-xd", reason="Cầu khỉ: {agency}.")},
        {"action": "disable", "id": "R1-named"},
    ])
    with session_scope() as s:
        router = overlay.router(s, NOW)
    moved = understand(text, topic="y_te", router=router).decision
    assert (moved.agency_code, moved.rule, moved.reason) == (
        "so-nv", "R4-y-te", "Y tế tạm giao Sở Nội vụ.")
    bridge = understand("Cầu khỉ ở ấp 3 bị gãy, Sở Y tế chưa trả lời", topic="giao_thong",
                        router=router).decision
    assert (bridge.agency_code, bridge.rule) == ("so-xd", "R0-cau-khi")
    assert [r.id for r in router.rules][:2] == ["R0-cau-khi", "R2-desk"]
    assert "R1-named" not in {r.id for r in router.rules}
    # Without the rules in force (a command with no database): the shipped ones.
    assert understand(text, topic="y_te").decision.agency_code == "so-yt"


@pytest.mark.parametrize(("entry", "message"), [
    ({"action": "replace", "id": "R4-y-te", "rule": _rule(topics="khong_co")}, "danh mục"),
    ({"action": "replace", "id": "R4-y-te", "rule": _rule(target="so-khong-co")}, "danh bạ"),
    ({"action": "replace", "id": "R4-y-te", "rule": _rule(reason="Gửi {ten_can_bo}")},
     "ten_can_bo"),
    ({"action": "replace", "id": "R4-y-te", "rule": _rule(reason="")}, "lý do"),
    ({"action": "replace", "id": "R4-y-te", "rule": _rule(requires="commune")}, "@commune"),
    ({"action": "add", "id": "R4-y-te", "rule": _rule()}, "Đã có quy tắc"),
    ({"action": "add", "id": "có dấu", "rule": _rule()}, "Mã quy tắc"),
    ({"action": "disable", "id": "R5-review"}, "mọi phản ánh"),
    ({"action": "replace", "id": "R5-review", "rule": _rule(topics="khac")}, "mọi phản ánh"),
    ({"action": "add", "id": "R9-x", "before": "R-khong-co", "rule": _rule()}, "đặt trước"),
])
def test_rule_changes_are_checked(database: str, entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ChangeError, match=message):
        _save("rules", [entry])
    with session_scope() as s:
        assert overlay.latest(s, "rules") is None


def test_report_days_late_count_the_declared_day_off(database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        t = f.ticket(s, f.local(2026, 12, 1, 9))
        # Due Thursday 10/12, unanswered on Monday 14/12: Friday 11 and Monday 14 late.
        f.assign(s, t, "so-yt", f.local(2026, 12, 1, 10), f.local(2026, 12, 10, 17))
    monday = f.local(2026, 12, 14, 12)
    with session_scope() as s:
        (row,) = iter_list(s, Scope(Period(2026, 12), as_of=monday), "tre_xu_ly")
    assert row.days_late == 2
    _save("calendar", [STORM])
    with session_scope() as s:
        (row,) = iter_list(s, Scope(Period(2026, 12), as_of=monday), "tre_xu_ly")
    assert row.days_late == 1


def test_built_calendars_follow_the_entries_not_the_row_id() -> None:
    # An emptied database numbers its versions from 1 again: the content decides.
    storm = RoutingOverlay(id=1, entries=[STORM])
    swap = RoutingOverlay(id=1, entries=[{**STORM, "kind": "work", "date": "2026-12-12"}])
    assert not overlay.calendar_of(storm).is_working_day(date(2026, 12, 11))
    assert overlay.calendar_of(swap).is_working_day(date(2026, 12, 11))
    assert overlay.calendar_of(swap).is_working_day(date(2026, 12, 12))  # a Saturday worked
