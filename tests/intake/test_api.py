"""The intake API on SQLite and PostgreSQL: submit, read, list, idempotency, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from triage.db import session_scope
from triage.intake import service
from triage.intake.schemas import ComplaintIn
from triage.outbox.models import OutboxMessage
from triage.tickets.codes import build_code
from triage.tickets.models import Caller, Ticket, TicketEvent

CODE = re.compile(r"^1022-\d{6}-\d{5}-[0-9A-Z]{4}$")
GOOD = {"text": "Đèn đường ở hẻm 12 phường Mỹ Phú hư hơn một tuần.", "channel": "phone"}




def counts() -> tuple[int, int, int, int]:
    with session_scope() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(m)) or 0
            for m in (Ticket, Caller, TicketEvent, OutboxMessage)
        )


def test_submit_returns_code_and_is_readable(client: TestClient) -> None:
    body = {**GOOD, "caller": {"name": "Nguyễn Văn An", "phone": "0912 345 678",
                               "address": "ấp 3, xã Mỹ Hiệp"}}
    r = client.post("/api/v1/complaints", json=body)
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert CODE.match(code)
    assert r.json()["status"] == "received"
    got = client.get(f"/api/v1/complaints/{code}")
    assert got.status_code == 200
    data = got.json()
    assert data["text"] == GOOD["text"]
    assert data["received_at"].endswith("+07:00")
    assert [e["kind"] for e in data["events"]] == ["received"]
    # The operator sees the caller; the submission response itself masks it.
    assert data["caller"]["phone"] == "0912345678"
    assert r.json()["caller"]["phone"] == "09xx xxx 678"
    assert "Nguyễn" not in r.text


def test_ticket_outbox_caller_and_event_written_together(client: TestClient) -> None:
    body = {**GOOD, "caller": {"phone": "+84 912 345 678"}}
    code = client.post("/api/v1/complaints", json=body).json()["code"]
    assert counts() == (1, 1, 1, 1)
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        message = s.scalars(select(OutboxMessage)).one()
        assert message.ticket_id == ticket.id and message.published_at is None
        assert ticket.caller is not None and ticket.caller.phone_e164 == "+84912345678"


def _row(s: Session, code: str) -> dict[str, object]:
    """What a submission wrote, without ids, codes, keys and times."""
    ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
    caller = ticket.caller
    event = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    message = s.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).one()
    return {
        "ticket": {c: getattr(ticket, c) for c in (
            "channel", "text", "status", "review_reasons", "attempts", "flags", "scores",
            "location", "request_fingerprint", "topic", "agency_code", "due_at")},
        "same_times": ticket.created_at == ticket.updated_at == event.at == message.created_at,
        "caller": caller and (caller.name, caller.phone_e164, caller.phone_last4, caller.address),
        "event": (event.actor, event.kind, event.from_status, event.to_status, event.data),
        "outbox": (message.task, message.payload == {"ticket_id": ticket.id},
                   message.published_at, message.publish_attempts),
    }


def test_api_writes_what_the_service_writes(client: TestClient) -> None:
    """The API's one-statement path (PostgreSQL) and the ORM path write the same rows."""
    body = {**GOOD, "caller": {"name": "Lê Thị Bình", "phone": "0912 345 678",
                               "address": "ấp 3, xã Mỹ Hiệp"}}
    me = client.get("/api/v1/auth/me").json()["username"]
    code = client.post("/api/v1/complaints", json=body).json()["code"]
    with session_scope() as s:
        other = service.submit(s, ComplaintIn.model_validate(body), actor=me,
                               now=datetime.now(UTC)).ticket.code
    with session_scope() as s:
        via_api, via_service = _row(s, code), _row(s, other)
    assert via_api == via_service
    assert via_api["caller"] == ("Lê Thị Bình", "+84912345678", "5678", "ấp 3, xã Mỹ Hiệp")
    assert via_api["same_times"] is True


def test_codes_keep_counting_past_five_digits(client: TestClient) -> None:
    first = client.post("/api/v1/complaints", json=GOOD).json()["code"]
    period = first.split("-")[1]
    with session_scope() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text(f"SELECT setval('ticket_code_{period}', 99999)"))
        else:
            s.execute(text("UPDATE code_counters SET last = 99999 WHERE period = :p"),
                      {"p": period})
    codes = [client.post("/api/v1/complaints", json=GOOD).json()["code"] for _ in range(2)]
    # The check part as Python builds it, whichever path (SQL on PostgreSQL) wrote it.
    assert codes == [build_code(f"1022-{period}-100000"), build_code(f"1022-{period}-100001")]


