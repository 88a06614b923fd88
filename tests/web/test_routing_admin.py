"""Admins edit days off and routing rules in the console: only admins, with the form's
CSRF token; refused changes are explained; every version and every recomputation of
open tickets' deadlines is in the audit log; the operator's suggestion follows the
rules in force."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from tests.factories.web import AGENCY_A, UserFactory, enter
from triage.auth.models import AuditEntry
from triage.db import session_scope, utcnow
from triage.routing import overlay
from triage.routing.deadlines import TZ, due_at, get_calendar
from triage.tickets.models import Ticket


def _audit(action: str) -> list[AuditEntry]:
    with session_scope() as s:
        rows = list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)))
        s.expunge_all()
        return rows


def _ticket(code: str) -> Ticket:
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        s.expunge(ticket)
        return ticket


def _next_working_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not get_calendar().is_working_day(day):
        day += timedelta(days=1)
    return day


def test_admin_declares_a_day_off_and_recomputes_open_deadlines(user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác ở ấp 3 xã Mỹ Hiệp bốc mùi.", agency=AGENCY_A)
    ticket = _ticket(code)
    assert ticket.due_at is not None
    # The ticket's own deadline day becomes a day off: its deadline moves one working day.
    storm = ticket.due_at.astimezone(TZ).date()
    adm = user("admin")
    form = {"ngay": storm.isoformat(), "loai": "off", "ly_do": "Nghỉ do bão số 15",
            "tinh_lai": "1"}
    assert user("supervisor").post("/quan-tri/ngay-nghi", form).status_code == 403
    assert adm.post("/quan-tri/ngay-nghi", form, token="sai").status_code == 403
    assert _ticket(code).due_at == ticket.due_at
    saved = adm.post("/quan-tri/ngay-nghi", form)
    assert saved.status_code == 303 and "calendar_saved" in saved.headers["location"]
    moved = _ticket(code).due_at
    assert moved is not None
    assert moved.astimezone(TZ).date() == _next_working_day(storm)
    assert moved == due_at(ticket.received_at, ticket.topic, ticket.flags,
                           calendar=get_calendar().with_days([(storm, "off")]))
    (save,) = _audit("routing.calendar.save")
    assert save.actor == adm.username and save.data["version"] == 1
    (recompute,) = _audit("routing.deadlines.recompute")
    assert recompute.data["moved"] == 1 and recompute.data["tickets"][0]["code"] == code
    page = adm.get("/quan-tri/ngay-nghi").text
    assert "Nghỉ do bão số 15" in page and "quản trị viên khai báo" in page
    history = page.split("Lịch sử thay đổi", 1)[1]
    assert re.search(r'<td class="num">1</td>.*?<td class="num">1</td>', history, re.S)


def test_a_day_off_without_recompute_leaves_deadlines_and_withdrawing_it_works(
        user: UserFactory) -> None:
    op = user("operator")
    code = enter(op, "Bãi rác ở ấp 3 xã Mỹ Hiệp bốc mùi.", agency=AGENCY_A)
    before = _ticket(code).due_at
    assert before is not None
    storm = before.astimezone(TZ).date()
    adm = user("admin")
    adm.post("/quan-tri/ngay-nghi", {"ngay": storm.isoformat(), "loai": "off",
                                     "ly_do": "Bão"})
    assert _ticket(code).due_at == before and _audit("routing.deadlines.recompute") == []
    removed = adm.post("/quan-tri/ngay-nghi/bo", {"ngay": storm.isoformat()})
    assert removed.status_code == 303
    with session_scope() as s:
        assert overlay.in_force(s, "calendar", storm).entries == []
        assert overlay.latest(s, "calendar").version == 2


def test_refused_changes_say_why(user: UserFactory) -> None:
    adm = user("admin")
    today = utcnow().astimezone(TZ).date()
    cases = [({"ngay": today.isoformat(), "loai": "off", "ly_do": ""}, "Hãy ghi lý do"),
             ({"ngay": "ngày mai", "loai": "off", "ly_do": "x"}, "phải là một ngày"),
             ({"ngay": today.isoformat(), "loai": "off", "ly_do": "x",
               "hieu_luc": (today - timedelta(days=1)).isoformat()}, "trước hôm nay"),
             ({"ngay": today.isoformat(), "loai": "off", "ly_do": "x", "tinh_lai": "1",
               "hieu_luc": (today + timedelta(days=2)).isoformat()}, "hiệu lực từ hôm nay")]
    for form, message in cases:
        refused = adm.post("/quan-tri/ngay-nghi", form)
        assert refused.status_code == 422 and message in refused.text, form
    rule = adm.post("/quan-tri/dinh-tuyen", {
        "action": "replace", "id": "R4-y-te", "step": "4", "topics": ["y_te"],
        "target": "so-yt", "reason": "Chuyển {nguoi_nhan}", "confident": "1"})
    assert rule.status_code == 422 and "nguoi_nhan" in rule.text
    assert _audit("routing.calendar.save") == _audit("routing.rules.save") == []


def test_a_rule_added_in_the_console_decides_the_operators_suggestion(
        user: UserFactory) -> None:
    adm = user("admin")
    saved = adm.post("/quan-tri/dinh-tuyen", {
        "action": "add", "id": "R0-cau-khi", "step": "1", "cues": "cầu khỉ",
        "target": "so-xd", "reason": "Cầu khỉ, cầu tạm: chuyển {agency}.", "confident": "1",
        "before": "R2-desk"})
    assert saved.status_code == 303 and "rules_saved" in saved.headers["location"]
    (entry,) = _audit("routing.rules.save")
    assert entry.data["summary"] == "Thêm quy tắc R0-cau-khi"
    op = user("operator")
    text = "Cầu khỉ ở ấp 3 xã Mỹ Hiệp bị gãy, học sinh đi học rất nguy hiểm."
    suggestion = op.client.post("/tiep-nhan/goi-y", json={"text": text},
                                headers={"X-CSRF-Token": op.csrf}).json()
    assert (suggestion["agency_code"], suggestion["rule"]) == ("so-xd", "R0-cau-khi")
    page = adm.get("/quan-tri/dinh-tuyen").text
    assert "R0-cau-khi" in page and "Thêm mới" in page
    # Dropping the change: the shipped rules decide again.
    assert adm.post("/quan-tri/dinh-tuyen/R0-cau-khi/bo").status_code == 303
    again = op.client.post("/tiep-nhan/goi-y", json={"text": text},
                           headers={"X-CSRF-Token": op.csrf}).json()
    assert again["rule"] != "R0-cau-khi" and again["agency_code"] != "so-xd"
    assert adm.post("/quan-tri/dinh-tuyen/R0-cau-khi/tat").status_code == 422
