"""The satisfaction survey end to end on SQLite and PostgreSQL: the agency answers, a link
reaches a local SMS gateway and an SMTP sink, the link works once, "chưa hài lòng" reopens
once, used and expired links are refused, protected denouncers are never asked, and a
conduct case's answer never reaches the agency."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.factories.tickets import AGENCY_A, headers_for, load
from tests.survey.conftest import (
    CALLER_E164,
    CALLER_EMAIL,
    CALLER_NAME,
    CALLER_PHONE,
    Sinks,
    deliver_all,
    routed,
)
from triage.agencies.models import AgencyRow
from triage.db import session_scope, utcnow
from triage.notify import tasks as notify_tasks
from triage.notify.models import Notification
from triage.outbox.models import OutboxMessage
from triage.outbox.tasks import SURVEY_DELIVER
from triage.routing.models import Assignment
from triage.survey import tokens
from triage.survey.models import Survey, SurveyMessage
from triage.tickets.models import TicketEvent

ANSWER = "Sở Y tế đã làm việc với bệnh viện, yêu cầu bố trí người hướng dẫn."
LINK = re.compile(r"https://1022\.dongthap\.example/khao-sat/([0-9A-Za-z._-]+)")


def resolve(client: TestClient, code: str, staff: dict[str, str] | None = None) -> None:
    r = client.post(f"/api/v1/inbox/tickets/{code}/resolve", json={"answer": ANSWER},
                    headers=staff or headers_for("staff_a"))
    assert r.status_code == 200, r.text


def sms_token(sinks: Sinks, index: int = -1) -> str:
    match = LINK.search(sinks.sms.received[index]["text"])
    assert match, sinks.sms.received
    return match.group(1)


def surveys(code: str) -> list[Survey]:
    ticket = load(code)
    with session_scope() as s:
        found = list(s.scalars(select(Survey).where(Survey.ticket_id == ticket.id)
                               .order_by(Survey.round)))
        s.expunge_all()
        return found


def test_an_answer_sends_a_working_link_by_sms_gateway_and_email(
    client: TestClient, sinks: Sinks,
) -> None:
    code = routed()
    resolve(client, code)
    with session_scope() as s:
        queued = list(s.scalars(select(OutboxMessage).where(OutboxMessage.task == SURVEY_DELIVER)))
        assert len(queued) == 2 and all("message_id" in m.payload for m in queued)
    assert deliver_all() == ["sent", "sent"]
    assert deliver_all() == ["skipped", "skipped"]  # a message is sent once
    [sms] = sinks.sms.received
    assert sms["to"] == CALLER_E164 and "Hài lòng" not in sms["text"]
    assert "phiếu" in sms["text"] and sinks.zalo.received == []
    [mail] = sinks.mail.messages
    assert mail["To"] == CALLER_EMAIL and "hài lòng" in mail["Subject"]
    mailed = LINK.search(mail.get_content())
    assert mailed and mailed.group(1) == sms_token(sinks)
    token = sms_token(sinks)
    opened = client.get(f"/api/v1/survey/{token}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["answer"] == ANSWER and opened.json()["code"] == load(code).code
    page = client.get(f"/khao-sat/{token}")
    assert page.status_code == 200 and "Chưa hài lòng" in page.text
    for private in (CALLER_NAME, CALLER_PHONE, CALLER_EMAIL):
        assert private not in opened.text and private not in page.text
    # Only the token's hash is kept.
    [survey] = surveys(code)
    assert survey.token_hash == tokens.token_hash(token) and token not in survey.token_hash


def test_a_zalo_complaint_is_asked_on_zalo(client: TestClient, sinks: Sinks) -> None:
    code = routed(channel="zalo", email=None)
    resolve(client, code)
    assert deliver_all() == ["sent"]
    [message] = sinks.zalo.received
    assert message["to"] == CALLER_E164 and LINK.search(message["text"])
    assert sinks.sms.received == [] and sinks.mail.messages == []


def test_unsatisfied_reopens_to_the_agency_once(client: TestClient, sinks: Sinks) -> None:
    with session_scope() as s:
        s.add(AgencyRow(code=AGENCY_A, name="Sở Y tế", level="province", aliases=[],
                        email="so-yt@example.vn"))
    code = routed(email=None)
    staff = headers_for("staff_a")
    resolve(client, code, staff)
    deliver_all()
    reason = f"Tôi vẫn phải chờ cả buổi. Gọi tôi {CALLER_PHONE}, {CALLER_NAME}."
    r = client.post(f"/api/v1/survey/{sms_token(sinks)}",
                    json={"satisfied": False, "reason": reason})
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "reopened" and "chuyển lại" in r.json()["message"]
    ticket = load(code)
    assert ticket.status == "acknowledged" and ticket.resolved_at is None
    # The first answer keeps its place in the lateness figures; the agency gets a new
    # assignment with a deadline counted from now (not overdue at once).
    with session_scope() as s:
        first, again = s.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)
                                 .order_by(Assignment.id)).all()
        assert first.answered_at is not None and first.end_reason == "survey_reopened"
        assert again.ended_at is None and again.answered_at is None
        assert again.agency_code == first.agency_code
        assert again.due_at is not None and again.due_at > utcnow() + timedelta(hours=1)
        assert load(code).due_at == again.due_at
    # The agency is told by e-mail, once, with neither the caller nor the reason.
    with session_scope() as s:
        told = list(s.scalars(select(Notification.id).where(Notification.kind == "reopened")))
    assert len(told) == 1 and notify_tasks.deliver(told[0]) == "sent"
    [mail] = sinks.mail.messages
    assert mail["To"] == "so-yt@example.vn" and "chưa hài lòng" in mail["Subject"]
    for private in (CALLER_NAME, CALLER_PHONE, "chờ cả buổi"):
        assert private not in mail.get_content()
    # The agency sees the ticket open again, with the reason but not who gave it.
    mine = client.get(f"/api/v1/inbox/tickets/{code}", headers=staff).json()
    [reopened] = [e for e in mine["events"] if e["kind"] == "survey_reopened"]
    assert "chờ cả buổi" in reopened["data"]["reason"]
    assert CALLER_PHONE not in str(reopened) and CALLER_NAME not in str(reopened)
    # Answered again, asked again; a second "chưa hài lòng" does not reopen.
    resolve(client, code, staff)
    deliver_all()
    assert len(sinks.sms.received) == 2
    again = client.post(f"/api/v1/survey/{sms_token(sinks)}", json={"satisfied": False})
    assert again.status_code == 200 and again.json()["outcome"] == "none"
    assert load(code).status == "resolved"
    assert [s.outcome for s in surveys(code)] == ["reopened", "none"]
    # The staff JSON carries the latest judgement.
    staff_json = client.get(f"/api/v1/complaints/{code}", headers=headers_for("operator"))
    assert staff_json.json()["satisfaction"]["status"] == "answered"
    assert staff_json.json()["satisfaction"]["satisfied"] is False
    inbox = client.get(f"/api/v1/inbox/tickets/{code}", headers=staff).json()
    assert inbox["satisfaction"]["satisfied"] is False


def test_a_used_link_is_refused_with_409(client: TestClient, sinks: Sinks) -> None:
    code = routed()
    resolve(client, code)
    deliver_all()
    token = sms_token(sinks)
    assert client.post(f"/api/v1/survey/{token}", json={"satisfied": True}).status_code == 200
    again = client.post(f"/api/v1/survey/{token}", json={"satisfied": False})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "survey_used"
    assert "đã được sử dụng" in again.json()["error"]["message"]
    page = client.get(f"/khao-sat/{token}")
    assert page.status_code == 409 and "đã được sử dụng" in page.text
    assert load(code).status == "resolved"
    assert [(s.satisfied, s.outcome) for s in surveys(code)] == [(True, None)]


def test_an_expired_link_is_refused_with_410(client: TestClient, sinks: Sinks) -> None:
    code = routed()
    resolve(client, code)
    deliver_all()
    token = sms_token(sinks)
    with session_scope() as s:
        s.execute(update(Survey).values(expires_at=utcnow() - timedelta(minutes=1)))
    r = client.post(f"/api/v1/survey/{token}", json={"satisfied": False})
    assert r.status_code == 410 and r.json()["error"]["code"] == "survey_expired"
    assert "hết hạn" in r.json()["error"]["message"]
    assert client.get(f"/khao-sat/{token}").status_code == 410
    assert load(code).status == "resolved"
    staff_json = client.get(f"/api/v1/complaints/{code}", headers=headers_for("operator"))
    assert staff_json.json()["satisfaction"] == {"status": "expired", "satisfied": None,
                                                 "answered_at": None}


@pytest.mark.parametrize("forged", ["1.1.1700000000.AAAAAAAAAAAAAAAAAAAAAAAA",
                                    "not-a-token-at-all"])
def test_a_forged_link_is_unknown(client: TestClient, sinks: Sinks, forged: str) -> None:
    r = client.post(f"/api/v1/survey/{forged}", json={"satisfied": True})
    assert r.status_code == 404 and r.json()["error"]["code"] == "survey_not_found"


def test_a_protected_denouncer_gets_no_survey(client: TestClient, sinks: Sinks) -> None:
    code = routed(flags=["to_cao"])
    resolve(client, code)
    assert surveys(code) == [] and deliver_all() == []
    assert sinks.sms.received == [] and sinks.mail.messages == []
    lookup = client.get("/api/v1/lookup", params={"code": load(code).code,
                                                  "phone_last4": CALLER_PHONE[-4:]})
    assert lookup.json()["survey"] is None


def test_a_conduct_case_answer_never_reaches_the_agency(
    client: TestClient, sinks: Sinks,
) -> None:
    code = routed(flags=["thai_do"])
    staff = headers_for("staff_a")
    resolve(client, code, staff)
    deliver_all()
    r = client.post(f"/api/v1/survey/{sms_token(sinks)}",
                    json={"satisfied": False, "reason": "Cán bộ vẫn hách dịch với tôi."})
    assert r.json()["outcome"] == "review"
    ticket = load(code)
    assert ticket.status == "needs_review" and "citizen_unsatisfied" in ticket.review_reasons
    # The agency's view: no satisfaction, no event with the reason.
    seen = client.get(f"/api/v1/complaints/{code}", headers=staff)
    assert seen.status_code == 200
    assert seen.json()["satisfaction"] is None and "hách dịch" not in seen.text
    inbox = client.get(f"/api/v1/inbox/tickets/{code}", headers=staff)
    assert inbox.json()["satisfaction"] is None and "hách dịch" not in inbox.text
    listed = client.get("/api/v1/complaints", headers=staff).json()["items"]
    assert all(item["satisfaction"] is None for item in listed)
    # The operators see it.
    op = client.get(f"/api/v1/complaints/{code}", headers=headers_for("operator")).json()
    assert op["satisfaction"]["satisfied"] is False
    assert any("hách dịch" in str(e["data"]) for e in op["events"])


def test_unsatisfied_goes_to_the_operators_by_setting(
    client: TestClient, sinks: Sinks, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from triage.settings import get_settings

    monkeypatch.setenv("TRIAGE_SURVEY_UNSATISFIED_TO", "review")
    get_settings.cache_clear()
    code = routed()
    resolve(client, code)
    deliver_all()
    r = client.post(f"/api/v1/survey/{sms_token(sinks)}", json={"satisfied": False})
    assert r.json()["outcome"] == "review" and load(code).status == "needs_review"
    with session_scope() as s:
        kinds = list(s.scalars(select(TicketEvent.kind).where(
            TicketEvent.ticket_id == load(code).id)))
    assert "survey_unsatisfied" in kinds


def test_the_lookup_page_asks_too_and_a_message_not_yet_sent_is_dropped(
    client: TestClient, sinks: Sinks,
) -> None:
    code = routed()
    resolve(client, code)
    full = load(code).code
    data = client.get("/api/v1/lookup", params={"code": full,
                                                "phone_last4": CALLER_PHONE[-4:]}).json()
    assert data["survey"]["status"] == "sent" and data["survey"]["path"].startswith("/khao-sat/")
    page = client.get("/tra-cuu")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    shown = client.post("/tra-cuu", data={"csrf_token": csrf.group(1), "code": full,
                                          "phone_last4": CALLER_PHONE[-4:]})
    assert "Hài lòng" in shown.text and data["survey"]["path"] in shown.text
    done = client.post(data["survey"]["path"], data={"csrf_token": csrf.group(1),
                                                     "choice": "yes", "reason": ""})
    assert done.status_code == 200 and "Cảm ơn" in done.text
    # Answered on the page before the messages went: they are not sent any more.
    assert deliver_all() == ["cancelled", "cancelled"]
    assert sinks.sms.received == []
    with session_scope() as s:
        assert {m.status for m in s.scalars(select(SurveyMessage))} == {"cancelled"}
    after = client.get("/api/v1/lookup", params={"code": full,
                                                 "phone_last4": CALLER_PHONE[-4:]}).json()
    assert after["survey"] == {"status": "answered", "url": None, "path": None,
                               "expires_at": None, "satisfied": True}


def test_the_survey_endpoints_are_in_openapi(client: TestClient, sinks: Sinks) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    survey = paths["/api/v1/survey/{token}"]
    assert {"get", "post"} <= set(survey)
    assert {"404", "409", "410"} <= set(survey["post"]["responses"])
