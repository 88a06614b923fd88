"""Citizen lookup on SQLite and PostgreSQL: code + last four digits give progress and the
published answer, nothing personal; every miss looks the same and is rate-limited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories.tickets import (
    AGENCY_A,
    CALLER_NAME,
    CALLER_PHONE,
    headers_for,
    load,
    make_ticket,
    marker,
)

LOOKUP = "/api/v1/lookup"
ANSWER = "Sở Y tế đã làm việc với bệnh viện và trả lời ông/bà."


def private_parts(code: str) -> list[str]:
    return [marker(code), CALLER_NAME, CALLER_PHONE, "ấp 1", "Phản ánh"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_right_digits_show_status_and_agency_only(client: TestClient, method: str) -> None:
    code = make_ticket(agency=AGENCY_A, status="acknowledged")
    query = {"code": code, "phone_last4": CALLER_PHONE[-4:]}
    r = client.get(LOOKUP, params=query) if method == "GET" else client.post(LOOKUP, json=query)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["status"] == "acknowledged" and data["status_name"] == "Cơ quan đã nhận"
    assert data["agency_name"] == "Sở Y tế" and data["answer"] is None
    assert data["received_at"].endswith("+07:00") and data["due_at"]
    assert set(data) == {"code", "status", "status_name", "agency_name", "received_at",
                         "routed_at", "due_at", "resolved_at", "answer", "survey"}
    for part in private_parts(code):
        assert part not in r.text


def test_published_answer_once_resolved(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    client.post(f"/api/v1/inbox/tickets/{code}/resolve", headers=headers_for("staff_a"),
                json={"answer": ANSWER})
    data = client.get(LOOKUP, params={"code": code, "phone_last4": "4321"}).json()
    assert data["status_name"] == "Đã giải quyết" and data["answer"] == ANSWER
    assert data["resolved_at"] is not None and load(code).answer == ANSWER


def test_ticket_in_review_has_no_agency_yet(client: TestClient) -> None:
    code = make_ticket()
    data = client.get(LOOKUP, params={"code": code, "phone_last4": "4321"}).json()
    assert data["status_name"] == "Chờ tổng đài viên xem xét" and data["agency_name"] is None


def test_wrong_digits_unknown_code_and_no_phone_look_the_same(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    no_phone = make_ticket(agency=AGENCY_A, phone=None)
    answers = [client.get(LOOKUP, params={"code": c, "phone_last4": d})
               for c, d in ((code, "1234"), ("1022-209901-99999", "4321"), (no_phone, "0000"))]
    answers.append(client.post(LOOKUP, json={"code": code, "phone_last4": "9999"}))
    assert {r.status_code for r in answers} == {404}
    assert len({r.text for r in answers}) == 1
    assert answers[0].json()["error"]["code"] == "lookup_not_found"
    assert "bốn số cuối" in answers[0].json()["error"]["message"]


@pytest.mark.parametrize("digits", ["12", "12345", "abcd", ""])
def test_malformed_digits_are_refused(client: TestClient, digits: str) -> None:
    r = client.get(LOOKUP, params={"code": "1022-202611-00001", "phone_last4": digits})
    assert r.status_code == 422
    extra = client.post(LOOKUP, json={"code": "x", "phone_last4": "1234", "phone": "0987"})
    assert extra.status_code == 422


def test_repeated_misses_are_rate_limited_per_address(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    misses = [client.get(LOOKUP, params={"code": code, "phone_last4": f"{n:04d}"}).status_code
              for n in range(10)]
    assert misses == [404] * 10
    blocked = client.get(LOOKUP, params={"code": code, "phone_last4": "4321"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.json()["error"]["code"] == "too_many_attempts"
    assert client.post(LOOKUP, json={"code": code, "phone_last4": "4321"}).status_code == 429
