"""Reports API: who may list, download and generate; file names; the dashboard."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.factories import reports as f
from tests.factories.api import client_fixture
from tests.factories.users import issue_token
from triage.db import session_scope
from triage.reports import store, tasks
from triage.tickets.period import Period

NOW = f.local(2026, 11, 1, 7, 0)


client = client_fixture(on="october")


@pytest.fixture
def built(client: TestClient) -> dict[str | None, int]:
    """The October reports, built; report id by agency code (None: province)."""
    tasks.monthly_report(now=NOW, enqueue=lambda rid: tasks.build_report(rid, now=NOW))
    reports = client.get("/api/v1/reports", headers=issue_token("supervisor")).json()
    return {r["agency_code"]: r["id"] for r in reports}


def test_supervisor_lists_and_downloads_with_rfc6266_name(client: TestClient,
                                                          built: dict[str | None, int]) -> None:
    headers = issue_token("supervisor")
    listed = client.get("/api/v1/reports?period=2026-10", headers=headers).json()
    assert [r["agency_code"] for r in listed] == [None, "so-xd", "so-yt"]
    assert {f["format"] for f in listed[0]["files"]} == {"xlsx", "pdf", "csv"}
    r = client.get(f"/api/v1/reports/{built['so-yt']}/files/xlsx", headers=headers)
    assert r.status_code == 200 and r.content[:2] == b"PK"
    disposition = r.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert 'filename="bao-cao-1022-2026-10-so-yt.xlsx"' in disposition
    name = disposition.split("filename*=UTF-8''")[1]
    assert unquote(name) == "Báo cáo 1022 tháng 10-2026 - Sở Y tế.xlsx"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_agency_staff_get_only_their_own_section(client: TestClient,
                                                 built: dict[str | None, int]) -> None:
    staff = issue_token("agency_staff", "so-yt")
    listed = client.get("/api/v1/reports", headers=staff).json()
    assert [r["agency_code"] for r in listed] == ["so-yt"]
    own = client.get(f"/api/v1/reports/{built['so-yt']}/files/csv", headers=staff)
    assert own.status_code == 200
    for other in (built[None], built["so-xd"], 999_999):
        denied = client.get(f"/api/v1/reports/{other}/files/pdf", headers=staff)
        assert denied.status_code == 404 and b"%PDF" not in denied.content
    assert client.get(f"/api/v1/reports/{built['so-yt']}/files/pdf").status_code == 401
    operator = issue_token("operator")
    assert client.get("/api/v1/reports", headers=operator).status_code == 403


TRAVERSALS = (
    "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%252e%252e%252fetc", "..\\..\\etc",
    "/etc/passwd", "report%00.xlsx", "．．／secret", "{id}/files/..%2f..%2fetc%2fpasswd",
    "{id}/files/xlsx%00", "{id}/files/XLSX", "{id}/files/../../../../etc/passwd",
)


def test_download_paths_never_reach_the_filesystem(client: TestClient,
                                                   built: dict[str | None, int]) -> None:
    boss = issue_token("supervisor")
    for path in TRAVERSALS:
        r = client.get(f"/api/v1/reports/{path.format(id=built[None])}", headers=boss)
        assert r.status_code in (404, 405, 422), (path, r.status_code)
        assert b"root:" not in r.content and b"PK" not in r.content[:2]


def test_generate_on_demand_is_for_supervisors(client: TestClient) -> None:
    body = {"period": "2026-10", "agency_code": "so-yt"}
    staff = issue_token("agency_staff", "so-yt")
    assert client.post("/api/v1/reports/generate", json=body, headers=staff).status_code == 403
    boss = issue_token("supervisor")
    r = client.post("/api/v1/reports/generate", json=body, headers=boss)
    assert r.status_code == 200, r.text
    made = r.json()
    assert made["status"] == "ready" and len(made["files"]) == 3
    again = client.post("/api/v1/reports/generate", json={**body, "force": True}, headers=boss)
    assert again.json()["id"] == made["id"]
    assert [f["sha256"] for f in again.json()["files"]] == [f["sha256"] for f in made["files"]]
    for bad in ({"period": "2026-13"}, {"period": "../x"}, {"period": "2099-01"},
                {"period": "2026-10", "agency_code": "khong-co"}):
        assert client.post("/api/v1/reports/generate", json=bad,
                           headers=boss).status_code == 422, bad


def test_dashboard_filters_and_agency_scope(client: TestClient,
                                            october: dict[str, str]) -> None:
    boss = issue_token("supervisor")
    whole = client.get("/api/v1/reports/dashboard?month=2026-10", headers=boss).json()
    assert whole["counts"]["received"] == 7 and whole["counts"]["tre_han"] == 5
    assert len(whole["trend"]) == 12 and whole["trend"][-1]["period"] == "2026-10"
    assert whole["on_time"] == {"due": 2, "on_time": 0, "late": 2, "rate": 0.0}
    assert {b["agency_code"] for b in whole["backlog"]} == {"so-yt", "so-xd"}
    topic = client.get("/api/v1/reports/dashboard?month=2026-10&topic=giao_thong",
                       headers=boss).json()
    assert topic["counts"]["received"] == 0
    staff = issue_token("agency_staff", "so-xd")
    own = client.get("/api/v1/reports/dashboard?month=2026-10", headers=staff).json()
    assert own["agency_code"] == "so-xd" and own["counts"]["received"] == 1
    assert {b["agency_code"] for b in own["backlog"]} == {"so-xd"}
    other = client.get("/api/v1/reports/dashboard?month=2026-10&agency=so-yt", headers=staff)
    assert other.status_code == 403
    assert client.get("/api/v1/reports/dashboard?month=2026-10&topic=x",
                      headers=boss).status_code == 422


def test_report_list_filters_by_agency_province_first(client: TestClient) -> None:
    with session_scope() as s:
        for month in ("2026-09", "2026-10"):
            store.ensure_reports(s, Period.parse(month), NOW, agencies=["so-yt", "so-xd"])
    boss = issue_token("supervisor")
    listed = client.get("/api/v1/reports", headers=boss).json()
    assert [(r["period"], r["agency_code"]) for r in listed][:3] == [
        ("2026-10", None), ("2026-10", "so-xd"), ("2026-10", "so-yt")]
    only = client.get("/api/v1/reports?agency=so-yt", headers=boss).json()
    assert [(r["period"], r["agency_code"]) for r in only] == [("2026-10", "so-yt"),
                                                               ("2026-09", "so-yt")]
    province = client.get("/api/v1/reports?agency=province&period=2026-09", headers=boss)
    assert [r["agency_code"] for r in province.json()] == [None]
