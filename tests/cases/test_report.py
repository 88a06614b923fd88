"""The monthly report's fourth list (re-raised cases, by agency), the collective
complaints' list, and the dashboard's cases counted apart from reports."""

from __future__ import annotations

from datetime import timedelta

from tests.cases.test_cases import FLOOD, PHONES, report, routed
from triage.db import session_scope, utcnow
from triage.inbox.service import resolve
from triage.reports.dashboard import Filters, counts
from triage.reports.service import LISTS, Scope, iter_list
from triage.tickets.models import Ticket
from triage.tickets.period import Period
from triage.tickets.service import local_tz


def this_month() -> Period:
    now = utcnow().astimezone(local_tz())
    return Period(now.year, now.month)


def test_reraised_cases_are_the_fourth_list_and_collective_complaints_are_flagged(
        database: str) -> None:
    assert [s.key for s in LISTS][-2:] == ["tai_phan_anh", "dong_nguoi"]
    first = routed(FLOOD[0], PHONES[0])
    with session_scope() as s:
        ticket = s.get_one(Ticket, first)
        resolve(s, ticket, "Đã xử lý.", actor="can-bo", agency_code=ticket.agency_code or "",
                now=utcnow() - timedelta(days=2))
    again = routed(FLOOD[1], PHONES[1])
    crowd = report("Hơn năm mươi hộ dân ấp 3 xã Mỹ Hiệp ký tên tập thể phản đối trại heo "
                   "xả thải, bà con kéo nhau lên ủy ban xã.", PHONES[2])
    with session_scope() as s:
        s.get_one(Ticket, crowd).urgency = "dong_nguoi"
    with session_scope() as s:
        rows = list(iter_list(s, Scope(this_month()), "tai_phan_anh"))
        code, agency = s.get_one(Ticket, first).code, s.get_one(Ticket, again).agency_code
        assert [(r.code, r.agency_code) for r in rows] == [(f"VV-{code}", agency)]
        assert rows[0].status.startswith("Tái phản ánh 1 lần")
        crowd_code = s.get_one(Ticket, crowd).code
        assert [r.code for r in iter_list(s, Scope(this_month()), "dong_nguoi")] == [crowd_code]


def test_dashboard_counts_cases_and_reports_apart(database: str) -> None:
    for text, phone in zip(FLOOD[:3], PHONES[:3], strict=True):
        routed(text, phone)
    routed("Quán cà phê trên đường Nguyễn Huệ phường Mỹ Phú lấn chiếm vỉa hè bày bàn ghế, "
           "người đi bộ phải xuống lòng đường.", PHONES[3])
    with session_scope() as s:
        month = counts(s, Filters(this_month()))
    assert (month["reports"], month["cases"]) == (4, 2)
