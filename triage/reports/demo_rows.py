"""One synthetic complaint as rows: caller, ticket, its assignments and its events."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from triage.reports import demo_text as words
from triage.reports.demo_bulk import BulkWriter
from triage.routing.deadlines import TZ

ACTOR = "demo-data"
Deadline = Callable[[date, str, tuple[str, ...]], datetime]


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    region: str


@dataclass(frozen=True)
class DemoTicket:
    topic: str
    flags: tuple[str, ...]
    ward: Ward
    received: datetime
    channel: str
    agency: str


class Habits(Protocol):
    now: datetime

    def lateness(self, agency: str) -> float: ...
    def agency_for(self, topic: str, flags: tuple[str, ...], ward: Ward) -> str: ...


def _text(rng: random.Random, t: DemoTicket) -> str:
    pool: tuple[str, ...]
    if "tre_han" in t.flags:
        pool = words.TRE_HAN
    elif "thai_do" in t.flags:
        pool = words.PRAISE if rng.random() < 0.2 else words.THAI_DO
    else:
        pool = words.TEMPLATES[t.topic]
    text = rng.choice(pool).format(place=t.ward.name.lower())
    if rng.random() < 0.03:
        text += f" Liên hệ 09{rng.randrange(10**8):08d} để biết thêm."
    if rng.random() < 0.01:
        text = rng.choice(words.FORMULA_LIKE) + text
    return text


def _caller(writer: BulkWriter, rng: random.Random, at: datetime) -> int | None:
    if rng.random() < 0.15:
        return None
    caller_id = writer.new_id("callers")
    phone = f"+849{rng.randrange(10**8):08d}"
    name = f"{rng.choice(words.FAMILY)} {rng.choice(words.MIDDLE)} {rng.choice(words.GIVEN)}"
    writer.add("callers", {"id": caller_id, "name": name, "phone_e164": phone,
                           "phone_last4": phone[-4:], "address": None, "created_at": at})
    return caller_id


def _answer(rng: random.Random, start: datetime, due: datetime, late_share: float,
            now: datetime) -> datetime | None:
    if rng.random() < late_share:
        answered = due + timedelta(hours=rng.uniform(0.5, 24 * 12))
    else:
        answered = start + (due - start) * rng.uniform(0.05, 1.0)
    return answered if answered <= now else None


def _assignment(writer: BulkWriter, ticket_id: int, agency: str, start: datetime,
                due: datetime, **extra: Any) -> None:
    writer.add("assignments", {
        "id": writer.new_id("assignments"), "ticket_id": ticket_id, "agency_code": agency,
        "assigned_at": start, "due_at": due, "rule": "demo", "actor": ACTOR,
        "acknowledged_at": extra.get("acknowledged_at"), "answered_at": extra.get("answered_at"),
        "ended_at": extra.get("ended_at"), "end_reason": extra.get("end_reason")})


def _event(writer: BulkWriter, ticket_id: int, at: datetime, kind: str, src: str | None,
           dst: str, data: dict[str, Any]) -> None:
    writer.add("ticket_events", {"id": writer.new_id("ticket_events"), "ticket_id": ticket_id,
                                 "at": at, "actor": ACTOR, "kind": kind, "from_status": src,
                                 "to_status": dst, "data": data})


def _route(writer: BulkWriter, rng: random.Random, habits: Habits, deadline: Deadline,
           ticket_id: int, t: DemoTicket) -> tuple[str, datetime, datetime | None]:
    """Assignments of one ticket; returns (final agency, its deadline, answer time)."""
    start = t.received + timedelta(minutes=rng.uniform(5, 180))
    due = deadline(t.received.astimezone(TZ).date(), t.topic, t.flags)
    agency = t.agency
    _event(writer, ticket_id, start, "routed", "classified", "routed", {"agency_code": agency})
    if rng.random() < 0.07:  # sent back and re-routed, sometimes after the deadline
        handed = start + (due - start) * rng.uniform(0.3, 1.6)
        if handed < habits.now:
            _assignment(writer, ticket_id, agency, start, due, ended_at=handed,
                        end_reason="rerouted")
            agency = words.TOPIC_AGENCY[t.topic].replace("{region}", t.ward.region)
            agency = agency if agency != t.agency else "vp-ubnd-tinh"
            start, due = handed, deadline(handed.astimezone(TZ).date(), t.topic, t.flags)
            _event(writer, ticket_id, start, "rerouted", "routed", "routed",
                   {"agency_code": agency})
    answered = _answer(rng, start, due, habits.lateness(agency), habits.now)
    _assignment(writer, ticket_id, agency, start, due, answered_at=answered,
                acknowledged_at=start + timedelta(hours=2) if answered else None)
    return agency, due, answered


def ticket_rows(writer: BulkWriter, t: DemoTicket, code: str, rng: random.Random,
                habits: Habits, deadline: Deadline) -> None:
    ticket_id = writer.new_id("tickets")
    caller_id = _caller(writer, rng, t.received)
    _event(writer, ticket_id, t.received, "received", None, "received", {"channel": t.channel})
    agency, due, answered = _route(writer, rng, habits, deadline, ticket_id, t)
    status = "routed"
    if answered is not None:
        status = "closed" if answered + timedelta(days=7) < habits.now else "resolved"
        _event(writer, ticket_id, answered, "resolved", "acknowledged", "resolved", {})
    writer.add("tickets", {
        "id": ticket_id, "code": code, "idempotency_key": None, "request_fingerprint": None,
        "channel": t.channel, "received_at": t.received, "text": _text(rng, t),
        "normalized_text": None, "caller_id": caller_id, "status": status,
        "review_reasons": [], "attempts": 1, "topic": t.topic, "topic_confidence": 0.9,
        "flags": list(t.flags), "scores": {}, "model_version": "demo", "labels_source": "demo",
        "location": {"ward_code": t.ward.code, "ward_name": t.ward.name, "status": "resolved"},
        "ward_code": t.ward.code, "agency_code": agency, "routing_rule": "demo",
        "routing_reason": None, "routed_at": t.received, "due_at": due, "resolved_at": answered,
        "answer": "Đã xử lý." if answered else None, "created_at": t.received,
        "updated_at": answered or t.received})


@dataclass(frozen=True)
class UnsureTicket:
    """A case waiting in the review queue: what the classifier suggested and why it is
    unsure, and what the rules read of the place and the route."""

    text: str
    received: datetime
    channel: str
    topic: str | None
    confidence: float
    flags: tuple[str, ...]
    reasons: tuple[str, ...]
    location: dict[str, Any]
    rule: str
    routing_reason: str


def review_rows(writer: BulkWriter, t: UnsureTicket, code: str, rng: random.Random) -> None:
    """One ticket in the review queue, with the events the pipeline would have written."""
    ticket_id = writer.new_id("tickets")
    caller_id = _caller(writer, rng, t.received)
    _event(writer, ticket_id, t.received, "received", None, "received", {"channel": t.channel})
    at = t.received + timedelta(seconds=rng.uniform(2, 30))
    _event(writer, ticket_id, at, "needs_review", "received", "needs_review",
           {"reasons": list(t.reasons)})
    writer.add("tickets", {
        "id": ticket_id, "code": code, "idempotency_key": None, "request_fingerprint": None,
        "channel": t.channel, "received_at": t.received, "text": t.text,
        "normalized_text": None, "caller_id": caller_id, "status": "needs_review",
        "review_reasons": sorted(t.reasons), "attempts": 1, "topic": t.topic,
        "topic_confidence": t.confidence if t.topic else None, "flags": list(t.flags),
        "scores": {}, "model_version": "demo", "labels_source": "demo",
        "location": t.location, "ward_code": t.location.get("ward_code"),
        "agency_code": None, "routing_rule": t.rule, "routing_reason": t.routing_reason,
        "routed_at": None, "due_at": None, "resolved_at": None, "answer": None,
        "created_at": t.received, "updated_at": at})