def test_codes_are_sequential_within_a_month(client: TestClient) -> None:
    codes = [client.post("/api/v1/complaints", json=GOOD).json()["code"] for _ in range(3)]
    numbers = [int(c.split("-")[2]) for c in codes]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_idempotent_retry_returns_same_ticket(client: TestClient) -> None:
    headers = {"Idempotency-Key": "call-7781"}
    first = client.post("/api/v1/complaints", json=GOOD, headers=headers)
    second = client.post("/api/v1/complaints", json=GOOD, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["code"] == second.json()["code"]
    assert counts()[0] == 1


def test_same_key_with_other_content_is_refused(client: TestClient) -> None:
    headers = {"Idempotency-Key": "call-7782"}
    client.post("/api/v1/complaints", json=GOOD, headers=headers)
    other = client.post("/api/v1/complaints", json={**GOOD, "text": "Nội dung khác hẳn"},
                        headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_list_filters_and_pages(client: TestClient) -> None:
    for i in range(5):
        client.post("/api/v1/complaints", json={**GOOD, "text": f"Phản ánh số {i} về rác",
                                                "channel": "zalo" if i % 2 else "web"})
    page = client.get("/api/v1/complaints", params={"channel": "web", "per_page": 2}).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert all(item["channel"] == "web" for item in page["items"])
    second = client.get("/api/v1/complaints",
                        params={"channel": "web", "per_page": 2, "page": 2}).json()
    assert len(second["items"]) == 1
    found = client.get("/api/v1/complaints", params={"q": "số 3"}).json()
    assert [i["text"] for i in found["items"]] == ["Phản ánh số 3 về rác"]


def test_unknown_code_is_404_with_message(client: TestClient) -> None:
    r = client.get("/api/v1/complaints/1022-202611-99999")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "ticket_not_found"


FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "", "channel": "phone"}, "empty_text"),
        ({"text": "   \n\t ", "channel": "phone"}, "empty_text"),
        ({"text": "x" * 20_001, "channel": "phone"}, "text_too_long"),
        ({"text": "Mất nước", "channel": "fax"}, "invalid_channel"),
        ({"text": "Mất nước"}, "missing_field"),
        ({"channel": "phone"}, "missing_field"),
        ({"text": "Mất nước", "channel": "phone", "priority": 1}, "unknown_field"),
        ({"text": "Mất nước", "channel": "phone", "received_at": FUTURE}, "future_time"),
        ({"text": "Mất nước", "channel": "phone", "received_at": "hôm qua"}, "invalid_datetime"),
        ({"text": "Mất nước", "channel": "phone", "caller": {"phone": "12345"}}, "invalid_phone"),
        ({"text": "Mất nước", "channel": "phone", "caller": {"phone": "0912abc"}},
         "invalid_phone"),
        ({"text": "Mất\x00nước", "channel": "phone"}, "nul_character"),
        ({"text": "Mất nước \u202e", "channel": "phone"}, "bidi_control"),
        ({"text": 42, "channel": "phone"}, "invalid_type"),
    ],
)
def test_bad_input_gets_4xx_with_code_and_nothing_written(
    client: TestClient, body: dict[str, object], code: str
) -> None:
    r = client.post("/api/v1/complaints", json=body)
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message"][0].isupper()
    assert counts() == (0, 0, 0, 0)


def test_malformed_json(client: TestClient) -> None:
    r = client.post("/api/v1/complaints", content=b'{"text": "a", ',
                    headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "malformed_json"


def test_body_over_one_megabyte_is_413(client: TestClient) -> None:
    big = b'{"text": "' + b"a" * 1_100_000 + b'", "channel": "phone"}'
    r = client.post("/api/v1/complaints", content=big,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert counts()[0] == 0


def test_text_is_normalised_to_nfc_at_the_boundary(client: TestClient) -> None:
    decomposed = "Ho\u0300a Bi\u0300nh ma\u0302\u0301t \u0111ie\u0323\u0302n"
    code = client.post("/api/v1/complaints", json={"text": decomposed, "channel": "sms"}).json()
    stored = client.get(f"/api/v1/complaints/{code['code']}").json()["text"]
    assert stored == "Hòa Bình mất điện"


def test_naive_received_at_is_local_time(client: TestClient) -> None:
    # Twenty minutes ago in Asia/Ho_Chi_Minh, written without an offset: within the grace,
    # so it is the time counted, not only the time recorded.
    local = (datetime.now(UTC) + timedelta(hours=7, minutes=-20)).replace(microsecond=0)
    naive = local.replace(tzinfo=None).isoformat()
    body = {**GOOD, "received_at": naive}
    code = client.post("/api/v1/complaints", json=body).json()["code"]
    got = client.get(f"/api/v1/complaints/{code}").json()
    assert got["received_at"] == got["declared_at"] == f"{naive}+07:00"


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    ready = client.get("/api/v1/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    assert client.get("/docs").status_code == 200
    assert "/api/v1/complaints" in client.get("/openapi.json").json()["paths"]
