"""The operator sees the learned agency's suggestion next to the rule's choice on a ticket
it sent to review."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories.tickets import make_ticket
from tests.factories.web import UserFactory
from triage.db import session_scope, utcnow
from triage.pipeline import steps
from triage.routing.learned import reset_agency_model_cache
from triage.tickets.models import Ticket


def test_review_desk_shows_the_learned_suggestion_and_the_reason(user: UserFactory) -> None:
    reset_agency_model_cache()
    code = make_ticket(topic="y_te", suggested=None,
                       text="Thẻ bảo hiểm y tế của mẹ tôi ghi sai ngày sinh, đi khám bệnh "
                            "không được thanh toán.")
    with session_scope() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.status, ticket.review_reasons = "classified", []
        steps.route(s, ticket, utcnow())
    op = user("operator")
    for page in (f"/phieu/{code}", "/xem-xet"):
        html = op.get(page).text
        assert "Mô hình học gợi ý: <strong>Bảo hiểm xã hội tỉnh Đồng Tháp</strong>" in html, page
        assert "quy tắc chọn Sở Y tế" in html, page
    assert "Mô hình học từ các lần chuyển lại gợi ý cơ quan khác quy tắc." in \
        op.get(f"/phieu/{code}").text
