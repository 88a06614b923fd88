"""The automatic pipeline with the committed model and the default routing rules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories.tickets import submit
from triage.db import session_scope
from triage.outbox.models import OutboxMessage
from triage.pipeline import tasks
from triage.routing.models import Assignment
from triage.tickets.models import Ticket
from triage.understand.models import Classification

TZ = ZoneInfo("Asia/Ho_Chi_Minh")




def test_clear_complaint_is_classified_routed_and_given_a_deadline(database: str) -> None:
    received = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday
    tid = submit("Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư hơn một tuần nay, ban đêm tối om, "
                 "đề nghị điện lực hoặc xã cho người sửa giúp.", received_at=received)
    assert tasks.process_ticket(tid) == "routed"
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        assert ticket.topic == "dien"
        assert ticket.agency_code and ticket.location["ward_name"] == "Xã Mỹ Hiệp"
        assert ticket.due_at == datetime(2026, 11, 9, 17, 0, tzinfo=TZ)
        assignment = s.scalars(select(Assignment).where(Assignment.ticket_id == tid)).one()
        assert assignment.agency_code == ticket.agency_code
        classification = s.scalars(select(Classification)).one()
        assert classification.model_version == ticket.model_version
        notify = s.scalars(select(OutboxMessage).where(
            OutboxMessage.task == "notify.assigned")).one()
        assert notify.payload == {"assignment_id": assignment.id}


def test_gibberish_goes_to_review_with_a_suggestion(database: str) -> None:
    tid = submit("asdkj qwe zzz")
    assert tasks.process_ticket(tid) == "needs_review"
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        assert ticket.review_reasons
        assert ticket.topic is not None and ticket.agency_code is None


@pytest.mark.parametrize("text", [
    "Tôi nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất ở bộ phận một cửa xã Mỹ Hiệp "
    "từ tháng 6, giấy hẹn ghi 15/8 mà tới giờ vẫn chưa có, hỏi thì cứ bảo về chờ.",
])
def test_delayed_dossier_is_flagged(database: str, text: str) -> None:
    tid = submit(text)
    tasks.process_ticket(tid)
    with session_scope() as s:
        assert "tre_han" in s.get_one(Ticket, tid).flags


def test_fallen_live_wire_is_read_urgent_and_given_hours(database: str) -> None:
    """Received on a Saturday night: an urgent deadline counts clock hours, not working
    days, and the ticket keeps the level, score and cue it was read with."""
    from datetime import timedelta

    from triage.routing.deadlines import get_urgent_hours

    received = datetime(2026, 11, 7, 22, 0, tzinfo=TZ)  # a Saturday
    tid = submit("Dây điện trung thế bị đứt rơi xuống đường ở ấp 3 xã Mỹ Hiệp, đang tóe lửa, "
                 "đề nghị điện lực cắt điện gấp.", received_at=received)
    assert tasks.process_ticket(tid) == "routed"
    with session_scope() as s:
        ticket = s.get_one(Ticket, tid)
        assert ticket.urgency == "khan" and ticket.urgency_reason
        assert ticket.urgency_score is not None and 0 < ticket.urgency_score <= 1
        hours = get_urgent_hours().hours(ticket.topic)
        assert ticket.due_at == received + timedelta(hours=hours)
