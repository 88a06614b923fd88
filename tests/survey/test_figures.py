"""Response and satisfaction rates per agency and per topic: the dashboard (API and page),
the ranking page and the monthly report's workbook and PDF, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tests.factories.tickets import AGENCY_A, AGENCY_B, headers_for
from tests.factories.web import PASSWORD, login
from tests.survey.conftest import Sinks, deliver_all, routed
from tests.survey.test_survey import resolve, sms_token
from triage import db
from triage.auth import service as auth
from triage.db import session_scope, utcnow
from triage.reports.build import write_formats
from triage.reports.service import Scope
from triage.settings import get_settings
from triage.tickets.period import Period


def judged_month(client: TestClient, sinks: Sinks) -> None:
    """AGENCY_A: three surveys (y_te), two answered, one satisfied; AGENCY_B: one survey
    (giao_duc), answered satisfied; one conduct case at AGENCY_A, unanswered."""
    plan = [(AGENCY_A, "y_te", True), (AGENCY_A, "y_te", False), (AGENCY_A, "y_te", None),
            (AGENCY_B, "giao_duc", True)]
    for agency, topic, satisfied in plan:
        code = routed(agency=agency, topic=topic, email=None)
        resolve(client, code, headers_for("staff_a" if agency == AGENCY_A else "staff_b"))
        deliver_all()
        if satisfied is not None:
            r = client.post(f"/api/v1/survey/{sms_token(sinks)}",
                            json={"satisfied": satisfied})
            assert r.status_code == 200, r.text


def test_the_dashboard_shows_response_and_satisfaction_rates(
    client: TestClient, sinks: Sinks,
) -> None:
    judged_month(client, sinks)
    month = str(Period.containing(utcnow()))
    data = client.get(f"/api/v1/reports/dashboard?month={month}",
                      headers=headers_for("supervisor")).json()["satisfaction"]
    assert data["total"] | {"key": None} == {
        "key": None, "name": "Tổng cộng", "sent": 4, "answered": 3, "satisfied": 2,
        "response_rate": 0.75, "satisfaction_rate": 0.6667}
    agencies = {r["key"]: r for r in data["by_agency"]}
    assert agencies[AGENCY_A]["sent"] == 3 and agencies[AGENCY_A]["response_rate"] == 0.6667
    assert agencies[AGENCY_A]["satisfaction_rate"] == 0.5
    assert agencies[AGENCY_B]["satisfaction_rate"] == 1.0
    topics = {r["key"]: r for r in data["by_topic"]}
    assert topics["y_te"]["answered"] == 2 and topics["giao_duc"]["sent"] == 1
    # Agency staff get their own agency's figures only.
    own = client.get(f"/api/v1/reports/dashboard?month={month}",
                     headers=headers_for("staff_b")).json()["satisfaction"]
    assert [r["key"] for r in own["by_agency"]] == [AGENCY_B] and own["total"]["sent"] == 1
    # The page, and the ranking page's columns.
    with db.session_scope() as session:
        auth.create_user(session, "giam-sat", "supervisor", password=PASSWORD,
                         display_name="Giám sát")
    browser = TestClient(client.app)
    assert login(browser, "giam-sat").status_code == 303
    page = browser.get(f"/tong-quan?thang={month}").text
    assert "Mức độ hài lòng của công dân" in page and "66,7 %" in page and "75,0 %" in page
    ranking = browser.get(f"/xep-hang?thang={month}")
    assert ranking.status_code == 200 and "Tỷ lệ hài lòng" in ranking.text


def test_the_monthly_report_has_the_satisfaction_columns(
    client: TestClient, sinks: Sinks, tmp_path: Path,
) -> None:
    judged_month(client, sinks)
    targets = {fmt: tmp_path / f"r.{fmt}" for fmt in ("xlsx", "pdf", "csv")}
    with session_scope() as s:
        write_formats(s, Scope(Period.containing(utcnow())), targets)
    sheet = openpyxl.load_workbook(targets["xlsx"], read_only=True).worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    titles = [r[0] for r in rows]
    start = titles.index("Mức độ hài lòng theo cơ quan")
    assert rows[start][1:6] == ("Đã gửi khảo sát", "Đã phản hồi", "Hài lòng", "Tỷ lệ phản hồi",
                                "Tỷ lệ hài lòng")
    assert rows[start + 1][0] == "Sở Y tế" and rows[start + 1][1:4] == (3, 2, 1)
    assert abs(rows[start + 1][4] - 2 / 3) < 1e-9 and rows[start + 1][5] == 0.5
    topic = titles.index("Mức độ hài lòng theo lĩnh vực")
    assert rows[topic + 1][0] == "Y tế" and rows[topic + 1][1:4] == (3, 2, 1)
    assert targets["pdf"].read_bytes().startswith(b"%PDF")


def _agency_b_month(client: TestClient, sinks: Sinks) -> None:
    """AGENCY_B: a conduct case answered "chưa hài lòng" and an ordinary one answered
    "hài lòng"."""
    for flags, satisfied in ((["thai_do"], False), ([], True)):
        code = routed(agency=AGENCY_B, topic="giao_duc", flags=flags, email=None)
        resolve(client, code, headers_for("staff_b"))
        deliver_all()
        r = client.post(f"/api/v1/survey/{sms_token(sinks)}", json={"satisfied": satisfied})
        assert r.status_code == 200, r.text


def test_an_agency_never_sees_a_conduct_callers_answer_nor_a_count_of_too_few(
    client: TestClient, sinks: Sinks, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _agency_b_month(client, sinks)
    url = f"/api/v1/reports/dashboard?month={Period.containing(utcnow())}"
    # The province office sees both answers.
    office = client.get(url, headers=headers_for("supervisor")).json()["satisfaction"]
    row = next(r for r in office["by_agency"] if r["key"] == AGENCY_B)
    assert (row["sent"], row["answered"], row["satisfied"]) == (2, 2, 1)
    assert office["min_answers"] is None
    # The agency: the conduct case's survey is not in its figures, and one answer is too
    # few to be told how many were satisfied.
    own = client.get(url, headers=headers_for("staff_b")).json()
    sat = own["satisfaction"]
    assert (sat["total"]["sent"], sat["total"]["answered"]) == (1, 1)
    assert sat["total"]["satisfied"] is None and sat["total"]["satisfaction_rate"] is None
    assert [r["satisfied"] for r in sat["by_agency"] + sat["by_topic"]] == [None, None]
    assert sat["min_answers"] == 5
    # From the least number of answers on, the agency sees its count: still without the
    # conduct case.
    monkeypatch.setenv("TRIAGE_SURVEY_MIN_ANSWERS", "1")
    get_settings.cache_clear()
    sat = client.get(url, headers=headers_for("staff_b")).json()["satisfaction"]
    assert (sat["total"]["answered"], sat["total"]["satisfied"]) == (1, 1)
    assert sat["total"]["satisfaction_rate"] == 1.0


def test_an_agencys_own_monthly_report_leaves_out_conduct_answers(
    client: TestClient, sinks: Sinks, tmp_path: Path,
) -> None:
    _agency_b_month(client, sinks)
    target = tmp_path / "b.xlsx"
    with session_scope() as s:
        write_formats(s, Scope(Period.containing(utcnow()), AGENCY_B), {"xlsx": target})
    rows = [tuple(r) for r in openpyxl.load_workbook(target, read_only=True)
            .worksheets[0].iter_rows(values_only=True)]
    start = [r[0] for r in rows].index("Mức độ hài lòng theo cơ quan")
    assert rows[start + 1][1:4] == (1, 1, None)
