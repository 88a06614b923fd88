"""What staff and /classify see of cases: the ticket JSON's case fields, and `related`."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.cases.test_cases import FLOOD, PHONES, routed
from tests.factories.api import client_fixture
from triage.db import session_scope
from triage.tickets.models import Ticket

# Staff: an operator reads tickets in full.
client = client_fixture(role="operator")


def test_staff_json_has_case_code_report_count_and_reraised(client: TestClient) -> None:
    first, second = routed(FLOOD[0], PHONES[0]), routed(FLOOD[2], PHONES[2])
    lone = routed("Quán cà phê trên đường Nguyễn Huệ phường Mỹ Phú lấn chiếm vỉa hè bày "
                  "bàn ghế, người đi bộ phải xuống lòng đường.", PHONES[1])
    with session_scope() as s:
        codes = [s.get_one(Ticket, t).code for t in (first, second, lone)]
    bodies = [client.get(f"/api/v1/complaints/{code}").json() for code in codes]
    assert bodies[0]["case_code"] == bodies[1]["case_code"] == f"VV-{codes[0]}"
    assert bodies[1]["report_count"] == 2 and bodies[1]["reraised"] == 0
    assert (bodies[2]["case_code"], bodies[2]["report_count"]) == (None, 1)
    assert "urgency" in bodies[0]


def test_classify_lists_the_case_a_new_report_would_join(client: TestClient) -> None:
    first = routed(FLOOD[0], PHONES[0])
    with session_scope() as s:
        code = s.get_one(Ticket, first).code
    body = client.post("/api/v1/classify", json={"text": FLOOD[3]}).json()
    assert body["related"] and body["related"][0]["code"] == code
    assert body["related"][0]["score"] >= 0.5 and "ngập" in body["related"][0]["reason"]
    other = client.post("/api/v1/classify", json={
        "text": "Đèn chiếu sáng trên đường Nguyễn Huệ phường Mỹ Phú tắt cả tuần nay."}).json()
    assert all(r["code"] != code for r in other["related"])
