"""The case-entry desk: a suggestion for a text being typed, and a submission that
routes at once when the operator accepts or changes the suggestion."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.classify.model import Classifier, ModelNotTrained, get_classifier
from triage.errors import InvalidInput
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.locations.resolve import LocationMatch
from triage.routing import overlay
from triage.routing.rules import Router
from triage.routing.service import assign
from triage.taxonomy import FLAGS, TOPICS, flag_name, topic_name
from triage.tickets.models import Ticket
from triage.tickets.service import transition
from triage.tickets.states import Status
from triage.understand.answer import InvalidText, validate_text
from triage.understand.record import record_classification, record_correction
from triage.understand.service import understand

OPERATOR_RULE = "operator"
SOURCE = "entry"


@dataclass
class Suggestion:
    """What the desk shows beside the form while the operator types."""

    ready: bool
    message: str = ""
    topic: str | None = None
    topic_name: str | None = None
    topic_confidence: float | None = None
    flags: list[dict[str, str]] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    review_reasons: list[str] = field(default_factory=list)
    place: str | None = None
    place_status: str = "not_found"
    agency_code: str | None = None
    agency_name: str | None = None
    rule: str | None = None
    reason: str | None = None
    confident: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def flag_codes(self) -> list[str]:
        return [f["code"] for f in self.flags]


def _place(match: LocationMatch) -> tuple[str | None, str]:
    if match.status == "resolved":
        name = match.ward_name or ""
        if match.old_name:
            name += f" (trước đây: {match.old_name})"
        return name, "resolved"
    if match.status == "ambiguous":
        return "Chưa rõ: " + ", ".join(c.name for c in match.candidates), "ambiguous"
    return None, "not_found"


def _classifier() -> Classifier | None:
    """The trained classifier, or None: the desk works without one (the agency can still
    come from a name or a place in the text)."""
    try:
        return get_classifier()
    except ModelNotTrained:
        return None


def suggest(text: str, router: Router | None = None) -> Suggestion:
    """Topic, flags, place and agency for `text` (on the rules of `router`, those in
    force); usable without a trained model."""
    try:
        validate_text(text)
    except InvalidText as exc:
        return Suggestion(ready=False, message=exc.message)
    out = Suggestion(ready=True)
    seen = understand(text, _classifier(), router=router)
    result = seen.classification
    if result is None:
        out.message = "Chưa có mô hình phân loại: hãy chọn lĩnh vực bằng tay."
    else:
        out.topic, out.topic_name = result.topic, topic_name(result.topic)
        out.topic_confidence = result.topic_confidence
        out.flags = [{"code": f, "name": flag_name(f)} for f in result.flags]
        out.explanation = list(result.explanation)
        out.review_reasons = list(result.review_reasons)
    out.place, out.place_status = _place(seen.location)
    decision = seen.decision
    out.agency_code, out.agency_name = decision.agency_code, decision.agency_name
    out.rule, out.reason, out.confident = decision.rule, decision.reason, decision.confident
    return out


@dataclass(frozen=True)
class Choice:
    """The operator's decision at entry: the suggestion as is, or changed."""

    topic: str
    flags: tuple[str, ...]
    agency_code: str


def check_choice(topic: str, flags: list[str], agency_code: str) -> Choice:
    if topic not in TOPICS:
        raise InvalidInput("Hãy chọn lĩnh vực của phản ánh.", code="invalid_topic")
    if any(f not in FLAGS for f in flags):
        raise InvalidInput("Dấu hiệu không hợp lệ.", code="invalid_flag")
    if load_directory().get(agency_code) is None:
        raise InvalidInput("Hãy chọn cơ quan xử lý có trong danh bạ.", code="unknown_agency")
    return Choice(topic, tuple(sorted(set(flags))), agency_code)


def submit(session: Session, complaint: ComplaintIn, choice: Choice | None, *, actor: str,
           now: datetime, idempotency_key: str | None = None) -> Ticket:
    """Create the ticket; with a choice, label and route it in the same transaction (the
    pipeline then finds nothing left to do). Without one, the pipeline decides.

    The form carries a key, so a double click or a resent form gives back the first
    ticket instead of a second one."""
    result = intake.submit(session, complaint, actor=actor, now=now,
                           idempotency_key=idempotency_key)
    ticket = result.ticket
    if choice is None or not result.created:
        return ticket
    # The model's labels are kept beside the operator's; the route follows the operator's.
    seen = understand(ticket.text, _classifier(), topic=choice.topic, flags=choice.flags,
                      router=overlay.router(session, now))
    record_classification(session, ticket, seen, now)
    decision = seen.decision
    record_correction(session, ticket, source=SOURCE, actor=actor, topic=choice.topic,
                      flags=list(choice.flags), agency=choice.agency_code,
                      old_agency=decision.agency_code, now=now)
    ticket.topic, ticket.flags = choice.topic, list(choice.flags)
    ticket.labels_source = "operator"
    location = seen.location.as_dict()
    ticket.location, ticket.ward_code = location, location.get("ward_code")
    transition(session, ticket, Status.CLASSIFIED, actor=actor, kind="classified", now=now,
               data={"topic": choice.topic, "flags": list(choice.flags), "by": "operator"})
    if decision.agency_code == choice.agency_code:
        rule, reason = decision.rule, decision.reason
    else:
        name = load_directory().name(choice.agency_code)
        rule, reason = OPERATOR_RULE, f"Tổng đài viên chọn {name}."
    assign(session, ticket, choice.agency_code, rule=rule, reason=reason, actor=actor, now=now)
    return ticket
