"""Operator actions: the review queue, accepting the suggested route, routing by hand,
re-routing, closing a ticket with no matter in it, the kind of a conduct complaint. Every
change a person makes to the topic, the flags or the agency is kept as a LabelCorrection
for retraining; a change of conduct kinds is an event on the ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.cases.service import routed_by_hand
from triage.classify.conduct import FLAG as CONDUCT_FLAG
from triage.classify.conduct import kinds_for_labels, set_by_person
from triage.errors import Conflict, InvalidInput
from triage.routing import overlay
from triage.routing.models import Assignment
from triage.routing.rules import Router
from triage.routing.service import assign
from triage.tickets.models import Ticket, TicketEvent, urgent_first
from triage.tickets.service import transition
from triage.tickets.states import STATUS_NAMES, Status
from triage.understand.record import REASON_LIMIT, record_correction
from triage.understand.service import understand

QUEUE_STATES = (Status.NEEDS_REVIEW, Status.REASSIGN_REQUESTED)
REROUTABLE = (Status.REASSIGN_REQUESTED, Status.ROUTED, Status.ACKNOWLEDGED)


@dataclass(frozen=True)
class Labels:
    """What a person sets; None keeps the current value (or lets the rules pick the agency)."""

    topic: str | None = None
    flags: list[str] | None = None
    agency_code: str | None = None
    conduct_kinds: list[str] | None = None  # None: kept (or read anew when thai_do is new)


def review_queue(session: Session, *, status: str | None, page: int, per_page: int
                 ) -> tuple[list[Ticket], int]:
    """Urgent first, then oldest first: the queue is worked in the order calls came in."""
    states = [s for s in QUEUE_STATES if status in (None, s.value)]
    condition = Ticket.status.in_(states)
    total = session.scalar(select(func.count()).select_from(Ticket).where(condition)) or 0
    stmt = (select(Ticket).where(condition).order_by(urgent_first(), Ticket.received_at, Ticket.id)
            .offset((page - 1) * per_page).limit(per_page))
    return list(session.scalars(stmt)), total


def reassign_reasons(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """The latest reason an agency gave for sending each ticket back."""
    stmt = (select(TicketEvent)
            .where(TicketEvent.ticket_id.in_(ticket_ids),
                   TicketEvent.kind == "reassign_requested")
            .order_by(TicketEvent.id))
    return {e.ticket_id: str(e.data.get("reason", "")) for e in session.scalars(stmt)}


def _set_labels(session: Session, ticket: Ticket, topic: str | None, flags: list[str],
                *, actor: str, now: datetime) -> None:
    if topic == ticket.topic and flags == sorted(ticket.flags or []):
        return
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="labels_changed",
                            data={"old_topic": ticket.topic, "new_topic": topic,
                                  "old_flags": sorted(ticket.flags or []), "new_flags": flags}))
    ticket.topic = topic
    ticket.flags = flags
    ticket.labels_source = "operator"
    ticket.conduct_kinds = kinds_for_labels(ticket.text, flags, ticket.conduct_kinds)


def set_conduct_kinds(session: Session, ticket: Ticket, kinds: list[str], *, actor: str,
                      now: datetime, note: str | None = None) -> None:
    """A person says what kind of conduct a thai_do complaint reports (the monthly list
    is grouped by it); audited as an event with the kinds before and after."""
    if CONDUCT_FLAG not in (ticket.flags or []):
        raise InvalidInput("Chỉ phân loại hành vi cho phiếu có dấu hiệu thái độ, tác phong "
                           "công chức.", code="not_conduct")
    if not kinds:
        raise InvalidInput("Hãy chọn ít nhất một loại hành vi.", code="kinds_required")
    old = sorted(k["kind"] for k in ticket.conduct_kinds or [])
    new = sorted(set(kinds))
    if old == new:
        return
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor,
                            kind="conduct_kinds_changed",
                            data={"old_kinds": old, "new_kinds": new, "note": note}))
    ticket.conduct_kinds = set_by_person(new)


def _reason(text: str, note: str | None) -> str:
    full = f"{text} Ghi chú: {note}" if note else text
    return full[:REASON_LIMIT]


def _choose_agency(ticket: Ticket, topic: str | None, flags: list[str], labels: Labels,
                   router: Router) -> tuple[str, str, str]:
    """(agency, rule, reason): the person's choice, else the rules on the new labels."""
    directory = load_directory()
    if labels.agency_code is not None:
        agency = directory.get(labels.agency_code)
        if agency is None:
            raise InvalidInput(f"Không có cơ quan mã {labels.agency_code} trong danh bạ.",
                               code="unknown_agency")
        return agency.code, "operator", f"Tổng đài viên chọn cơ quan xử lý: {agency.name}."
    decision = understand(ticket.text, topic=topic, flags=flags, router=router).decision
    if decision.agency_code is None or not decision.confident:
        raise InvalidInput(
            "Quy tắc phân luồng chưa chọn được cơ quan chắc chắn; vui lòng chọn cơ quan xử lý.",
            code="agency_required",
            details={"suggested_agency": decision.agency_code, "rule": decision.rule,
                     "reason": decision.reason})
    return decision.agency_code, decision.rule, decision.reason


