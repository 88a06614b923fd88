"""One function per outgoing message; the wording lives in templates/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from triage.routing.models import Assignment
from triage.routing.service import agency_name
from triage.settings import get_settings
from triage.taxonomy import flag_name, topic_name
from triage.tickets.models import Ticket
from triage.tickets.service import local_tz

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
SUBJECTS = {
    "assigned": "[1022] Phiếu {code}: đề nghị xử lý phản ánh",
    "reminder": "[1022] Phiếu {code}: sắp đến hạn trả lời",
    "escalation": "[1022] Phiếu {code}: quá hạn trả lời",
    "urgent_escalation": "[1022] KHẨN – Phiếu {code}: cơ quan chưa xác nhận tiếp nhận",
    "reopened": "[1022] Phiếu {code}: công dân chưa hài lòng, đề nghị xem xét lại",
    "reraised_escalation": "[1022] Phiếu {code}: vụ việc bị tái phản ánh nhiều lần",
    "collective_copy": "[1022] Phiếu {code}: phản ánh đông người, đề nghị theo dõi",
}
URGENT_SUBJECTS = {
    "assigned": "[1022] KHẨN – Phiếu {code}: sự cố nguy hiểm, đề nghị xử lý ngay",
}
SUMMARY_CHARS = 600


def _when(moment: Any) -> str:
    if moment is None:
        return "—"
    return str(moment.astimezone(local_tz()).strftime("%H:%M %d/%m/%Y"))


def context(ticket: Ticket, assignment: Assignment) -> dict[str, Any]:
    text = ticket.text if len(ticket.text) <= SUMMARY_CHARS else ticket.text[:SUMMARY_CHARS] + "…"
    return {
        "code": ticket.code,
        "agency_code": assignment.agency_code,
        "agency_name": agency_name(assignment.agency_code) or assignment.agency_code,
        "topic": ticket.topic,
        "topic_name": topic_name(ticket.topic) if ticket.topic else "Chưa phân loại",
        "flags": ", ".join(flag_name(f) for f in ticket.flags or []),
        "received": _when(ticket.received_at),
        "due": _when(assignment.due_at),
        "summary": text,
        "urgent": ticket.urgency == "khan",
        "urgency_reason": ticket.urgency_reason or "",
        "ack_minutes": get_settings().urgent_ack_minutes,
    }


def render(kind: str, ticket: Ticket, assignment: Assignment) -> tuple[str, str]:
    ctx = context(ticket, assignment)
    subjects = URGENT_SUBJECTS if ctx["urgent"] and kind in URGENT_SUBJECTS else SUBJECTS
    return subjects[kind].format(code=ticket.code), _ENV.get_template(f"{kind}.txt").render(ctx)


def webhook_payload(kind: str, ticket: Ticket, assignment: Assignment,
                    notification_id: int) -> dict[str, Any]:
    """No caller data in any message: the agency reads it in its inbox if it may."""
    ctx = context(ticket, assignment)
    return {"event": f"ticket.{kind}", "notification_id": notification_id,
            "ticket": {k: ctx[k] for k in ("code", "agency_code", "topic", "summary")}
            | {"flags": list(ticket.flags or []), "urgency": ticket.urgency or "thuong",
               "due_at": assignment.due_at.isoformat() if assignment.due_at else None}}


SURVEY_SUBJECT = "[1022] Phiếu {code}: ông/bà có hài lòng với kết quả trả lời?"


def render_survey(channel: str, code: str, link: str, expires_at: Any) -> tuple[str, str]:
    """The citizen's satisfaction survey (triage.survey): a subject and a body for e-mail,
    one short text (subject empty) for SMS and Zalo."""
    base = get_settings().public_url.rstrip("/")
    ctx = {"code": code, "link": link, "expires": _when(expires_at),
           "lookup": f"{base}/tra-cuu"}
    if channel == "email":
        return (SURVEY_SUBJECT.format(code=code),
                _ENV.get_template("survey_email.txt").render(ctx))
    return "", _ENV.get_template("survey_short.txt").render(ctx).strip()
