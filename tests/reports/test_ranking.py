"""The ranking accounts for volume: the lower Wilson bound of the on-time rate, equal
scores share a rank, agencies below the minimum volume are listed without one. The
same ranking reaches the dashboard API, the workbook and the PDF."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from scipy.stats import binomtest

from tests.factories import reports as f
from tests.factories.api import client_fixture
from tests.factories.users import issue_token
from tests.reports.conftest import poppler
from triage.db import session_scope
from triage.reports.build import write_formats
from triage.reports.ranking import TOO_FEW, OnTimeRow, rank, wilson_lower
from triage.reports.service import Scope
from triage.reports.summary import build_summary
from triage.settings import get_settings
from triage.tickets.period import Period

OCT = Period(2026, 10)
NOW = f.local(2026, 11, 2, 9, 0)


def test_wilson_lower_bound_is_the_one_scipy_computes() -> None:
    for due in (1, 2, 3, 5, 10, 37, 100):
        for on_time in range(due + 1):
            expected = binomtest(on_time, due).proportion_ci(method="wilson").low
            assert wilson_lower(on_time, due) == pytest.approx(expected, abs=1e-12)
    assert wilson_lower(0, 0) == 0.0


def _rows(*counts: tuple[str, int, int]) -> list[OnTimeRow]:
    return [OnTimeRow(code, code, due, on_time, due - on_time) for code, due, on_time in counts]


def test_twenty_one_of_one_do_not_outrank_eight_of_ten() -> None:
    rows = _rows(("so-8-10", 10, 8), *((f"xa-{i:02d}", 1, 1) for i in range(20)))
    ranked = rank(rows, minimum=1)
    assert ranked[0].code == "so-8-10" and ranked[0].rank == 1
    # The twenty agencies with 1 of 1 tie: one rank for all of them.
    assert {r.rank for r in ranked[1:]} == {2}
    limited = rank(rows, minimum=5)
    assert (limited[0].code, limited[0].rank) == ("so-8-10", 1)
    assert all(r.rank is None and r.rank_label == TOO_FEW for r in limited[1:])


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    ranked = rank(_rows(("a", 10, 9), ("b", 10, 9), ("c", 10, 7), ("d", 20, 18)), minimum=5)
    assert [(r.code, r.rank) for r in ranked] == [("d", 1), ("a", 2), ("b", 2), ("c", 4)]
    assert ranked[0].score == pytest.approx(wilson_lower(18, 20))


@pytest.fixture
def ranked_month(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """October 2026: so-yt 8 of 10 on time, so-xd 1 of 1, ubnd-28249 5 of 5."""
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    due, on_time, late = f.local(2026, 10, 9, 17), f.local(2026, 10, 8, 9), \
        f.local(2026, 10, 13, 9)
    with session_scope() as s:
        f.agencies(s)
        for agency, total, good in (("so-yt", 10, 8), ("so-xd", 1, 1), ("ubnd-28249", 5, 5)):
            for i in range(total):
                t = f.ticket(s, f.local(2026, 10, 5, 9), agency=agency)
                f.assign(s, t, agency, f.local(2026, 10, 5, 10), due,
                         answered=on_time if i < good else late)


def test_summary_ranks_by_score_and_leaves_small_agencies_unranked(
        ranked_month: None) -> None:
    with session_scope() as s:
        ranking = build_summary(s, Scope(OCT, as_of=NOW)).ranking
        section = build_summary(s, Scope(OCT, "so-yt", as_of=NOW)).ranking
    assert [(r.code, r.rank) for r in ranking] == [("ubnd-28249", 1), ("so-yt", 2),
                                                    ("so-xd", None)]
    # An agency's own section: its row, with its rank among all agencies.
    assert [(r.code, r.rank, r.due) for r in section] == [("so-yt", 2, 10)]


client = client_fixture(on="ranked_month")


def test_dashboard_api_gives_the_ranking(client: TestClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("triage.reports.views.utcnow", lambda: NOW)
    data = client.get("/api/v1/reports/dashboard?month=2026-10",
                      headers=issue_token("supervisor")).json()
    assert data["ranking_min_due"] == 5
    assert [(r["agency_code"], r["rank"], r["rank_label"]) for r in data["ranking"]] == [
        ("ubnd-28249", 1, "1"), ("so-yt", 2, "2"), ("so-xd", None, TOO_FEW)]
    assert data["ranking"][1]["score"] == pytest.approx(wilson_lower(8, 10), abs=1e-9)
    own = client.get("/api/v1/reports/dashboard?month=2026-10",
                     headers=issue_token("agency_staff", "so-xd")).json()
    assert [(r["agency_code"], r["rank_label"]) for r in own["ranking"]] == [("so-xd", TOO_FEW)]


def test_minimum_volume_is_a_setting(client: TestClient, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    monkeypatch.setattr(get_settings(), "ranking_min_due", 1)  # TRIAGE_RANKING_MIN_DUE
    data = client.get("/api/v1/reports/dashboard?month=2026-10",
                      headers=issue_token("supervisor")).json()
    assert [(r["agency_code"], r["rank"]) for r in data["ranking"]] == [
        ("ubnd-28249", 1), ("so-yt", 2), ("so-xd", 3)]


def test_workbook_and_pdf_carry_the_same_ranking(ranked_month: None, tmp_path: Path) -> None:
    targets = {"xlsx": tmp_path / "r.xlsx", "pdf": tmp_path / "r.pdf"}
    with session_scope() as s:
        write_formats(s, Scope(OCT, as_of=NOW), targets)
    sheet = openpyxl.load_workbook(targets["xlsx"])["Tổng hợp"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Cơ quan" and r[6] == "Xếp hạng")
    table = [(r[0], r[4], r[6]) for r in rows[header + 1:header + 4]]
    assert table == [("UBND phường Đạo Thạnh", 1.0, 1), ("Sở Y tế", 0.8, 2),
                     ("Sở Xây dựng", 1.0, TOO_FEW)]
    assert rows[header + 2][5] == pytest.approx(wilson_lower(8, 10))
    text = unicodedata.normalize("NFC", subprocess.run(
        [poppler("pdftotext"), "-layout", str(targets["pdf"]), "-"], check=True,
        capture_output=True, text=True).stdout)
    assert f"{TOO_FEW} (dưới 5 phiếu đến hạn)" in text
    section = text.split("4. Tỷ lệ xử lý đúng hạn", 1)[1]
    lines = [" ".join(line.split()) for line in section.splitlines()]
    assert any(line.startswith("1 UBND phường Đạo Thạnh 5 5 0 100,0%") for line in lines)
    assert any(line.startswith("2 Sở Y tế 10 8 2 80,0% 49,0%") for line in lines)
