"""Open311 GeoReport v2 on SQLite and PostgreSQL: topics as services, form-encoded
submissions through the intake path, public reads without text or caller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.tickets import (
    AGENCY_A,
    CALLER_NAME,
    CALLER_PHONE,
    headers_for,
    load,
    make_ticket,
    marker,
)
from tests.factories.users import issue_token
from triage.db import session_scope, utcnow
from triage.outbox.models import OutboxMessage
from triage.taxonomy import TOPICS
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.service import local_tz

BASE = "/api/v1/open311/v2"
FORM = {"service_code": "moi_truong", "description": "Rác thải bốc mùi ở chợ Mỹ Hiệp.",
        "lat": "10.4601", "long": "105.6325", "address_string": "chợ xã Mỹ Hiệp",
        "first_name": "Văn An", "last_name": "Nguyễn", "phone": "0912 345 678",
        "email": "an@example.vn"}


def test_services_are_the_topics(client: TestClient) -> None:
    services = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == list(TOPICS)
    first = services[0]
    assert first["service_name"] == "Đất đai" and first["metadata"] is False
    assert first["type"] == "realtime"
    assert client.get(f"{BASE}/services/y_te.json").json() == {"service_code": "y_te",
                                                               "attributes": []}
    missing = client.get(f"{BASE}/services/thoi_tiet.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404 and "thoi_tiet" in missing.json()[0]["description"]


def test_anonymous_submission_goes_through_intake(client: TestClient) -> None:
    r = client.post(f"{BASE}/requests.json", data=FORM)
    assert r.status_code == 200, r.text
    [answer] = r.json()
    code = answer["service_request_id"]
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert ticket.channel == "web" and ticket.status == "received"
        assert ticket.text.startswith("Rác thải bốc mùi ở chợ Mỹ Hiệp.")
        assert "Địa điểm: chợ xã Mỹ Hiệp" in ticket.text and "10.4601, 105.6325" in ticket.text
        assert ticket.caller is not None and ticket.caller.name == "Văn An Nguyễn"
        assert ticket.caller.phone_e164 == "+84912345678"
        assert ticket.topic is None  # the classifier and operators set the topic
        event = s.scalars(select(TicketEvent).where(TicketEvent.kind == "open311")).one()
        assert event.data == {"service_code": "moi_truong", "address_string": "chợ xã Mỹ Hiệp",
                              "lat": 10.4601, "long": 105.6325}
        assert "an@example.vn" not in str(event.data)
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)).one()


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"service_code": ""}, 400, "service_code"),
    ({"service_code": "thoi_tiet"}, 404, "thoi_tiet"),
    ({"description": "  "}, 400, "description"),
    ({"lat": "", "long": "", "address_string": ""}, 400, "vị trí"),
    ({"long": ""}, 400, "lat và long"),
    ({"lat": "bắc"}, 400, "lat"),
    ({"lat": "91"}, 400, "lat"),
    ({"phone": "12345"}, 400, "Số điện thoại"),
    ({"description": "x" * 20_001}, 400, "dài quá"),
])
def test_bad_submissions_get_open311_errors(client: TestClient, change: dict[str, str],
                                            status: int, words: str) -> None:
    r = client.post(f"{BASE}/requests.json", data={**FORM, **change})
    assert r.status_code == status, r.text
    [error] = r.json()
    assert error["code"] == status and words in error["description"]
    with session_scope() as s:
        assert s.scalars(select(Ticket)).first() is None


def test_keys_and_roles_for_submission(client: TestClient) -> None:
    token = issue_token("integration", name="zalo-app")
    ok = client.post(f"{BASE}/requests.json", data=FORM, headers=token)
    assert ok.status_code == 200
    key = token["Authorization"].split()[1]
    by_key = client.post(f"{BASE}/requests.json", data={**FORM, "api_key": key})
    assert by_key.status_code == 200
    with session_scope() as s:
        actors = {e.actor for e in s.scalars(select(TicketEvent).where(
            TicketEvent.kind == "open311"))}
    assert actors == {"zalo-app"}
    bad_key = client.post(f"{BASE}/requests.json", data={**FORM, "api_key": "t1022_sai"})
    assert bad_key.status_code == 403 and bad_key.json()[0]["code"] == 403
    in_url = client.post(f"{BASE}/requests.json?api_key={key}", data=FORM)
    assert in_url.status_code == 401
    staff = client.post(f"{BASE}/requests.json", data=FORM, headers=headers_for("staff_a"))
    assert staff.status_code == 403


def test_reads_give_public_fields_only(client: TestClient) -> None:
    open_code = make_ticket(agency=AGENCY_A, topic="y_te")
    done = make_ticket(agency=AGENCY_A, topic="y_te")
    client.post(f"/api/v1/inbox/tickets/{done}/resolve", headers=headers_for("staff_a"),
                json={"answer": "Bệnh viện đã khắc phục."})
    waiting = make_ticket()
    r = client.get(f"{BASE}/requests.json")
    assert r.status_code == 200
    rows = {row["service_request_id"]: row for row in r.json()}
    assert set(rows) == {open_code, done, waiting}
    for code in rows:
        for private in (marker(code), CALLER_NAME, CALLER_PHONE, "ấp 1"):
            assert private not in r.text
    assert rows[done]["status"] == "closed"
    # The answer is written to the caller and stays with the caller: a neutral note only.
    answered = load(done).resolved_at
    assert answered is not None
    assert rows[done]["status_notes"] == \
        f"Đã trả lời ngày {answered.astimezone(local_tz()):%d/%m/%Y}"
    assert "khắc phục" not in r.text
    assert rows[open_code]["status"] == "open"
    assert rows[open_code]["status_notes"] == "Đã chuyển cơ quan xử lý"
    assert rows[open_code]["agency_responsible"] == "Sở Y tế"
    assert rows[open_code]["service_name"] == "Y tế"
    assert rows[open_code]["requested_datetime"].endswith("+07:00")
    assert rows[waiting]["agency_responsible"] is None
    assert set(rows[open_code]) == {"service_request_id", "status", "status_notes",
                                    "service_code", "service_name", "agency_responsible",
                                    "requested_datetime", "updated_datetime",
                                    "expected_datetime"}


def test_denunciation_answer_is_not_published(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A, flags=["thai_do"])
    client.post(f"/api/v1/inbox/tickets/{code}/resolve", headers=headers_for("staff_a"),
                json={"answer": "Đã kiểm điểm cán bộ Nguyễn Văn B."})
    [row] = client.get(f"{BASE}/requests/{code}.json").json()
    assert row["status"] == "closed" and row["status_notes"].startswith("Đã trả lời ngày ")
    assert "Nguyễn Văn B" not in str(row)
    assert row["service_code"] is None and row["agency_responsible"] is None


def test_filters_and_single_request(client: TestClient) -> None:
    health = make_ticket(agency=AGENCY_A, topic="y_te")
    school = make_ticket(agency="so-gddt", topic="giao_duc", status="resolved")
    old = make_ticket(received_at=utcnow() - timedelta(days=120))

    def ids(**params: str) -> set[str]:
        r = client.get(f"{BASE}/requests.json", params=params)
        assert r.status_code == 200, r.text
        return {row["service_request_id"] for row in r.json()}

    assert ids() == {health, school}  # the default window is the last 90 days
    assert ids(status="closed") == {school}
    assert ids(status="open") == {health}
    assert ids(service_code="giao_duc") == {school}
    assert ids(service_request_id=f"{old},{health}") == {old, health}
    start = (utcnow() - timedelta(days=200)).isoformat()
    assert ids(start_date=start) == {health, school, old}
    bad = client.get(f"{BASE}/requests.json", params={"start_date": "hôm qua"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    [one] = client.get(f"{BASE}/requests/{health}.json").json()
    assert one["service_request_id"] == health and marker(health) not in str(one)
    missing = client.get(f"{BASE}/requests/1022-209901-99999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    assert load(health).status == "routed"
