"""Operator actions on SQLite and PostgreSQL: the queue, accept, route by hand with
corrections kept for retraining, re-route, close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.tickets import (
    AGENCY_A,
    AGENCY_B,
    AGENCY_C,
    headers_for,
    load,
    make_ticket,
    marker,
)
from triage.auth.models import AuditEntry
from triage.db import session_scope, utcnow
from triage.outbox.models import OutboxMessage
from triage.outbox.tasks import NOTIFY_ASSIGNED as NOTIFY_TASK
from triage.routing.models import Assignment
from triage.tickets.models import TicketEvent
from triage.understand.models import LabelCorrection

REVIEW = "/api/v1/review"


@pytest.fixture
def operator() -> dict[str, str]:
    return headers_for("operator")


def corrections() -> list[LabelCorrection]:
    with session_scope() as s:
        return list(s.scalars(select(LabelCorrection).order_by(LabelCorrection.id)))


def test_queue_lists_unsure_and_sent_back_tickets_oldest_first(
        client: TestClient, operator: dict[str, str]) -> None:
    now = utcnow()
    newer = make_ticket(received_at=now - timedelta(hours=1))
    older = make_ticket(received_at=now - timedelta(hours=5), suggested=None)
    sent_back = make_ticket(agency=AGENCY_A, status="reassign_requested",
                            received_at=now - timedelta(hours=3))
    make_ticket(agency=AGENCY_B)  # routed: not in the queue
    page = client.get(f"{REVIEW}/queue", headers=operator).json()
    assert [i["code"] for i in page["items"]] == [older, sent_back, newer]
    assert page["total"] == 3
    first = page["items"][2]
    assert first["suggestion"] == {"agency_code": AGENCY_C, "agency_name": "Sở Xây dựng",
                                   "rule": "test-rule", "reason": "Gợi ý thử nghiệm."}
    assert marker(newer) in first["text"] and "caller" not in first
    assert page["items"][1]["agency_name"] == "Sở Y tế"
    only = client.get(f"{REVIEW}/queue", headers=operator,
                      params={"status": "reassign_requested"}).json()
    assert [i["code"] for i in only["items"]] == [sent_back] and only["total"] == 1


def test_accept_routes_to_the_suggestion_without_correction(
        client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket()
    r = client.post(f"{REVIEW}/{code}/accept", headers=operator)
    assert r.status_code == 200, r.text
    ticket = load(code)
    assert (ticket.status, ticket.agency_code, ticket.routing_rule) == (
        "routed", AGENCY_C, "test-rule")
    assert ticket.due_at is not None and corrections() == []
    with session_scope() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.task == NOTIFY_TASK)).one()
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "review.accept")).one()
        assert audit.ticket_id == ticket.id


def test_accept_without_suggestion_or_outside_queue_is_refused(
        client: TestClient, operator: dict[str, str]) -> None:
    bare = make_ticket(suggested=None)
    r = client.post(f"{REVIEW}/{bare}/accept", headers=operator)
    assert r.status_code == 409 and r.json()["error"]["code"] == "no_suggestion"
    routed = make_ticket(agency=AGENCY_A)
    r = client.post(f"{REVIEW}/{routed}/accept", headers=operator)
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_status"
    assert "Đã chuyển cơ quan xử lý" in r.json()["error"]["message"]


def test_route_by_hand_keeps_the_correction(client: TestClient,
                                            operator: dict[str, str]) -> None:
    code = make_ticket(topic="y_te", flags=[])
    body = {"topic": "giao_duc", "flags": ["thai_do"], "agency_code": AGENCY_B,
            "note": "Giáo viên có thái độ không đúng mực."}
    r = client.post(f"{REVIEW}/{code}/route", headers=operator, json=body)
    assert r.status_code == 200, r.text
    ticket = load(code)
    assert (ticket.topic, ticket.flags, ticket.agency_code) == ("giao_duc", ["thai_do"],
                                                                AGENCY_B)
    assert ticket.labels_source == "operator" and ticket.routing_rule == "operator"
    assert "Giáo viên có thái độ" in (ticket.routing_reason or "")
    [c] = corrections()
    assert (c.source, c.old_topic, c.new_topic, c.old_flags, c.new_flags) == (
        "operator", "y_te", "giao_duc", [], ["thai_do"])
    assert (c.old_agency, c.new_agency) == (AGENCY_C, AGENCY_B)
    assert c.actor.startswith("operator-") and marker(code) in c.text
    with session_scope() as s:
        kinds = [e.kind for e in s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id))]
    assert kinds[-2:] == ["labels_changed", "routed"]


def test_route_without_agency_follows_the_rules_on_the_new_labels(
        client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket(text="Bệnh viện Đa khoa Sa Đéc bắt bệnh nhân chờ quá lâu.",
                       topic="khac", suggested=None)
    r = client.post(f"{REVIEW}/{code}/route", headers=operator, json={"topic": "y_te"})
    assert r.status_code == 200, r.text
    ticket = load(code)
    assert ticket.agency_code == "bv-dk-sadec" and ticket.routing_rule != "operator"
    [c] = corrections()
    assert (c.old_topic, c.new_topic, c.old_agency, c.new_agency) == (
        "khac", "y_te", None, "bv-dk-sadec")


def test_route_refuses_unsure_rules_unknown_agency_and_bad_labels(
        client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket(text="Alo, cho tôi hỏi chút.", topic=None, suggested=None)
    unsure = client.post(f"{REVIEW}/{code}/route", headers=operator, json={})
    assert unsure.status_code == 422
    assert unsure.json()["error"]["code"] == "agency_required"
    for body, error in (({"agency_code": "khong-co"}, "unknown_agency"),
                        ({"topic": "thoi_tiet", "agency_code": AGENCY_A}, "unknown_topic"),
                        ({"flags": ["vip"], "agency_code": AGENCY_A}, "unknown_flag"),
                        ({"agency_code": AGENCY_A, "status": "closed"}, "unknown_field")):
        r = client.post(f"{REVIEW}/{code}/route", headers=operator, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == error, (body, r.text)
    assert load(code).status == "needs_review" and corrections() == []


def test_reroute_of_sent_back_ticket_ends_the_old_assignment(
        client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket(agency=AGENCY_A, status="reassign_requested")
    r = client.post(f"{REVIEW}/{code}/reroute", headers=operator,
                    json={"agency_code": AGENCY_B})
    assert r.status_code == 200 and r.json()["status"] == "routed"
    with session_scope() as s:
        rows = s.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert [(a.agency_code, a.ended_at is None) for a in rows] == [(AGENCY_A, False),
                                                                        (AGENCY_B, True)]
        last = s.scalars(select(TicketEvent).order_by(TicketEvent.id.desc())).first()
        assert last is not None and last.kind == "rerouted"
        assert last.data["previous_agency"] == AGENCY_A
    [c] = corrections()
    assert (c.source, c.old_agency, c.new_agency) == ("operator", AGENCY_A, AGENCY_B)


def test_reroute_needs_a_routed_ticket(client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket()
    r = client.post(f"{REVIEW}/{code}/reroute", headers=operator,
                    json={"agency_code": AGENCY_B})
    assert r.status_code == 409
    resolved = make_ticket(agency=AGENCY_A, status="resolved")
    r = client.post(f"{REVIEW}/{resolved}/reroute", headers=operator,
                    json={"agency_code": AGENCY_B})
    assert r.status_code == 409 and load(resolved).agency_code == AGENCY_A


def test_close_a_ticket_with_no_matter(client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket(text="Alo alo, gọi thử thôi.", topic="y_te")
    missing = client.post(f"{REVIEW}/{code}/close", headers=operator, json={})
    assert missing.status_code == 422
    blank = client.post(f"{REVIEW}/{code}/close", headers=operator, json={"note": "  "})
    assert blank.status_code == 422
    r = client.post(f"{REVIEW}/{code}/close", headers=operator,
                    json={"note": "Cuộc gọi thử, không có nội dung.", "topic": "khac"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    [c] = corrections()
    assert (c.old_topic, c.new_topic, c.old_agency, c.new_agency) == ("y_te", "khac",
                                                                      AGENCY_C, None)
    with session_scope() as s:
        last = s.scalars(select(TicketEvent).order_by(TicketEvent.id.desc())).first()
        assert last is not None and last.kind == "closed"
        assert last.data == {"note": "Cuộc gọi thử, không có nội dung."}
    again = client.post(f"{REVIEW}/{code}/close", headers=operator, json={"note": "x"})
    assert again.status_code == 409


@pytest.mark.parametrize("actor", ["supervisor", "admin"])
def test_supervisor_and_admin_may_act_too(client: TestClient, actor: str) -> None:
    code = make_ticket()
    r = client.post(f"{REVIEW}/{code}/accept", headers=headers_for(actor))
    assert r.status_code == 200


def test_a_person_sets_the_kind_of_a_conduct_complaint_in_any_state(
        client: TestClient, operator: dict[str, str]) -> None:
    code = make_ticket(agency=AGENCY_A, flags=["thai_do"], topic="tu_phap_ho_tich",
                       text="Cán bộ tư pháp xã quát tháo, bắt người dân về bổ sung giấy tờ.")
    r = client.post(f"{REVIEW}/{code}/conduct-kinds", headers=operator,
                    json={"kinds": ["nhung_nhieu", "gay_kho_de", "nhung_nhieu"],
                          "note": "Người gọi nói rõ bị đòi tiền."})
    assert r.status_code == 200, r.text
    assert [k["kind"] for k in r.json()["conduct_kinds"]] == ["gay_kho_de", "nhung_nhieu"]
    ticket = load(code)
    assert (ticket.status, ticket.agency_code) == ("routed", AGENCY_A)  # it stays
    assert {k["score"] for k in ticket.conduct_kinds} == {1.0}
    with session_scope() as s:
        event = s.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.kind == "conduct_kinds_changed")).one()
        assert event.data["new_kinds"] == ["gay_kho_de", "nhung_nhieu"]
        assert event.actor.startswith("operator")
        assert s.scalars(select(AuditEntry).where(
            AuditEntry.action == "review.conduct_kinds")).one().ticket_id == ticket.id
    # Routing by hand may say the kinds too; a complaint without thai_do has none.
    queued = make_ticket(flags=["thai_do"])
    routed = client.post(f"{REVIEW}/{queued}/route", headers=operator,
                         json={"agency_code": AGENCY_B, "conduct_kinds": ["vo_trach_nhiem"]})
    assert [k["kind"] for k in routed.json()["conduct_kinds"]] == ["vo_trach_nhiem"]
    plain = make_ticket(agency=AGENCY_A)
    refused = client.post(f"{REVIEW}/{plain}/conduct-kinds", headers=operator,
                          json={"kinds": ["thieu_ton_trong"]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_conduct"
    unknown = client.post(f"{REVIEW}/{code}/conduct-kinds", headers=operator,
                          json={"kinds": ["tham_nhung"]})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_kind"
    assert "tham_nhung" in unknown.text and "thieu_ton_trong" in unknown.text
    empty = client.post(f"{REVIEW}/{code}/conduct-kinds", headers=operator, json={"kinds": []})
    assert empty.status_code == 422
    staff = client.post(f"{REVIEW}/{code}/conduct-kinds", headers=headers_for("staff_a"),
                        json={"kinds": ["thieu_ton_trong"]})
    assert staff.status_code == 403
