"""Authentication and object-level access: every role against own and other agency."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.factories import users
from tests.factories.users import issue_token
from triage.auth import service
from triage.auth.models import AuditEntry, User
from triage.db import get_engine, session_scope
from triage.tickets.models import Ticket

SECRET = "Ghi-nho-mat-khau-2026"


def make_ticket(client: TestClient, agency: str | None, flags: list[str] | None = None) -> str:
    body = {"text": f"Phản ánh gửi {agency} MARK-{agency}", "channel": "phone",
            "caller": {"name": "Lê Thị Hoa", "phone": "0987654321", "address": "ấp 1"}}
    code: str = client.post("/api/v1/complaints", json=body).json()["code"]
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.agency_code = agency
        ticket.status = "routed" if agency else "needs_review"
        ticket.flags = flags or []
    return code


ROLES = users.ACTORS


def headers_for(actor: str) -> dict[str, str]:
    return users.headers_for(actor, staff_a="UBND-A", staff_b="UBND-B")


# expected: (detail shows text, caller revealed, list total over 3 tickets)
EXPECTED = {
    "operator": (True, True, 3),
    "supervisor": (True, False, 3),
    "admin": (True, False, 3),
    "staff_a": (True, True, 1),
    "staff_b": (False, False, 1),
    "integration": (False, False, None),
    "anonymous": (False, False, None),
}


@pytest.mark.parametrize("actor", ROLES)
def test_ticket_access_matrix(client: TestClient, actor: str) -> None:
    code_a = make_ticket(client, "UBND-A")
    make_ticket(client, "UBND-B")
    make_ticket(client, None)
    headers = headers_for(actor)
    shows_text, reveals, total = EXPECTED[actor]
    detail = client.get(f"/api/v1/complaints/{code_a}", headers=headers)
    if actor == "staff_b":
        assert detail.status_code == 404
    else:
        assert detail.status_code == 200
    assert ("MARK-UBND-A" in detail.text) is shows_text
    assert ("0987654321" in detail.text) is reveals
    assert "Lê Thị Hoa" not in detail.text or reveals
    listing = client.get("/api/v1/complaints", headers=headers)
    if total is None:
        assert listing.status_code in (401, 403)
        assert "MARK" not in listing.text
    else:
        assert listing.status_code == 200 and listing.json()["total"] == total
    if actor == "staff_a":
        assert "MARK-UBND-B" not in listing.text


def test_denouncer_hidden_from_agency_but_not_operator(client: TestClient) -> None:
    code = make_ticket(client, "UBND-A", flags=["thai_do"])
    staff = client.get(f"/api/v1/complaints/{code}", headers=headers_for("staff_a"))
    assert staff.status_code == 200
    assert "0987654321" not in staff.text and "Lê Thị Hoa" not in staff.text
    operator = client.get(f"/api/v1/complaints/{code}", headers=headers_for("operator"))
    assert "0987654321" in operator.text


def test_reading_caller_data_is_audited(client: TestClient) -> None:
    code = make_ticket(client, "UBND-A")
    client.get(f"/api/v1/complaints/{code}", headers=issue_token("operator", name="op1"))
    with session_scope() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "read_caller")).all()
        assert [(r.actor, r.role) for r in rows] == [("op1", "operator")]
        assert "0987654321" not in str(rows[0].data)


def test_agency_staff_cannot_submit_or_import(client: TestClient) -> None:
    staff = headers_for("staff_a")
    r = client.post("/api/v1/complaints", json={"text": "abc", "channel": "web"}, headers=staff)
    assert r.status_code == 403
    r = client.post("/api/v1/complaints/import", headers=staff,
                    files={"file": ("a.csv", b"text\nabc\n")})
    assert r.status_code == 403


def test_membership_change_and_disable_take_effect_on_next_request(client: TestClient) -> None:
    code_a = make_ticket(client, "UBND-A")
    headers = issue_token("agency_staff", agency="UBND-A", name="moved")
    assert client.get(f"/api/v1/complaints/{code_a}", headers=headers).status_code == 200
    with session_scope() as s:
        s.scalars(select(User).where(User.username == "moved")).one().agency_code = "UBND-B"
    assert client.get(f"/api/v1/complaints/{code_a}", headers=headers).status_code == 404
    with session_scope() as s:
        s.scalars(select(User).where(User.username == "moved")).one().active = False
    assert client.get("/api/v1/complaints", headers=headers).status_code == 401


@pytest.mark.parametrize("bad", ["Bearer nope", "Basic abc", "Bearer "])
def test_bad_tokens_are_401(client: TestClient, bad: str) -> None:
    r = client.get("/api/v1/complaints", headers={"Authorization": bad})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


def test_token_in_url_is_refused(client: TestClient) -> None:
    token = headers_for("operator")["Authorization"].split()[1]
    r = client.get(f"/api/v1/complaints?access_token={token}")
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_in_url"


def _add_user(name: str, role: str = "operator") -> None:
    with session_scope() as s:
        service.create_user(s, name, role, password=SECRET)


def test_login_session_csrf_and_logout(client: TestClient) -> None:
    _add_user("hoa")
    r = client.post("/api/v1/auth/login", json={"username": "hoa", "password": SECRET})
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    cookie = r.cookies.get("triage_session")
    assert cookie and "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/api/v1/complaints").status_code == 200
    body = {"text": "Rác chất đống ở chợ", "channel": "phone"}
    no_token = client.post("/api/v1/complaints", json=body)
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf_failed"
    cross = client.post("/api/v1/complaints", json=body,
                        headers={"x-csrf-token": csrf, "origin": "https://evil.example"})
    assert cross.status_code == 403
    assert client.post("/api/v1/complaints", json=body,
                       headers={"x-csrf-token": csrf}).status_code == 201
    assert client.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf}).status_code == 204
    client.cookies.set("triage_session", cookie)  # replaying the old cookie no longer works
    assert client.get("/api/v1/complaints").status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    _add_user("lan")
    a = client.post("/api/v1/auth/login", json={"username": "lan", "password": "sai-mat-khau"})
    b = client.post("/api/v1/auth/login", json={"username": "khong-co", "password": "x"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_repeated_failures_are_rate_limited(client: TestClient) -> None:
    _add_user("minh")
    codes = [client.post("/api/v1/auth/login",
                         json={"username": "minh", "password": "sai"}).status_code
             for _ in range(8)]
    # The first tier: five failures a minute from one address, then a wait of at most
    # a minute (the tiers after it make the wait grow).
    assert codes == [401] * 5 + [429] * 3
    again = client.post("/api/v1/auth/login", json={"username": "minh", "password": SECRET})
    assert again.status_code == 429
    assert 0 < again.json()["error"]["details"]["retry_after"] <= 60


def test_password_hash_is_argon2id_and_weak_passwords_refused(database: str) -> None:
    with session_scope() as s:
        user = service.create_user(s, "an", "admin", password="x" * 64)
        assert user.password_hash and user.password_hash.startswith("$argon2id$")
        assert "m=19456,t=2,p=1" in user.password_hash
    for weak in ("123456", "matkhau123", "ngắn"):
        with pytest.raises(Exception, match="Mật khẩu"), session_scope() as s:
            service.create_user(s, f"u{len(weak)}", "admin", password=weak)


def test_audit_log_is_append_only_on_postgresql(pg: str) -> None:
    with session_scope() as s:
        s.add(AuditEntry(actor="x", role="admin", action="login"))
    with pytest.raises(DBAPIError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'y'"))
    with pytest.raises(DBAPIError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_supervisor_reveals_a_denouncer_only_with_a_reason_and_it_is_audited(
    client: TestClient,
) -> None:
    code = make_ticket(client, "UBND-A", flags=["thai_do"])
    supervisor = issue_token("supervisor", name="giam-sat")
    detail = client.get(f"/api/v1/complaints/{code}", headers=supervisor)
    assert "0987654321" not in detail.text
    short = client.post(f"/api/v1/complaints/{code}/reveal", json={"reason": "xem"},
                        headers=supervisor)
    assert short.status_code == 422
    for actor in ("staff_a", "operator", "anonymous"):
        denied = client.post(f"/api/v1/complaints/{code}/reveal",
                             json={"reason": "Cần liên hệ xác minh nội dung tố cáo"},
                             headers=headers_for(actor))
        assert denied.status_code in (401, 403) and "0987654321" not in denied.text
    ok = client.post(f"/api/v1/complaints/{code}/reveal",
                     json={"reason": "Cần liên hệ xác minh nội dung tố cáo"}, headers=supervisor)
    assert ok.status_code == 200 and ok.json()["phone"] == "0987654321"
    with session_scope() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_caller")).all()
        assert [(r.actor, r.data["reason"]) for r in rows] == [
            ("giam-sat", "Cần liên hệ xác minh nội dung tố cáo")]
