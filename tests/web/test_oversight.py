"""The supervisor's pages on a frozen clock: the dashboard and the ranking of a running
month count only what is due; the ranking shows ranks by score, shared ranks and
"too few tickets"; the report list filters by month and agency, the province first."""

from __future__ import annotations

import re

import pytest

from tests.factories import reports as f
from tests.factories.web import UserFactory
from triage.db import session_scope
from triage.reports import store
from triage.tickets.period import Period

NOW = f.local(2026, 12, 7, 10, 0)


@pytest.fixture
def december(app: object) -> None:
    """so-yt: 6 answered on time, 1 past its deadline, 3 entered this morning (due next
    week); so-xd: 6 of 6 on time; ubnd-28249: 1 of 1."""
    due, early = f.local(2026, 12, 4, 17), f.local(2026, 12, 3, 9)
    with session_scope() as s:
        f.agencies(s)
        for agency, good, bad, fresh in (("so-yt", 6, 1, 3), ("so-xd", 6, 0, 0),
                                         ("ubnd-28249", 1, 0, 0)):
            for i in range(good + bad):
                t = f.ticket(s, f.local(2026, 12, 1, 9), agency=agency)
                f.assign(s, t, agency, f.local(2026, 12, 1, 10), due,
                         answered=early if i < good else None)
            for _ in range(fresh):
                t = f.ticket(s, f.local(2026, 12, 7, 9, 30), agency=agency)
                f.assign(s, t, agency, f.local(2026, 12, 7, 9, 31), f.local(2026, 12, 14, 17))


def _cells(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr[^>]*>\s*<td[^>]*>([^<]*)</td>\s*<td>{re.escape(name)}</td>(.*?)</tr>",
                    html, re.S)
    assert row, name
    return [row.group(1).strip(), *(c.strip() for c in re.findall(r"<td[^>]*>([^<]*)<",
                                                                  row.group(2)))]


def test_ranking_page_of_a_running_month(user: UserFactory, december: None,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.web.supervisor.utcnow", lambda: NOW)
    page = user("supervisor").get("/xep-hang").text
    assert "đã đến hạn tính đến 07/12/2026 10:00" in page
    xd, yt = _cells(page, "Sở Xây dựng"), _cells(page, "Sở Y tế")
    # Only what is due: so-yt has 7 due (6 on time, 1 late), not 10.
    assert xd[:4] == ["1", "6", "6", "0"] and yt[:4] == ["2", "7", "6", "1"]
    assert _cells(page, "UBND phường Đạo Thạnh")[0] == "Chưa đủ số phiếu để xếp hạng"


def test_dashboard_of_a_running_month(user: UserFactory, december: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.web.supervisor.utcnow", lambda: NOW)
    page = user("supervisor").get("/tong-quan").text
    late = re.search(r'Phiếu trễ hạn</span><span class="kpi-value">(\d+)<', page)
    rate = re.search(r'Trả lời đúng hạn</span><span class="kpi-value">([^<]+)<', page)
    assert late and late.group(1) == "1"
    assert rate and rate.group(1) == "92,9 %"  # 13 of the 14 due, not 13 of 17
    assert "13 / 14 phiếu đã đến hạn tính đến 07/12/2026 10:00" in page
    ranking = page.split('id="h-ranking"', 1)[1]
    assert _cells(ranking, "Sở Xây dựng")[0] == "1"
    assert _cells(ranking, "UBND phường Đạo Thạnh")[0] == "Chưa đủ số phiếu để xếp hạng"


def test_agency_dashboard_shows_only_its_own_rank(user: UserFactory, december: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.web.supervisor.utcnow", lambda: NOW)
    page = user("agency_staff", agency="so-yt").get("/tong-quan").text
    ranking = page.split('id="h-ranking"', 1)[1]
    assert _cells(ranking, "Sở Y tế")[0] == "2"
    assert "Sở Xây dựng" not in ranking and "Đạo Thạnh" not in ranking


@pytest.fixture
def two_months(app: object) -> None:
    """Report rows (not built) for September and October 2026: the province and three
    agencies each."""
    with session_scope() as s:
        f.agencies(s)
        for month in (Period(2026, 9), Period(2026, 10)):
            store.ensure_reports(s, month, NOW, agencies=["so-yt", "so-xd", "ubnd-28249"])


def _listed(html: str) -> list[tuple[str, str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [(m, re.sub(r"<[^>]+>", "", scope).strip()) for m, scope in re.findall(
        r'<td class="nowrap">(\d{4}-\d{2})</td>\s*<td>(.*?)</td>', body, re.S)]


def test_report_list_filters_by_month_and_agency_province_first(
        user: UserFactory, two_months: None) -> None:
    sup = user("supervisor")
    everything = _listed(sup.get("/bao-cao").text)
    assert everything[0] == ("2026-10", "Toàn tỉnh") and len(everything) == 8
    october = _listed(sup.get("/bao-cao?thang=2026-10").text)
    # The province first, then the agencies by name.
    assert october == [("2026-10", "Toàn tỉnh"), ("2026-10", "Sở Xây dựng"),
                       ("2026-10", "Sở Y tế"), ("2026-10", "UBND phường Đạo Thạnh")]
    assert _listed(sup.get("/bao-cao?co_quan=so-yt").text) == [
        ("2026-10", "Sở Y tế"), ("2026-09", "Sở Y tế")]
    assert _listed(sup.get("/bao-cao?co_quan=toan-tinh&thang=2026-09").text) == [
        ("2026-09", "Toàn tỉnh")]
    assert len(_listed(sup.get("/bao-cao?thang=../x&co_quan=").text)) == 8
    staff = user("agency_staff", agency="so-xd")
    assert _listed(staff.get("/bao-cao?co_quan=so-yt").text) == [
        ("2026-10", "Sở Xây dựng"), ("2026-09", "Sở Xây dựng")]
