"""The web console's users: logged-in browsers, each with its own cookie jar and CSRF
token, and the operator desk used as a person uses it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from triage import db
from triage.tickets.models import Ticket

PASSWORD = "Mat-khau-thu-nghiem-2026"
AGENCY_A = "ubnd-30112"  # UBND xã Mỹ Hiệp
AGENCY_B = "ubnd-28249"  # UBND phường Đạo Thạnh
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class User:
    """One logged-in browser: its own cookies and this session's CSRF token."""

    client: TestClient
    username: str
    role: str
    csrf: str

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, Any] | None = None, *,
             token: str | None = "session", **kw: Any) -> Any:
        """POST a form; `token` "session" sends this session's token, None sends none."""
        body = dict(data or {})
        if token is not None:
            body["csrf_token"] = self.csrf if token == "session" else token
        kw.setdefault("follow_redirects", False)
        return self.client.post(path, data=body, **kw)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/dang-nhap")
    token = FORM_CSRF.search(page.text)
    assert token, page.text
    return client.post("/dang-nhap", data={"csrf_token": token.group(1), "username": username,
                                           "password": password}, follow_redirects=False)


UserFactory = Callable[..., User]


def ticket_id(code: str) -> int:
    with db.session_scope() as session:
        return session.scalars(select(Ticket.id).where(Ticket.code == code)).one()


def enter(op: User, text: str, *, agency: str | None = AGENCY_A, topic: str = "moi_truong",
          flags: list[str] | None = None, name: str = "Nguyễn Văn An",
          phone: str = "0912345678", address: str = "ấp 3") -> str:
    """Enter a complaint at the desk; with an agency, accept it and route it there."""
    data = {"text": text, "channel": "phone", "name": name, "phone": phone,
            "address": address, "topic": topic, "flags": flags or [],
            "agency": agency or "", "action": "accept" if agency else "queue",
            "idem": uuid.uuid4().hex}
    response = op.post("/tiep-nhan", data)
    assert response.status_code == 303, response.text
    found = re.search(r"code=([0-9A-Z-]+)", response.headers["location"])
    assert found
    return found.group(1)
