"""The agency inbox on SQLite and PostgreSQL: listing within scope, each action, its
history and audit rows, re-routing that revokes access at once, refused extra fields."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories.tickets import (
    AGENCY_A,
    AGENCY_B,
    CALLER_NAME,
    CALLER_PHONE,
    headers_for,
    load,
    make_ticket,
    marker,
)
from triage.auth.models import AuditEntry
from triage.db import session_scope, utcnow
from triage.routing.models import Assignment
from triage.tickets.models import Ticket, TicketEvent
from triage.understand.models import LabelCorrection

INBOX = "/api/v1/inbox/tickets"


def events(code: str) -> list[TicketEvent]:
    ticket = load(code)
    with session_scope() as s:
        return list(s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                              .order_by(TicketEvent.id)))


def audit_actions(actor: str | None = None) -> list[str]:
    with session_scope() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        return [a.action for a in s.scalars(stmt) if actor is None or a.actor == actor]


def open_assignment(code: str) -> Assignment:
    ticket = load(code)
    with session_scope() as s:
        return s.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id,
                                                  Assignment.ended_at.is_(None))).one()


def test_list_shows_only_my_agency_and_counts_within_scope(client: TestClient) -> None:
    mine = [make_ticket(agency=AGENCY_A) for _ in range(3)]
    theirs = [make_ticket(agency=AGENCY_B) for _ in range(2)]
    make_ticket()  # in the review queue, no agency
    r = client.get(INBOX, headers=headers_for("staff_a"), params={"per_page": 2})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3 and len(page["items"]) == 2
    second = client.get(INBOX, headers=headers_for("staff_a"),
                        params={"per_page": 2, "page": 2}).json()
    assert {i["code"] for i in page["items"] + second["items"]} == set(mine)
    for code in theirs:
        assert marker(code) not in r.text + str(second)
    # Lists mask the caller: initials and a phone with three digits shown.
    item = page["items"][0]
    assert item["caller"]["phone"] == "09xx xxx 321" and CALLER_NAME not in r.text


def test_status_and_due_filters_stay_within_scope(client: TestClient) -> None:
    now = utcnow()
    overdue, soon, later, done = (make_ticket(agency=AGENCY_A) for _ in range(4))
    other_overdue = make_ticket(agency=AGENCY_B)
    with session_scope() as s:
        for code, due in ((overdue, now - timedelta(hours=3)), (soon, now + timedelta(hours=20)),
                          (later, now + timedelta(days=9)), (done, now - timedelta(days=1)),
                          (other_overdue, now - timedelta(days=2))):
            ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
            ticket.due_at = due
            if code == done:
                ticket.status = "resolved"
    headers = headers_for("staff_a")

    def codes(**params: str) -> tuple[list[str], int]:
        page = client.get(INBOX, headers=headers, params=params).json()
        return [i["code"] for i in page["items"]], page["total"]

    assert codes(due="overdue") == ([overdue], 1)
    assert codes(due="soon") == ([soon], 1)
    assert codes(status="resolved") == ([done], 1)
    assert codes(status="routed")[1] == 3
    assert client.get(INBOX, headers=headers, params={"due": "mai"}).status_code == 422


def test_acknowledge_sets_time_and_writes_event_and_audit(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    headers = headers_for("staff_a")
    r = client.post(f"{INBOX}/{code}/acknowledge", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert open_assignment(code).acknowledged_at is not None
    last = events(code)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("acknowledged", "routed",
                                                             "acknowledged")
    assert last.actor.startswith("agency_staff-") and last.data["agency_code"] == AGENCY_A
    assert "inbox.acknowledge" in audit_actions()
    again = client.post(f"{INBOX}/{code}/acknowledge", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_status"


def test_progress_note_is_an_event_of_my_agency(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    r = client.post(f"{INBOX}/{code}/notes", headers=headers_for("staff_a"),
                    json={"note": "Đã cử cán bộ xuống kiểm tra."})
    assert r.status_code == 201
    note = events(code)[-1]
    assert note.kind == "note" and note.data == {"agency_code": AGENCY_A,
                                                 "note": "Đã cử cán bộ xuống kiểm tra."}
    empty = client.post(f"{INBOX}/{code}/notes", headers=headers_for("staff_a"),
                        json={"note": "   "})
    assert empty.status_code == 422


def test_resolve_records_answer_and_assignment(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    answer = "Bệnh viện đã chấn chỉnh khâu tiếp đón và xin lỗi người bệnh."
    r = client.post(f"{INBOX}/{code}/resolve", headers=headers_for("staff_a"),
                    json={"answer": answer})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    ticket = load(code)
    assert ticket.answer == answer and ticket.resolved_at is not None
    assignment = open_assignment(code)
    assert assignment.answered_at == ticket.resolved_at
    assert assignment.acknowledged_at is not None
    # A resolved ticket takes no more notes or answers.
    again = client.post(f"{INBOX}/{code}/resolve", headers=headers_for("staff_a"),
                        json={"answer": "x"})
    assert again.status_code == 409


def test_reassign_request_is_kept_as_agency_correction(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A, status="acknowledged")
    r = client.post(f"{INBOX}/{code}/reassign", headers=headers_for("staff_a"),
                    json={"reason": "Việc này thuộc ngành giáo dục.",
                          "suggested_agency": AGENCY_B, "topic": "giao_duc"})
    assert r.status_code == 200 and r.json()["status"] == "reassign_requested"
    with session_scope() as s:
        correction = s.scalars(select(LabelCorrection)).one()
        assert (correction.source, correction.old_agency, correction.new_agency) == (
            "agency", AGENCY_A, AGENCY_B)
        assert (correction.old_topic, correction.new_topic) == ("y_te", "giao_duc")
        assert correction.reason == "Việc này thuộc ngành giáo dục."
        assert marker(code) in correction.text
    ticket = load(code)
    assert ticket.topic == "y_te"  # the operators decide; the agency only proposes
    assert "agency_reassign" in ticket.review_reasons
    queue = client.get("/api/v1/review/queue", headers=headers_for("operator")).json()
    item = next(i for i in queue["items"] if i["code"] == code)
    assert item["reassign_reason"] == "Việc này thuộc ngành giáo dục."
    unknown = make_ticket(agency=AGENCY_A)
    bad = client.post(f"{INBOX}/{unknown}/reassign", headers=headers_for("staff_a"),
                      json={"reason": "Không phải việc của chúng tôi.",
                            "suggested_agency": "khong-co"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_agency"


def test_reroute_revokes_access_at_once(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    staff_a, staff_b = headers_for("staff_a"), headers_for("staff_b")
    assert client.get(f"{INBOX}/{code}", headers=staff_a).status_code == 200
    client.post(f"{INBOX}/{code}/notes", headers=staff_a, json={"note": "GHI-CHU-NOI-BO-A"})
    client.post(f"{INBOX}/{code}/reassign", headers=staff_a, json={"reason": "LY-DO-A"})
    r = client.post(f"/api/v1/review/{code}/reroute", headers=headers_for("operator"),
                    json={"agency_code": AGENCY_B, "note": "Chuyển Sở Giáo dục."})
    assert r.status_code == 200 and r.json()["agency_code"] == AGENCY_B
    denied = client.get(f"{INBOX}/{code}", headers=staff_a)
    assert denied.status_code == 404 and marker(code) not in denied.text
    assert code not in client.get(INBOX, headers=staff_a).text
    for action, body in (("acknowledge", {}), ("notes", {"note": "x"}),
                         ("resolve", {"answer": "x"}), ("reassign", {"reason": "x"})):
        assert client.post(f"{INBOX}/{code}/{action}", headers=staff_a,
                           json=body).status_code == 404
    seen = client.get(f"{INBOX}/{code}", headers=staff_b)
    assert seen.status_code == 200 and marker(code) in seen.text
    # B sees its own part of the history, not A's internal note or reasons.
    assert "GHI-CHU-NOI-BO-A" not in seen.text and "LY-DO-A" not in seen.text
    assert [e["kind"] for e in seen.json()["events"]] == ["rerouted"]
    with session_scope() as s:
        rows = s.scalars(select(Assignment).order_by(Assignment.id)).all()
        assert [(a.agency_code, a.end_reason) for a in rows] == [(AGENCY_A, "rerouted"),
                                                                 (AGENCY_B, None)]


def test_detail_reveals_caller_to_holder_with_audit(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    r = client.get(f"{INBOX}/{code}", headers=headers_for("staff_a", ))
    assert r.status_code == 200 and r.json()["caller"]["phone"] == CALLER_PHONE
    assert "read_caller" in audit_actions()


def test_denouncer_never_shown_to_the_agency(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A, flags=["thai_do"])
    headers = headers_for("staff_a")
    for r in (client.get(f"{INBOX}/{code}", headers=headers), client.get(INBOX, headers=headers),
              client.post(f"{INBOX}/{code}/acknowledge", headers=headers)):
        assert r.status_code == 200
        assert CALLER_PHONE not in r.text and CALLER_NAME not in r.text
        assert "xxx 321" not in r.text and "L. T. H" not in r.text and "ấp 1" not in r.text
    assert "read_caller" not in audit_actions()


def test_denied_access_is_audited(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_B)
    r = client.get(f"{INBOX}/{code}", headers=headers_for("staff_a"))
    unknown = client.get(f"{INBOX}/1022-209901-99999", headers=headers_for("staff_a"))
    assert r.status_code == unknown.status_code == 404
    assert r.json()["error"]["code"] == unknown.json()["error"]["code"] == "ticket_not_found"
    assert audit_actions().count("denied") == 2


def test_extra_fields_are_refused_and_nothing_changes(client: TestClient) -> None:
    code = make_ticket(agency=AGENCY_A)
    before = load(code)
    body = {"answer": "Đã xử lý.", "agency_code": AGENCY_B, "status": "closed",
            "caller_phone": "0900000000", "created_at": "2020-01-01T00:00:00Z",
            "topic": "khac"}
    r = client.post(f"{INBOX}/{code}/resolve", headers=headers_for("staff_a"), json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_field"
    for action in ("acknowledge", "notes", "reassign"):
        r = client.post(f"{INBOX}/{code}/{action}", headers=headers_for("staff_a"),
                        json={"note": "x", "reason": "x", "agency_code": AGENCY_B})
        assert r.status_code == 422
    after = load(code)
    assert (after.status, after.agency_code, after.topic, after.answer) == (
        before.status, before.agency_code, before.topic, before.answer)


def test_intake_detail_hides_earlier_agencies_history_from_the_new_agency(
    client: TestClient,
) -> None:
    from sqlalchemy import select

    from tests.factories.users import issue_token
    from triage.db import session_scope, utcnow
    from triage.routing.service import assign
    from triage.tickets.models import Ticket, TicketEvent

    body = {"text": "Rác ứ đọng ở chợ phường Mỹ Tho", "channel": "phone"}
    code = client.post("/api/v1/complaints", json=body).json()["code"]
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.topic, ticket.status = "moi_truong", "classified"
        assign(s, ticket, "ubnd-28261", rule="t", reason="t", actor="t", now=utcnow())
        s.add(TicketEvent(ticket_id=ticket.id, actor="cb-a", kind="note",
                          data={"note": "GHI-CHU-NOI-BO-A"}))
        s.flush()
        assign(s, ticket, "ubnd-28270", rule="t", reason="t", actor="op", now=utcnow(),
               kind="rerouted")
    staff_b = issue_token("agency_staff", agency="ubnd-28270")
    detail = client.get(f"/api/v1/complaints/{code}", headers=staff_b)
    assert detail.status_code == 200
    assert "GHI-CHU-NOI-BO-A" not in detail.text
    operator = client.get(f"/api/v1/complaints/{code}", headers=issue_token("operator"))
    assert "GHI-CHU-NOI-BO-A" in operator.text
