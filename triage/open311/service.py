"""Open311 GeoReport v2 mapped onto the triage model: a service is a topic, a request is a
ticket. Submissions go through the same intake path as every other channel.

Reads are public (no login), so they carry no personal data and nothing that points at a
conduct case: a status, a neutral note with the date of the answer (the answer itself is
written to the caller and names people, places and phone numbers: it shows only if the
agency let it be published, and then scrubbed), and, except for conduct and denunciation
cases, the topic and the agency. Those cases are left out of
the lists altogether; whoever holds one's full code can still follow it."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import not_, or_, select
from sqlalchemy.orm import Session, selectinload

from triage.auth.policy import CONFIDENTIAL_FLAGS, is_confidential
from triage.errors import DomainError
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.reports.service import has_flag
from triage.scrub import scrub_public
from triage.taxonomy import TOPICS, topic_name
from triage.tickets.codes import public_code, public_codes
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.service import find_public, local_tz
from triage.tickets.states import STATUS_NAMES, Status
from triage.validation import describe

CLOSED_STATES = (Status.RESOLVED, Status.CLOSED)
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
FIELD_LIMITS = {"first_name": 100, "last_name": 100, "phone": 40, "email": 200,
                "address_string": 500, "address_id": 100, "media_url": 1000,
                "service_code": 40, "device_id": 200, "account_id": 200}
NOTICE = "Phản ánh đã được tiếp nhận và sẽ được chuyển cơ quan có thẩm quyền xử lý."


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int = 0) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.status, "description": self.description}]


def services() -> list[dict[str, Any]]:
    return [{"service_code": code, "service_name": name, "description": name,
             "metadata": False, "type": "realtime", "keywords": "", "group": ""}
            for code, name in TOPICS.items()]


def service_definition(code: str) -> dict[str, Any]:
    if code not in TOPICS:
        raise Open311Error(404, f"Không có dịch vụ mã «{code}».")
    return {"service_code": code, "attributes": []}


def _coordinate(value: str, name: str, bound: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} phải là một số.") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise Open311Error(400, f"{name} nằm ngoài khoảng cho phép.")
    return number


@dataclass(frozen=True)
class Submission:
    complaint: ComplaintIn
    details: dict[str, Any]


def _field(form: Mapping[str, str | None], name: str) -> str:
    value = (form.get(name) or "").strip()
    limit = FIELD_LIMITS.get(name)
    if limit and len(value) > limit:
        raise Open311Error(400, f"Trường {name} dài quá {limit} ký tự.")
    return value


def parse_request(form: Mapping[str, str | None]) -> Submission:
    code = _field(form, "service_code")
    if not code:
        raise Open311Error(400, "Thiếu service_code (lĩnh vực phản ánh).")
    if code not in TOPICS:
        raise Open311Error(404, f"Không có dịch vụ mã «{code}».")
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "Thiếu description (nội dung phản ánh).")
    lat, lon, address = _field(form, "lat"), _field(form, "long"), _field(form, "address_string")
    if bool(lat) != bool(lon):
        raise Open311Error(400, "Cần gửi cả lat và long.")
    if not (lat or address):
        raise Open311Error(400, "Cần vị trí: lat và long, hoặc address_string.")
    lines = [description]
    details: dict[str, Any] = {"service_code": code}
    if address:
        lines.append(f"Địa điểm: {address}")
        details["address_string"] = address
    if lat:
        details["lat"] = _coordinate(lat, "lat", 90)
        details["long"] = _coordinate(lon, "long", 180)
        lines.append(f"Tọa độ (vĩ độ, kinh độ): {details['lat']}, {details['long']}")
    if media := _field(form, "media_url"):
        details["media_url"] = media
    name = " ".join(p for p in (_field(form, "first_name"), _field(form, "last_name")) if p)
    caller = {k: v for k, v in {"name": name, "phone": _field(form, "phone")}.items() if v}
    try:
        complaint = ComplaintIn.model_validate(
            {"text": "\n".join(lines), "channel": "web", **({"caller": caller} if caller else {})})
    except ValidationError as exc:
        raise Open311Error(400, describe(dict(exc.errors()[0]))["message"]) from None
    return Submission(complaint, details)


def submit(session: Session, form: Mapping[str, str | None], *, actor: str, now: datetime
           ) -> Ticket:
    """Write the ticket through intake; the requested service is kept as an event, since
    the topic is the classifier's and the operators' to set."""
    parsed = parse_request(form)
    try:
        ticket = intake.submit(session, parsed.complaint, actor=actor, now=now).ticket
    except DomainError as exc:
        raise Open311Error(400, exc.message) from None
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="open311",
                            data=parsed.details))
    session.flush()
    return ticket


def _parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} phải theo định dạng ISO 8601.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=local_tz())


def _asked(ids: str) -> list[str]:
    return [i for i in ids.split(",")[:MAX_REQUESTS] if i.strip()]


def asked_ids(ids: str) -> int:
    """How many different codes an ``ids`` list names (at most MAX_REQUESTS are read)."""
    return len({i.strip() for i in _asked(ids)})


def find_requests(
    session: Session, *, ids: str | None, service_code: str | None, start: str | None,
    end: str | None, status: str | None, now: datetime,
) -> list[Ticket]:
    """As the standard says: ids win over every other filter; otherwise the last 90 days
    (or the window asked for), newest first, at most 1000."""
    if ids:
        # Full codes only (their check part right): a list of guesses finds nothing.
        codes = {c for i in _asked(ids) for c in public_codes(i)}
        if not codes:
            return []
        return list(session.scalars(select(Ticket).where(Ticket.code.in_(sorted(codes)))
                                    .options(selectinload(Ticket.caller))
                                    .order_by(Ticket.received_at.desc())))
    if status not in (None, "", "open", "closed"):
        raise Open311Error(400, "status chỉ nhận «open» hoặc «closed».")
    upper = _parse_time(end, "end_date") or now
    lower = _parse_time(start, "start_date") or upper - DEFAULT_WINDOW
    stmt = select(Ticket).where(Ticket.received_at >= lower, Ticket.received_at <= upper,
                                not_(or_(*(has_flag(f) for f in sorted(CONFIDENTIAL_FLAGS)))))
    if service_code:
        stmt = stmt.where(Ticket.topic.in_(service_code.split(",")))
    if status == "open":
        stmt = stmt.where(Ticket.status.not_in(CLOSED_STATES))
    elif status == "closed":
        stmt = stmt.where(Ticket.status.in_(CLOSED_STATES))
    stmt = stmt.order_by(Ticket.received_at.desc(), Ticket.id.desc()).limit(MAX_REQUESTS)
    # The caller's own name and address are scrubbed from public answers: one query.
    return list(session.scalars(stmt.options(selectinload(Ticket.caller))))


def get_request(session: Session, code: str) -> Ticket | None:
    """The ticket of a full code; a code without its check part is unknown here."""
    return find_public(session, code)


def requested_services(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    stmt = select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids),
                                     TicketEvent.kind == "open311")
    return {e.ticket_id: str(e.data.get("service_code")) for e in session.scalars(stmt)}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(local_tz()).isoformat(timespec="seconds") if value else None


def _own_words(ticket: Ticket) -> list[str | None]:
    caller = ticket.caller
    return [caller.name, caller.address] if caller is not None else []


def public_note(ticket: Ticket) -> str:
    """Where the request stands; the answer only if its agency let it be published (never
    for a conduct or denunciation case), with its personal data scrubbed."""
    status = Status(ticket.status)
    if status not in CLOSED_STATES or ticket.resolved_at is None:
        return STATUS_NAMES[status]
    day = ticket.resolved_at.astimezone(local_tz()).strftime("%d/%m/%Y")
    note = f"Đã trả lời ngày {day}"
    if ticket.answer and ticket.answer_public and not is_confidential(ticket):
        note = f"{note}: {scrub_public(ticket.answer, _own_words(ticket))}"
    return note


def request_out(ticket: Ticket, *, agency: str | None, requested: str | None
                ) -> dict[str, Any]:
    """Public fields only; no topic or agency for a conduct or denunciation case."""
    closed = Status(ticket.status) in CLOSED_STATES
    hidden = is_confidential(ticket)
    code = None if hidden else ticket.topic or requested
    return {
        "service_request_id": public_code(ticket.code),
        "status": "closed" if closed else "open",
        "status_notes": public_note(ticket),
        "service_code": code,
        "service_name": topic_name(code) if code else None,
        "agency_responsible": None if hidden else agency,
        "requested_datetime": _iso(ticket.received_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": None if closed else _iso(ticket.due_at),
    }
