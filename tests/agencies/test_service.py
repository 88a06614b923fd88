"""The agency directory in the database, on SQLite and PostgreSQL: loading the default
file, CSV import and export (with row errors), the CLI functions and the admin API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.factories.api import client_fixture
from tests.factories.users import issue_token
from triage.agencies import service
from triage.agencies.cli import agencies_export, agencies_import, agencies_load
from triage.agencies.directory import DEFAULT_PATH
from triage.agencies.models import AgencyRow
from triage.auth.models import AuditEntry
from triage.db import session_scope

FILE_ROWS = sum(1 for _ in csv.DictReader(DEFAULT_PATH.open(encoding="utf-8")))
HEADER = ",".join(service.COLUMNS)


def count() -> int:
    with session_scope() as s:
        return s.scalar(select(func.count()).select_from(AgencyRow)) or 0


def exported() -> str:
    out = io.StringIO()
    with session_scope() as s:
        service.export_csv(s, out)
    return out.getvalue()


def test_loading_the_default_file_is_idempotent(database: str) -> None:
    with session_scope() as s:
        first = service.load_default(s)
    assert len(first.created) == FILE_ROWS == count()
    with session_scope() as s:
        stamp = s.get_one(AgencyRow, "so-yt").updated_at
        second = service.load_default(s)
    assert (second.created, second.updated, second.unchanged) == ([], [], FILE_ROWS)
    with session_scope() as s:
        row = s.get_one(AgencyRow, "so-yt")
        assert row.updated_at == stamp and row.name == "Sở Y tế"
        assert row.level == "province" and row.parent_code == "vp-ubnd-tinh"


def test_export_then_import_changes_nothing(database: str) -> None:
    with session_scope() as s:
        service.load_default(s)
    text = exported()
    assert text.splitlines()[0] == HEADER and len(text.splitlines()) == FILE_ROWS + 1
    with session_scope() as s:
        result = service.import_csv(s, text)
    assert (result.errors, result.created, result.updated) == ([], [], [])
    assert result.unchanged == FILE_ROWS


def test_import_updates_and_adds(database: str) -> None:
    with session_scope() as s:
        service.load_default(s)
    rows = [HEADER,
            "so-yt,Sở Y tế tỉnh Đồng Tháp,province,vp-ubnd-tinh,SYT|so y te,"
            "syt@dongthap.gov.vn,https://hooks.example.vn/syt,2025-07-01,",
            "bv-moi,Bệnh viện Mới,utility,so-yt,,,,2026-01-01,2030-12-31"]
    with session_scope() as s:
        result = service.import_csv(s, "\n".join(rows) + "\n")
    assert (result.created, result.updated, result.errors) == (["bv-moi"], ["so-yt"], [])
    with session_scope() as s:
        row = s.get_one(AgencyRow, "so-yt")
        assert (row.name, row.aliases, row.email) == ("Sở Y tế tỉnh Đồng Tháp",
                                                      ["SYT", "so y te"], "syt@dongthap.gov.vn")
    assert count() == FILE_ROWS + 1


def test_import_reports_every_bad_row_and_writes_nothing(database: str) -> None:
    rows = [HEADER,
            "so-a,Sở A,province,,,,,,",                       # 2: fine
            "SO B,Sở B,province,,,,,,",                       # 3: bad code
            "so-c,,province,,,,,,",                           # 4: no name
            "so-d,Sở D,huyen,,,,,,",                          # 5: old level
            "so-e,Sở E,province,,,not-an-email,ftp://x,,",    # 6: contacts
            "so-f,Sở F,province,,,,,01/07/2025,",             # 7: date format
            "so-g,Sở G,province,,,,,2026-01-01,2025-01-01",   # 8: dates reversed
            "so-h,Sở H,province,khong-co,,,,,",               # 9: unknown parent
            "so-a,Sở A lần hai,province,,,,,,"]               # 10: duplicate
    with session_scope() as s:
        result = service.import_csv(s, "\n".join(rows) + "\n")
    found = {(e.row, e.field) for e in result.errors}
    assert found == {(3, "code"), (4, "name"), (5, "level"), (6, "email"), (6, "webhook_url"),
                     (7, "active_from"), (8, "active_to"), (9, "parent"), (10, "code")}
    assert all(e.message and e.message[0].isupper() for e in result.errors)
    assert result.created == [] and count() == 0


def test_import_without_the_columns_is_refused(database: str) -> None:
    with session_scope() as s:
        result = service.import_csv(s, "code,name\nso-a,Sở A\n")
    [error] = result.errors
    assert error.row == 1 and "level" in error.message and count() == 0


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("load")(agencies_load)
    app.command("import")(agencies_import)
    app.command("export")(agencies_export)
    return app


def test_cli_load_export_import(database: str, cli: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load"])
    assert loaded.exit_code == 0 and f"thêm {FILE_ROWS}" in loaded.output
    target = tmp_path / "agencies.csv"
    assert runner.invoke(cli, ["export", str(target)]).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith(HEADER)
    again = runner.invoke(cli, ["import", str(target)])
    assert again.exit_code == 0 and f"giữ nguyên {FILE_ROWS}" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\nSO X,,x,,,,,,\n", encoding="utf-8")
    failed = runner.invoke(cli, ["import", str(bad)])
    assert failed.exit_code == 1 and "Dòng 2" in failed.output
    assert runner.invoke(cli, ["import", str(tmp_path / "none.csv")]).exit_code == 2


def directory_with_a_webhook() -> None:
    with session_scope() as s:
        service.load_default(s)
        s.get_one(AgencyRow, "so-yt").webhook_url = "https://hooks.example.vn/bi-mat"


client = client_fixture(setup=directory_with_a_webhook)


ROLES = {"operator": 403, "supervisor": 403, "admin": 200, "integration": 403,
         "agency_staff": 403, "anonymous": 401}


@pytest.mark.parametrize(("role", "edit_status"), ROLES.items())
def test_directory_api_by_role(client: TestClient, role: str, edit_status: int) -> None:
    headers = {} if role == "anonymous" else issue_token(
        role, agency="so-yt" if role == "agency_staff" else None)
    listing = client.get("/api/v1/agencies", headers=headers)
    one = client.get("/api/v1/agencies/so-yt", headers=headers)
    if role == "anonymous":
        assert listing.status_code == one.status_code == 401
    else:
        assert listing.status_code == 200 and listing.json()["total"] == FILE_ROWS
        assert one.json()["name"] == "Sở Y tế"
        assert ("bi-mat" in one.text) is (role == "admin")
    r = client.put("/api/v1/agencies/so-yt", headers=headers, json={"email": "a@b.vn"})
    assert r.status_code == edit_status
    with session_scope() as s:
        assert (s.get_one(AgencyRow, "so-yt").email == "a@b.vn") is (edit_status == 200)


def test_admin_edit_changes_only_fields_sent_and_is_audited(client: TestClient) -> None:
    admin = issue_token("admin", name="quan-tri")
    body = {"name": "Sở Y tế Đồng Tháp", "aliases": ["SYT", " SYT ", "so y te dong thap"],
            "active_to": "2030-12-31"}
    r = client.put("/api/v1/agencies/so-yt", headers=admin, json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["name"] == "Sở Y tế Đồng Tháp" and data["aliases"] == ["SYT",
                                                                       "so y te dong thap"]
    assert data["webhook_url"] == "https://hooks.example.vn/bi-mat"  # not sent, kept
    assert data["level"] == "province"
    with session_scope() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "agency.update")).one()
        assert entry.actor == "quan-tri"
        assert entry.data == {"code": "so-yt", "fields": ["active_to", "aliases", "name"]}
    found = client.get("/api/v1/agencies", headers=admin, params={"q": "dong thap"}).json()
    assert "so-yt" in [i["code"] for i in found["items"]]


@pytest.mark.parametrize(("body", "error"), [
    ({"level": "commune"}, "unknown_field"),
    ({"code": "so-moi"}, "unknown_field"),
    ({"email": "khong-phai-email"}, "invalid_value"),
    ({"webhook_url": "javascript:alert(1)"}, "invalid_value"),
    ({"name": "   "}, "invalid_value"),
    ({"name": None}, "invalid_value"),
    ({"active_from": "2026-01-01", "active_to": "2025-01-01"}, "invalid_dates"),
])
def test_admin_edit_refuses_bad_input(client: TestClient, body: dict[str, object],
                                      error: str) -> None:
    r = client.put("/api/v1/agencies/so-yt", headers=issue_token("admin"), json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == error, r.text
    with session_scope() as s:
        assert s.get_one(AgencyRow, "so-yt").name == "Sở Y tế"


def test_unknown_agency_is_404(client: TestClient) -> None:
    r = client.put("/api/v1/agencies/khong-co", headers=issue_token("admin"), json={})
    assert r.status_code == 404 and r.json()["error"]["code"] == "agency_not_found"
