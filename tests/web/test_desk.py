"""The operator desk with the shipped model: accepting before the suggestion arrived files
and routes the case on the server's suggestion, one notice tells the code, the agency and
the deadline; the agency picker forgives case and diacritics; an ambiguous place offers
its units as choices."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.factories.web import AGENCY_A, UserFactory
from tests.web.conftest import page_app
from triage import db
from triage.tickets.models import Ticket
from triage.tickets.service import get_by_code

TEXT = ("Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư hơn một tuần nay, ban đêm tối om, đề nghị "
        "UBND xã Mỹ Hiệp cho người sửa giúp.")


@pytest.fixture
def app(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    """The app with the shipped model (the desk's server-side suggestion needs it)."""
    yield from page_app(tmp_path, monkeypatch, model=True)


def _accept(op: object, text: str, **fields: str) -> str:
    data = {"text": text, "channel": "phone", "topic": "", "agency": "", "action": "accept",
            "idem": uuid.uuid4().hex, **fields}
    response = op.post("/tiep-nhan", data)  # type: ignore[attr-defined]
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def test_accepting_with_nothing_chosen_routes_on_the_servers_suggestion(
        user: UserFactory) -> None:
    op = user("operator")
    location = _accept(op, TEXT)
    assert "ok=routed" in location
    code = re.search(r"code=([0-9A-Z-]+)", location).group(1)  # type: ignore[union-attr]
    with db.session_scope() as session:
        ticket: Ticket = get_by_code(session, code)
        assert (ticket.status, ticket.agency_code) == ("routed", AGENCY_A)
        assert ticket.topic is not None and ticket.due_at is not None
        due = ticket.due_at
    page = op.get(location).text
    notices = re.findall(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', page, re.S)
    assert len(notices) == 1, notices
    notice = re.sub(r"<[^>]+>", "", notices[0])
    from triage.web.templating import fmt_date
    assert code in notice and "UBND xã Mỹ Hiệp" in notice
    assert f"hạn xử lý {fmt_date(due)}" in notice


def test_what_the_operator_chose_wins_over_the_suggestion(user: UserFactory) -> None:
    op = user("operator")
    location = _accept(op, TEXT, topic="giao_thong", agency="so-xd")
    code = re.search(r"code=([0-9A-Z-]+)", location).group(1)  # type: ignore[union-attr]
    with db.session_scope() as session:
        ticket = get_by_code(session, code)
        assert (ticket.topic, ticket.agency_code) == ("giao_thong", "so-xd")


@pytest.mark.parametrize("typed", ["my hiep", "MỸ HIỆP", "Mỹ Hiệp", "ubnd my hi", "30112"])
def test_the_agency_picker_forgives_case_and_diacritics(user: UserFactory, typed: str) -> None:
    op = user("operator")
    found = op.get("/co-quan/tim", params={"q": typed}).json()
    assert found[0]["code"] == AGENCY_A
    assert found[0]["name"] == "UBND xã Mỹ Hiệp"


def test_the_agency_picker_is_for_operators_and_reviewers(user: UserFactory) -> None:
    staff = user("agency_staff", AGENCY_A)
    assert staff.get("/co-quan/tim", params={"q": "my hiep"}).status_code == 403


def test_an_ambiguous_place_offers_its_units_as_choices(user: UserFactory) -> None:
    op = user("operator")
    answer = op.client.post("/tiep-nhan/goi-y", json={"text": "Tôi ở Phường 1, đường bị ngập "
                                                              "nước mấy ngày nay"},
                            headers={"X-CSRF-Token": op.csrf})
    suggestion = answer.json()
    assert suggestion["place_status"] == "ambiguous"
    assert len(suggestion["candidates"]) == 5
    assert all(c["agency_code"].startswith("ubnd-")
               and c["ward"].lower() in c["agency_name"].lower()
               for c in suggestion["candidates"])
    assert len({c["agency_code"] for c in suggestion["candidates"]}) == 5
    # Without scripts the page shows the same choices as buttons.
    page = op.post("/tiep-nhan", {"text": "Tôi ở Phường 1, đường bị ngập nước mấy ngày nay",
                                  "action": "suggest"}).text
    assert len(re.findall(r'<button type="button" class="candidate" data-agency="ubnd-',
                          page)) == 5


def test_the_desk_shows_the_urgency_before_accepting(user: UserFactory) -> None:
    op = user("operator")
    text = "Dây điện đứt rơi xuống đường ở ấp 3 xã Mỹ Hiệp, đang tóe lửa"
    suggestion = op.client.post("/tiep-nhan/goi-y", json={"text": text},
                                headers={"X-CSRF-Token": op.csrf}).json()
    assert suggestion["urgency"]["level"] == "khan"
    assert suggestion["urgency"]["name"] == "Khẩn cấp"
    page = op.post("/tiep-nhan", {"text": text, "action": "suggest"}).text
    shown = re.search(r'<p class="why" id="sg-urgency"[^>]*>(.*?)</p>', page, re.S)
    assert shown and "Khẩn cấp" in shown.group(1) and "dây điện đứt" in shown.group(1)
    calm = op.post("/tiep-nhan", {"text": TEXT, "action": "suggest"}).text
    assert "Thông thường" in calm


def test_an_urgent_case_filed_at_the_desk_shows_its_level_on_the_ticket_page(
        user: UserFactory) -> None:
    op = user("operator")
    location = _accept(op, "Cháy nhà ở ấp 3 xã Mỹ Hiệp, lửa đang lan sang nhà bên cạnh")
    code = re.search(r"code=([0-9A-Z-]+)", location).group(1)  # type: ignore[union-attr]
    page = op.get(f"/phieu/{code}").text
    shown = re.search(r"<dt>Mức độ</dt><dd>(.*?)</dd>", page, re.S)
    assert shown and "Khẩn cấp" in shown.group(1)
    calm = re.search(r"code=([0-9A-Z-]+)", _accept(op, TEXT)).group(1)  # type: ignore[union-attr]
    assert "<dt>Mức độ</dt>" not in op.get(f"/phieu/{calm}").text
