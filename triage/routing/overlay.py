"""The routing data in force: the shipped files (data/routing/calendar.csv, rules.csv)
with the admins' latest effective changes laid over them (triage.routing.changes).

Changes are versioned in the database (RoutingOverlay): every save writes a new version
holding the whole overlay of its kind, effective from a date (today or later, never
before the latest version's date, so versions and dates run in the same order). The
version in force on a day is the latest one effective on or before it. Reading it is one
indexed query; the calendar and router built from a version are kept per process, so
every process (API, in-process worker, Celery workers) follows a change at once.

Deadlines already set stay as they are: `recompute_deadlines` moves those of open
tickets to the calendar in force, only when an admin asks for it."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from threading import Lock
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from triage.agencies.directory import load_directory
from triage.routing import changes as ch
from triage.routing.deadlines import TZ, WorkCalendar, due_at, get_calendar
from triage.routing.models import Assignment, RoutingOverlay
from triage.routing.rules import DEFAULT_RULES, Router, read_rules
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.states import Status

KINDS = {"calendar": "Ngày nghỉ, ngày làm bù", "rules": "Quy tắc phân luồng"}
OPEN = (Status.ROUTED, Status.ACKNOWLEDGED, Status.REASSIGN_REQUESTED)
CACHED = 8


def local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def in_force(session: Session, kind: str, day: date) -> RoutingOverlay | None:
    return session.scalars(
        select(RoutingOverlay).where(RoutingOverlay.kind == kind,
                                     RoutingOverlay.effective_from <= day)
        .order_by(RoutingOverlay.version.desc()).limit(1)).first()


def latest(session: Session, kind: str) -> RoutingOverlay | None:
    return session.scalars(select(RoutingOverlay).where(RoutingOverlay.kind == kind)
                           .order_by(RoutingOverlay.version.desc()).limit(1)).first()


def history(session: Session, kind: str) -> list[RoutingOverlay]:
    return list(session.scalars(select(RoutingOverlay).where(RoutingOverlay.kind == kind)
                                .order_by(RoutingOverlay.version.desc())))


class _Built:
    """Objects built from a version's entries, kept per process and keyed by the entries
    themselves (ids can come back after a database is emptied; contents cannot lie)."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, str], build: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        with self._lock:
            self._items[key] = value
            while len(self._items) > CACHED:
                self._items.popitem(last=False)
        return value


_built = _Built()


def _key(kind: str, version: RoutingOverlay | None) -> tuple[str, str]:
    entries = version.entries if version is not None else []
    return kind, json.dumps(entries, sort_keys=True, ensure_ascii=False)


def calendar_of(version: RoutingOverlay | None) -> WorkCalendar:
    if version is None or not version.entries:
        return get_calendar()
    days = [(d.day, d.kind) for d in ch.day_changes(version.entries)]
    return _built.get(_key("calendar", version), lambda: get_calendar().with_days(days))


def layered_of(version: RoutingOverlay | None) -> ch.Layered:
    shipped = read_rules(DEFAULT_RULES)
    if version is None:
        return ch.layer(shipped, [])
    return ch.layer(shipped, ch.rule_changes(version.entries, load_directory()))


def router_of(version: RoutingOverlay | None) -> Router:
    return _built.get(_key("rules", version),
                      lambda: Router(layered_of(version).rules, load_directory()))


def calendar(session: Session, now: datetime) -> WorkCalendar:
    """The working-day calendar in force at `now`."""
    return calendar_of(in_force(session, "calendar", local_day(now)))


def router(session: Session, now: datetime) -> Router:
    """The routing rules in force at `now`."""
    return router_of(in_force(session, "rules", local_day(now)))


def save(session: Session, kind: str, entries: list[dict[str, Any]], *, effective_from: date,
         summary: str, actor: str, now: datetime) -> RoutingOverlay:
    """A new version of `kind` holding `entries`, checked (ChangeError says why not)."""
    if kind not in KINDS:
        raise ValueError(f"unknown overlay kind {kind!r}")
    today, last = local_day(now), latest(session, kind)
    if effective_from < today:
        raise ch.ChangeError("Ngày có hiệu lực không được trước hôm nay.")
    if last is not None and effective_from < last.effective_from:
        raise ch.ChangeError(f"Đã có thay đổi có hiệu lực từ {last.effective_from:%d/%m/%Y}; "
                             "thay đổi mới phải có hiệu lực từ ngày đó trở đi.")
    if kind == "calendar":
        clean = [d.as_entry() for d in ch.day_changes(entries)]
    else:
        changes = ch.rule_changes(entries, load_directory())
        ch.layer(read_rules(DEFAULT_RULES), changes)
        clean = [c.as_entry() for c in changes]
    version = RoutingOverlay(kind=kind, version=(last.version if last else 0) + 1,
                             effective_from=effective_from, entries=clean,
                             summary=summary[:500], created_by=actor, created_at=now)
    session.add(version)
    session.flush()
    return version


def current_entries(session: Session, kind: str) -> list[dict[str, Any]]:
    """The entries of the latest version (what the next version starts from)."""
    last = latest(session, kind)
    return [dict(e) for e in last.entries] if last is not None else []


@dataclass(frozen=True)
class Moved:
    code: str
    old: datetime | None
    new: datetime


def recompute_deadlines(session: Session, cal: WorkCalendar, *, actor: str, now: datetime,
                        version: int) -> list[Moved]:
    """Give every open assignment of an open ticket the deadline `cal` gives it: counted
    from receipt for a ticket's first agency, from the hand-over for a later one (as
    triage.routing.service.assign does). Each moved deadline gets a ticket event."""
    earlier = aliased(Assignment)
    first = select(func.min(earlier.id)).where(earlier.ticket_id == Ticket.id) \
        .correlate(Ticket).scalar_subquery()
    rows = session.execute(
        select(Assignment, Ticket, first)
        .join(Ticket, Ticket.id == Assignment.ticket_id)
        .where(Assignment.answered_at.is_(None), Assignment.ended_at.is_(None),
               Ticket.status.in_([s.value for s in OPEN]))
        .order_by(Assignment.id).with_for_update(of=Assignment)).all()
    moved = []
    for assignment, ticket, first_id in rows:
        start = ticket.received_at if assignment.id == first_id else assignment.assigned_at
        new = due_at(start, ticket.topic, ticket.flags or [], calendar=cal,
                     urgency=ticket.urgency)
        if assignment.due_at is not None and assignment.due_at == new:
            continue
        moved.append(Moved(ticket.code, assignment.due_at, new))
        session.add(TicketEvent(
            ticket_id=ticket.id, at=now, actor=actor, kind="deadline_changed",
            data={"agency_code": None, "old_due_at": _iso(assignment.due_at),
                  "due_at": new.isoformat(), "calendar_version": version}))
        assignment.due_at = new
        ticket.due_at = new
    session.flush()
    return moved


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
