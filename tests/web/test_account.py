"""Passwords: changed by their owner (the current one first), reset by an admin (audited),
set from the command line; the rules are shown before they are broken; sessions end."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from tests.factories.web import PASSWORD, UserFactory, login
from triage import db
from triage.auth.models import AuditEntry
from triage.auth.passwords import RULES
from triage.cli import app as cli

NEW = "Mat-khau-moi-2026!"


def _audit(action: str) -> list[AuditEntry]:
    with db.session_scope() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_user_changes_their_password(app: FastAPI, user: UserFactory) -> None:
    op = user("operator")
    page = op.get("/mat-khau").text
    assert RULES in page
    wrong = op.post("/mat-khau", {"current": "sai", "new": NEW, "again": NEW})
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng" in wrong.text
    weak = op.post("/mat-khau", {"current": PASSWORD, "new": "12345678", "again": "12345678"})
    assert weak.status_code == 422 and "phổ biến" in weak.text
    differ = op.post("/mat-khau", {"current": PASSWORD, "new": NEW, "again": NEW + "x"})
    assert "không giống nhau" in differ.text
    other = TestClient(app)
    assert login(other, op.username).status_code == 303
    done = op.post("/mat-khau", {"current": PASSWORD, "new": NEW, "again": NEW})
    assert done.status_code == 303 and "password_changed" in done.headers["location"]
    assert op.get("/tiep-nhan").status_code == 200  # this session goes on
    assert other.get("/tiep-nhan", follow_redirects=False).status_code == 303  # others end
    assert login(TestClient(app), op.username, NEW).status_code == 303
    assert login(TestClient(app), op.username).status_code != 303
    assert [e.actor for e in _audit("user.password_change")] == [op.username]


def test_an_admin_resets_a_password_and_it_is_audited(app: FastAPI, user: UserFactory) -> None:
    admin = user("admin")
    staff = user("agency_staff", "ubnd-30112")
    with db.session_scope() as session:
        from triage.auth.models import User
        target = session.scalars(select(User).where(User.username == staff.username)).one()
        target_id = target.id
    assert RULES in admin.get("/quan-tri/nguoi-dung").text
    done = admin.post(f"/quan-tri/nguoi-dung/{target_id}/mat-khau", {"new": NEW})
    assert done.status_code == 303, done.text
    assert staff.get("/hop-thu", follow_redirects=False).status_code == 303  # logged out
    assert login(TestClient(app), staff.username, NEW).status_code == 303
    entries = _audit("user.password_reset")
    assert [(e.actor, e.data["user_id"]) for e in entries] == [(admin.username, target_id)]
    refused = staff.post(f"/quan-tri/nguoi-dung/{target_id}/mat-khau", {"new": NEW})
    assert refused.status_code in (303, 403)


def test_triage_users_passwd_asks_in_vietnamese(app: FastAPI, user: UserFactory) -> None:
    op = user("operator")
    runner = CliRunner()
    weak = runner.invoke(cli, ["users", "passwd", op.username], input="12345678\n12345678\n")
    assert weak.exit_code != 0
    assert RULES in weak.output and "Mật khẩu mới" in weak.output
    assert "Nhập lại mật khẩu mới" in weak.output
    ok = runner.invoke(cli, ["users", "passwd", op.username], input=f"{NEW}\n{NEW}\n")
    assert ok.exit_code == 0, ok.output
    assert "Đã đặt mật khẩu mới" in ok.output
    assert login(TestClient(app), op.username, NEW).status_code == 303
    missing = runner.invoke(cli, ["users", "passwd", "khong-co"], input=f"{NEW}\n{NEW}\n")
    assert missing.exit_code != 0 and "Không tìm thấy người dùng" in missing.output
