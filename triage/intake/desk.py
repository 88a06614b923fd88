"""The case-entry desk: a suggestion for a text being typed, and a submission that
routes at once when the operator accepts or changes the suggestion."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from triage.agencies.directory import load_directory
from triage.cases.service import index_routed, related_for
from triage.classify.model import Classifier, ModelNotTrained, get_classifier
from triage.classify.urgency import LABELS as URGENCY_NAMES
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
    # An ambiguous place: each unit it may mean, with its People's Committee, one click away.
    candidates: list[dict[str, str]] = field(default_factory=list)
    agency_code: str | None = None
    agency_name: str | None = None
    rule: str | None = None
    reason: str | None = None
    confident: bool = False
    # How urgent the text reads (triage.classify.urgency): level, score, reason, and the
    # level's name for the operator; None without a model.
    urgency: dict[str, Any] | None = None
    # Cases and tickets this complaint may repeat (triage.cases): code, score, reason.
    related: list[dict[str, Any]] = field(default_factory=list)

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


def _candidates(match: LocationMatch) -> list[dict[str, str]]:
    if match.status != "ambiguous":
        return []
    directory, out = load_directory(), []
    for ward in match.candidates:
        agency = directory.commune_unit("ubnd", ward.code)
        if agency is not None:
            out.append({"ward": ward.name, "agency_code": agency.code,
                        "agency_name": agency.name})
    return out


def _classifier() -> Classifier | None:
    """The trained classifier, or None: the desk works without one (the agency can still
    come from a name or a place in the text)."""
    try:
        return get_classifier()
    except ModelNotTrained:
        return None


def suggest(text: str, router: Router | None = None,
            session: Session | None = None) -> Suggestion:
    """Topic, flags, place and agency for `text` (on the rules of `router`, those in
    force), and with `session` the cases it may repeat; usable without a trained model."""
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
    if seen.urgency is not None:
        out.urgency = {**seen.urgency.to_dict(), "name": URGENCY_NAMES[seen.urgency.level]}
    out.place, out.place_status = _place(seen.location)
    out.candidates = _candidates(seen.location)
    decision = seen.decision
    out.agency_code, out.agency_name = decision.agency_code, decision.agency_name
    out.rule, out.reason, out.confident = decision.rule, decision.reason, decision.confident
    if session is not None:
        out.related = related_for(session, text, seen)
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


def choice_at_accept(suggestion: Suggestion | None, topic: str, flags: list[str],
                     agency_code: str) -> Choice | None:
    """The operator's choice when they accept. What they left empty (Ctrl+Enter pressed
    before the suggestion reached the page, or a page without scripts) is taken from the
    suggestion made on the server, as if they had waited for it. None when even that
    leaves no topic or no agency: the case is then filed for the pipeline, which routes it
    or puts it in the review queue, rather than refused."""
    if suggestion is not None and suggestion.ready:
        if not topic and suggestion.topic:
            topic, flags = suggestion.topic, flags or suggestion.flag_codes
        agency_code = agency_code or suggestion.agency_code or ""
    if not topic or not agency_code:
        return None
    return check_choice(topic, flags, agency_code)


@dataclass(frozen=True)
class Filed:
    """What the operator tells the caller once the case is filed."""

    code: str
    routed: bool
    agency_name: str | None
    due_at: datetime | None


def filed(ticket: Ticket) -> Filed:
    name = load_directory().name(ticket.agency_code) if ticket.agency_code else None
    return Filed(ticket.code, ticket.agency_code is not None, name, ticket.due_at)


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
    index_routed(session, ticket)  # later repeats of this complaint will find it
    return ticket
