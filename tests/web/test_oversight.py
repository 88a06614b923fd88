"""The supervisor's pages on a frozen clock: the dashboard and the ranking of a running
month count only what is due; the ranking shows ranks by score, shared ranks and
"too few tickets"."""

from __future__ import annotations

import re

import pytest

from tests.factories import reports as f
from tests.factories.web import UserFactory
from triage.db import session_scope

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