def _require(ticket: Ticket, states: tuple[Status, ...], action: str) -> None:
    if ticket.status not in states:
        name = STATUS_NAMES[Status(ticket.status)]
        raise Conflict(f"Không thể {action} phiếu đang ở trạng thái «{name}».",
                       code="wrong_status", details={"status": ticket.status})


def accept(session: Session, ticket: Ticket, *, actor: str, now: datetime,
           note: str | None = None) -> Assignment:
    _require(ticket, (Status.NEEDS_REVIEW,), "xác nhận gợi ý cho")
    suggested = (ticket.location or {}).get("suggested_agency")
    if not suggested:
        raise Conflict("Phiếu chưa có cơ quan được gợi ý; vui lòng chọn cơ quan xử lý.",
                       code="no_suggestion")
    reason = _reason(f"{ticket.routing_reason or ''} Tổng đài viên xác nhận gợi ý.".strip(),
                     note)
    assignment = assign(session, ticket, str(suggested),
                        rule=ticket.routing_rule or "suggestion", reason=reason, actor=actor,
                        now=now)
    routed_by_hand(session, ticket, assignment, now=now)
    return assignment


def _route_with(session: Session, ticket: Ticket, labels: Labels, *, actor: str, now: datetime,
                note: str | None, old_agency: str | None, kind: str) -> Assignment:
    topic = labels.topic if labels.topic is not None else ticket.topic
    flags = labels.flags if labels.flags is not None else sorted(ticket.flags or [])
    agency, rule, reason = _choose_agency(ticket, topic, flags, labels,
                                          overlay.router(session, now))
    record_correction(session, ticket, source="operator", actor=actor, topic=topic, flags=flags,
                      agency=agency, old_agency=old_agency, reason=note, now=now)
    _set_labels(session, ticket, topic, flags, actor=actor, now=now)
    if labels.conduct_kinds:
        set_conduct_kinds(session, ticket, labels.conduct_kinds, actor=actor, now=now)
    assignment = assign(session, ticket, agency, rule=rule, reason=_reason(reason, note),
                        actor=actor, now=now, kind=kind)
    routed_by_hand(session, ticket, assignment, now=now)
    return assignment


def route(session: Session, ticket: Ticket, labels: Labels, *, actor: str, now: datetime,
          note: str | None = None) -> Assignment:
    """Route a ticket of the review queue with the labels and agency a person set."""
    _require(ticket, (Status.NEEDS_REVIEW,), "chuyển xử lý")
    old_agency = ticket.agency_code or (ticket.location or {}).get("suggested_agency")
    return _route_with(session, ticket, labels, actor=actor, now=now, note=note,
                       old_agency=old_agency, kind="routed")


def reroute(session: Session, ticket: Ticket, labels: Labels, *, actor: str, now: datetime,
            note: str | None = None) -> Assignment:
    """Hand a routed ticket (or one an agency sent back) to another agency; the previous
    agency loses access at once because the ticket's agency changes."""
    _require(ticket, REROUTABLE, "chuyển lại")
    return _route_with(session, ticket, labels, actor=actor, now=now, note=note,
                       old_agency=ticket.agency_code, kind="rerouted")


def close(session: Session, ticket: Ticket, *, note: str, labels: Labels, actor: str,
          now: datetime) -> None:
    """Close a ticket with no matter in it (a greeting, a test call), with the reason."""
    _require(ticket, (Status.NEEDS_REVIEW,), "đóng")
    topic = labels.topic if labels.topic is not None else ticket.topic
    flags = labels.flags if labels.flags is not None else sorted(ticket.flags or [])
    old_agency = ticket.agency_code or (ticket.location or {}).get("suggested_agency")
    # Closing says no agency should act: a suggested agency was a wrong guess.
    record_correction(session, ticket, source="operator", actor=actor, topic=topic, flags=flags,
                      agency=None, old_agency=old_agency, reason=note, now=now)
    _set_labels(session, ticket, topic, flags, actor=actor, now=now)
    transition(session, ticket, Status.CLOSED, actor=actor, kind="closed", now=now,
               data={"note": note})
