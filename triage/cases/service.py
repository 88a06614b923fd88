"""Repeat reports: the lookup at intake and in /classify, automatic links into cases,
re-raised complaints, and the operator's one-click link and unlink.

A linked report takes its case's agency and deadline and goes to ROUTED without an
assignment of its own: the agency was told once, for the case (its primary's
assignment), so neither the notification sweep nor the deadline scan sees the repeat.
Everything here runs inside the caller's transaction (the pipeline's route step, the
operator's request), so a retried step links once or not at all."""

from __future__ import annotations

import hashlib
import heapq
import json
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, bindparam, delete, exists, func, or_, select, union
from sqlalchemy.orm import Session

from triage.cases.evaluate import GROUPS_PATH
from triage.cases.models import Case, CaseKey, CaseProblem, CaseReport, LinkCorrection
from triage.cases.similarity import CONCEPTS_PATH, describe, parse, score, stored, words
from triage.errors import Conflict
from triage.settings import get_settings
from triage.tickets.models import Ticket, TicketEvent
from triage.tickets.service import transition
from triage.tickets.states import Status

ACTOR = "hệ thống"
# Tickets a repeat can join: the agency holds them, or answered them lately.
OPEN = (Status.ROUTED.value, Status.ACKNOWLEDGED.value)
FINISHED = (Status.RESOLVED.value, Status.CLOSED.value)
# Candidates scored per lookup: when the ways in find more, those sharing the largest
# part of their words with the new text (Jaccard of the word sets; on both databases).
# Few tickets share a ward and a topic. pg_trgm's similarity() of the stored words did
# this in the query until it was found to take most of the lookup's time (45 µs a row).
CANDIDATE_LIMIT = 100
# Index rows read per way in, the newest first. The repeat index keeps every ticket a
# ward's topic (or problem, or a phone) ever had, and the lookup keeps only those still
# open or answered within the window: after a few years, or on a day one event brings
# hundreds of reports, reading all of them made each lookup slower than the rest of the
# pipeline (10,000 reports of one ward and topic: 201 -> processed p50 7.4 s at 50/s,
# against 20 ms without the lookup). A ticket with this many newer ones on its way in is
# no longer looked at through that way.
WAY_LIMIT = 500


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    ticket_code: str
    code: str  # the case's code when the ticket is in one, else the ticket's
    case_id: int | None
    score: float
    reason: str
    finished: bool  # answered already: a match re-raises it

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "score": round(self.score, 3), "reason": self.reason}


@lru_cache(maxsize=1)
def reader_version() -> str:
    """A fingerprint of the way a text's words are read for the repeat index: the problem
    list, the scorer's source and the words it reads from our own first pair set's texts
    (which the normaliser decides too). Rows of `case_keys` written under another one are
    read again (``reindex``)."""
    digest = hashlib.sha256()
    digest.update(CONCEPTS_PATH.read_bytes())
    digest.update(Path(__file__).with_name("similarity.py").read_bytes())
    for group in json.loads(GROUPS_PATH.read_text(encoding="utf-8")):
        for texts in group["problems"]:
            for text in texts:
                digest.update(stored(words(text)).encode() + b"\n")
    return digest.hexdigest()[:16]


def remember(session: Session, ticket: Ticket, key_words: frozenset[str]) -> None:
    """Put the ticket in the repeat index (once; a re-route updates its place and topic)."""
    phone = ticket.caller.phone_e164 if ticket.caller else None  # loaded before the add
    key = session.get(CaseKey, ticket.id)
    if key is None:
        key = CaseKey(ticket_id=ticket.id, received_at=ticket.received_at)
        session.add(key)
    else:  # a ticket new to the index has no problem rows yet
        session.execute(delete(CaseProblem).where(CaseProblem.ticket_id == ticket.id))
    key.ward_code, key.topic, key.words = ticket.ward_code, ticket.topic, stored(key_words)
    key.reader = reader_version()
    key.phone_e164 = phone
    if ticket.ward_code:
        session.add_all(CaseProblem(ward_code=ticket.ward_code, problem=w, ticket_id=ticket.id)
                        for w in sorted(key_words) if w.startswith("#"))


def stale(session: Session, *, everything: bool = False, limit: int | None = None
          ) -> list[int]:
    """Ids of the tickets the repeat index must read (again), newest first: rows written by
    another reader (every row with `everything`), and the tickets placed and classified
    while linking was turned off."""
    indexed = select(CaseKey.ticket_id)
    if not everything:
        indexed = indexed.where(CaseKey.reader.is_distinct_from(reader_version()))
    missing = select(Ticket.id).where(Ticket.ward_code.is_not(None), Ticket.topic.is_not(None),
                                      ~exists().where(CaseKey.ticket_id == Ticket.id))
    both = union(indexed, missing).subquery()
    query = select(both.c[0]).order_by(both.c[0].desc())
    return list(session.scalars(query if limit is None else query.limit(limit)))


def reindex(session: Session, ids: Sequence[int], batch: int = 500) -> int:
    """Read the text of these tickets again with the current problem list and place rules
    (their stored word sets, ward-and-problem rows and reader); returns the rows whose
    words changed."""
    changed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        keys = {k.ticket_id: k for k in session.scalars(
            select(CaseKey).where(CaseKey.ticket_id.in_(chunk)))}
        for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(chunk))):
            fresh = words(ticket.text)
            key = keys.get(ticket.id)
            changed += key is None or key.words != stored(fresh)
            remember(session, ticket, fresh)
        session.flush()
    return changed


def refresh(seconds: float = 60.0, batch: int = 200) -> int:
    """Hourly (beat; the relay thread on the embedded default): after an upgrade changed
    the problem list or the scorer, read the repeat index again, newest tickets first, a
    committed batch at a time for at most about `seconds`; the rest waits for the next run.
    Returns the rows read. Nothing with linking turned off (nothing is indexed then)."""
    from triage.db import session_scope

    if not get_settings().case_linking:
        return 0
    done, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        with session_scope() as session:
            ids = stale(session, limit=batch)
            reindex(session, ids, batch)
        done += len(ids)
        if len(ids) < batch:
            break
    return done


@lru_cache(maxsize=16)
def _lookup_query(by_topic: bool, by_problem: bool, by_phone: bool, excluding: bool,
                  way_limit: int) -> Executable:
    """The lookup's statement for the ways in it takes, built once per shape, its values
    bound at each lookup (building it took SQLAlchemy about as long as PostgreSQL takes to
    run it). The ticket ids worth scoring come each way through its own index: the same
    ward and topic; the same ward and a problem the text names (two callers' reports of
    one flood may be filed under drainage and under traffic); the same caller phone."""
    ways: list[Any] = []
    if by_topic:
        ways.append(select(CaseKey.ticket_id)
                    .where(CaseKey.ward_code == bindparam("ward"),
                           CaseKey.topic == bindparam("topic"))
                    .order_by(CaseKey.received_at.desc()))
    if by_problem:
        ways.append(select(CaseProblem.ticket_id)
                    .where(CaseProblem.ward_code == bindparam("ward"),
                           CaseProblem.problem.in_(bindparam("problems", expanding=True)))
                    .order_by(CaseProblem.ticket_id.desc()))
    if by_phone:
        ways.append(select(CaseKey.ticket_id).where(CaseKey.phone_e164 == bindparam("phone"))
                    .order_by(CaseKey.received_at.desc()))
    # Each way its newest rows only; as subqueries, since SQLite allows no LIMIT on the
    # parts of a UNION.
    limited = [way.limit(way_limit).subquery() for way in ways]
    live = or_(Ticket.status.in_(OPEN),
               (Ticket.status.in_(FINISHED)) & (Ticket.resolved_at >= bindparam("cutoff")))
    query = (select(CaseKey.ticket_id, CaseKey.words, CaseKey.phone_e164, CaseKey.ward_code,
                    CaseKey.topic, Ticket.code, Ticket.status, CaseReport.case_id, Case.code)
             .join(Ticket, Ticket.id == CaseKey.ticket_id)
             .outerjoin(CaseReport, CaseReport.ticket_id == CaseKey.ticket_id)
             .outerjoin(Case, Case.id == CaseReport.case_id)
             .where(live))
    if excluding:
        query = query.where(CaseKey.ticket_id != bindparam("exclude"))
    # One round trip; a UNION of ids, so that each way in reads its own index.
    return query.where(CaseKey.ticket_id.in_(
        union(*(select(part.c.ticket_id) for part in limited))))


def index_routed(session: Session, ticket: Ticket) -> None:
    """Every route (an operator's at the desk or from review, a re-route) keeps the
    repeat index current: a ticket not in it yet is added, one whose place or topic
    changed is moved (its words stay as they were read). Not with linking turned off."""
    if not (ticket.ward_code and ticket.topic and get_settings().case_linking):
        return
    key = session.get(CaseKey, ticket.id)
    if key is None:
        remember(session, ticket, words(ticket.text))
    elif (key.ward_code, key.topic) != (ticket.ward_code, ticket.topic):
        # Its words as they were read, unless another reader wrote them.
        remember(session, ticket, parse(key.words) if key.reader == reader_version()
                 else words(ticket.text))


def candidates(session: Session, key_words: frozenset[str], *, ward_code: str | None,
               topic: str | None, phone: str | None, now: datetime,
               exclude: int | None = None) -> list[Candidate]:
    """Open tickets and tickets finished within the window on the same place and topic
    (or naming the same problem), or from the same phone, best first, one per case, with
    their score and reason."""
    if not key_words:
        return []
    problems = sorted(w for w in key_words if w.startswith("#"))
    shape = (bool(ward_code and topic), bool(ward_code and problems), bool(phone),
             exclude is not None)
    if not any(shape[:3]):
        return []
    values: dict[str, Any] = {"cutoff": now - timedelta(days=get_settings().case_window_days)}
    if shape[0] or shape[1]:
        values["ward"] = ward_code
    if shape[0]:
        values["topic"] = topic
    if shape[1]:
        values["problems"] = problems
    if shape[2]:
        values["phone"] = phone
    if shape[3]:
        values["exclude"] = exclude
    query = _lookup_query(*shape, WAY_LIMIT)
    rows = [(parse(row[1]), row) for row in session.execute(query, values)]
    if len(rows) > CANDIDATE_LIMIT:
        rows = heapq.nlargest(CANDIDATE_LIMIT, rows,
                              key=lambda r: (_jaccard(key_words, r[0]), r[1][0]))
    best: dict[Any, Candidate] = {}
    for theirs, (tid, _, row_phone, row_ward, row_topic, code, status, case_id, case_code) \
            in rows:
        found = score(key_words, theirs)
        same = (bool(ward_code) and row_ward == ward_code, bool(topic) and row_topic == topic,
                bool(phone) and row_phone == phone)
        reason = _reason(found.shared, *same)
        candidate = Candidate(tid, code, case_code or code, case_id, found.value, reason,
                              status in FINISHED)
        group = case_id if case_id is not None else f"t{tid}"
        if group not in best or best[group].score < candidate.score:
            best[group] = candidate
    return sorted(best.values(), key=lambda c: (-c.score, c.ticket_id))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _reason(shared: tuple[str, ...], same_ward: bool, same_topic: bool,
            same_phone: bool) -> str:
    parts = ["Cùng phường/xã và lĩnh vực" if same_ward and same_topic
             else "Cùng phường/xã" if same_ward else "Khác địa bàn"]
    shown = describe(shared)
    if shown:
        parts.append(shown)
    if same_phone:
        parts.append("cùng số điện thoại người phản ánh")
    return "; ".join(parts) + "."


def lookup(session: Session, ticket: Ticket, key_words: frozenset[str],
           now: datetime) -> list[Candidate]:
    phone = ticket.caller.phone_e164 if ticket.caller else None
    return candidates(session, key_words, ward_code=ticket.ward_code, topic=ticket.topic,
                      phone=phone, now=now, exclude=ticket.id)


def case_of(session: Session, ticket_id: int) -> Case | None:
    report = session.get(CaseReport, ticket_id)
    return session.get(Case, report.case_id) if report is not None else None


def _open_case(session: Session, primary: Ticket, now: datetime, *, actor: str,
               parent: Case | None = None) -> Case:
    case = Case(code=f"VV-{primary.code}", primary_ticket_id=primary.id,
                ward_code=primary.ward_code, topic=primary.topic, report_count=1,
                reraised=parent.reraised if parent else 0,
                parent_case_id=parent.id if parent else None, opened_at=now, updated_at=now,
                status="resolved" if primary.status in FINISHED else "open",
                resolved_at=primary.resolved_at if primary.status in FINISHED else None)
    session.add(case)
    session.flush()
    session.add(CaseReport(ticket_id=primary.id, case_id=case.id, how="primary",
                           linked_at=now, linked_by=actor))
    return case


def _join(session: Session, case: Case, ticket: Ticket, *, how: str, score_: float | None,
          actor: str, now: datetime) -> None:
    session.add(CaseReport(ticket_id=ticket.id, case_id=case.id, how=how, score=score_,
                           linked_at=now, linked_by=actor))
    case.report_count += 1
    case.updated_at = now
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="case_linked",
                            data={"case_code": case.code, "how": how, "score": score_}))


def _serialize(session: Session, ticket: Ticket) -> None:
    """PostgreSQL: one linking transaction at a time per ward (or caller, without a
    ward), until it commits. Five callers' reports of one flood handled by two workers at
    once would otherwise each miss the other's uncommitted report and make two cases, or
    both make the case of the first (one then failing on its unique code). The lock is
    taken before the lookup, whose statements then see what the previous holder
    committed (READ COMMITTED). SQLite has one writer at a time already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = ticket.ward_code or (ticket.caller.phone_e164 if ticket.caller else None)
    if key:
        session.execute(select(func.pg_advisory_xact_lock(zlib.crc32(f"case:{key}".encode()))))


def link_repeat(session: Session, ticket: Ticket, now: datetime) -> bool:
    """The pipeline, once it knows the ticket's place and topic: index the ticket, and if
    an open case (or an open ticket) strongly matches, join it, take its agency and
    deadline and end the pipeline there (True). A strong match with a case answered
    within the window re-raises it (False: the ticket is routed as usual, see
    ``after_route``). A ticket the classifier was unsure of is linked too: the case says
    what it is about (its topic becomes the case's). Nothing with linking turned off."""
    if not get_settings().case_linking:
        return False
    key_words = words(ticket.text)
    # What the pipeline changed so far is written once, at the commit: flushed before the
    # lock and the lookups, the ticket's row was updated twice and its index row inserted
    # then updated (the lookups read other tickets' committed rows, never these).
    with session.no_autoflush:
        _serialize(session, ticket)
        if ticket.ward_code and ticket.topic:
            remember(session, ticket, key_words)
        if case_of(session, ticket.id) is not None:
            return False
        found = [c for c in lookup(session, ticket, key_words, now)
                 if c.score >= get_settings().case_link_threshold]
    if not found:
        return False
    best = found[0]
    target = session.get_one(Ticket, best.ticket_id)
    case = case_of(session, target.id) or _open_case(session, target, now, actor=ACTOR)
    if case.status == "resolved":
        _reraise(session, case, ticket, best.score, now)
        return False
    primary = session.get_one(Ticket, case.primary_ticket_id)
    _join(session, case, ticket, how="auto", score_=best.score, actor=ACTOR, now=now)
    if ticket.status == Status.RECEIVED:
        ticket.topic = primary.topic
        transition(session, ticket, Status.CLASSIFIED, actor=ACTOR, kind="classified",
                   now=now, data={"topic": primary.topic, "case_code": case.code})
    ticket.agency_code, ticket.due_at, ticket.routed_at = primary.agency_code, primary.due_at, now
    ticket.routing_rule = "case"
    ticket.routing_reason = f"Phản ánh lặp lại của vụ việc {case.code}: {best.reason}"[:500]
    transition(session, ticket, Status.ROUTED, actor=ACTOR, kind="routed", now=now,
               data={"agency_code": primary.agency_code, "rule": "case",
                     "case_code": case.code, "score": best.score})
    return True


def _reraise(session: Session, case: Case, ticket: Ticket, score_: float,
             now: datetime) -> None:
    """A report on a case answered within the window: reopen it with this report as its
    primary (the agency is told again through the route), or open a follow-up case."""
    if get_settings().case_reraise_mode == "follow_up":
        follow = _open_case(session, ticket, now, actor=ACTOR, parent=case)
        follow.reraised = case.reraised + 1
        case = follow
    else:
        _join(session, case, ticket, how="reraised", score_=score_, actor=ACTOR, now=now)
        case.reraised += 1
        case.primary_ticket_id, case.status, case.resolved_at = ticket.id, "open", None
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=ACTOR, kind="case_reraised",
                            data={"case_code": case.code, "reraised": case.reraised,
                                  "score": score_}))


def after_route(session: Session, ticket: Ticket, assignment: Any, now: datetime) -> None:
    """Once a re-raising report is routed: escalate the case to the province office when
    it has been re-raised TRIAGE_CASE_ESCALATE_RERAISED times (once per case)."""
    from triage.notify.service import plan  # notify reads routing, which reads nothing here

    case = case_of(session, ticket.id)
    if case is None or case.primary_ticket_id != ticket.id or case.escalated_at is not None:
        return
    if case.reraised < get_settings().case_escalate_reraised:
        return
    case.escalated_at = now
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=ACTOR, kind="case_escalated",
                            data={"case_code": case.code, "reraised": case.reraised}))
    plan(session, assignment, "reraised_escalation", now)


def routed_by_hand(session: Session, ticket: Ticket, assignment: Any, *, now: datetime) -> None:
    """An operator routed the ticket (from review, or re-routed it): keep the repeat index
    current, move the case's repeats with its primary, and count a re-raise that reached
    review the way the pipeline's route step counts one (see ``after_route``)."""
    index_routed(session, ticket)
    follow_primary(session, ticket, now=now)
    after_route(session, ticket, assignment, now)


def follow_primary(session: Session, ticket: Ticket, *, now: datetime) -> list[Ticket]:
    """The primary of an open case was routed to an agency (again): its open repeats that
    were routed only as part of the case (no assignment of their own) take the new agency
    and deadline with it, so the agency that gave the case up no longer holds them.
    Returns the repeats moved."""
    from triage.routing.service import current_assignment

    case = case_of(session, ticket.id)
    if case is None or case.primary_ticket_id != ticket.id or case.status != "open":
        return []
    stmt = (select(Ticket).join(CaseReport, CaseReport.ticket_id == Ticket.id)
            .where(CaseReport.case_id == case.id, Ticket.id != ticket.id,
                   Ticket.status.in_(OPEN), Ticket.agency_code != ticket.agency_code)
            .order_by(Ticket.id))
    moved: list[Ticket] = []
    for other in session.scalars(stmt):
        if current_assignment(session, other) is not None:
            continue
        previous = other.agency_code
        other.agency_code, other.due_at, other.routed_at = (ticket.agency_code, ticket.due_at,
                                                            now)
        other.routing_rule = "case"
        other.routing_reason = f"Đi theo phiếu gốc {ticket.code} của vụ việc {case.code}."
        transition(session, other, Status.ROUTED, actor=ACTOR, kind="rerouted", now=now,
                   data={"agency_code": ticket.agency_code, "rule": "case",
                         "case_code": case.code, "previous_agency": previous})
        moved.append(other)
    return moved


def answer_case(session: Session, ticket: Ticket, *, actor: str, agency_code: str,
                now: datetime) -> list[Ticket]:
    """The agency answered one report of a case: every open report of the case gets the
    same answer (each caller reads it in the lookup); returns the other reports answered."""
    case = case_of(session, ticket.id)
    if case is None:
        return []
    case.status, case.resolved_at, case.updated_at = "resolved", now, now
    stmt = (select(Ticket).join(CaseReport, CaseReport.ticket_id == Ticket.id)
            .where(CaseReport.case_id == case.id, Ticket.id != ticket.id,
                   Ticket.status.in_(OPEN)))
    answered: list[Ticket] = []
    for other in session.scalars(stmt):
        transition(session, other, Status.RESOLVED, actor=actor, kind="resolved", now=now,
                   data={"agency_code": agency_code, "case_code": case.code,
                         "public": ticket.answer_public})
        other.answer, other.answer_public, other.resolved_at = (ticket.answer,
                                                                ticket.answer_public, now)
        answered.append(other)
    return answered


def link(session: Session, ticket: Ticket, target: Ticket, *, actor: str,
         now: datetime) -> Case:
    """The operator links `ticket` into `target`'s case (made if there is none)."""
    if case_of(session, ticket.id) is not None:
        raise Conflict("Phiếu này đã thuộc một vụ việc; hãy tách ra trước.",
                       code="already_linked")
    if ticket.id == target.id:
        raise Conflict("Không thể gộp phiếu vào chính nó.", code="same_ticket")
    case = case_of(session, target.id) or _open_case(session, target, now, actor=actor)
    found = score(words(ticket.text), words(target.text)).value
    _join(session, case, ticket, how="operator", score_=found, actor=actor, now=now)
    session.add(LinkCorrection(ticket_id=ticket.id, case_id=case.id, action="link",
                               score=found, was_automatic=False, actor=actor, at=now))
    return case


def unlink(session: Session, ticket: Ticket, *, actor: str, now: datetime) -> Case:
    """The operator takes `ticket` out of its case; a report that was routed only as
    part of the case is given an assignment of its own (and its agency is told)."""
    from triage.routing.service import assign, current_assignment

    report = session.get(CaseReport, ticket.id)
    if report is None:
        raise Conflict("Phiếu này không thuộc vụ việc nào.", code="not_linked")
    if report.how == "primary":
        raise Conflict("Không thể tách phiếu gốc của vụ việc.", code="primary_report")
    case = session.get_one(Case, report.case_id)
    session.add(LinkCorrection(ticket_id=ticket.id, case_id=case.id, action="unlink",
                               score=report.score, was_automatic=report.how == "auto",
                               actor=actor, at=now))
    session.delete(report)
    case.report_count -= 1
    case.updated_at = now
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="case_unlinked",
                            data={"case_code": case.code}))
    if (ticket.status in OPEN and ticket.agency_code
            and current_assignment(session, ticket) is None):
        assign(session, ticket, ticket.agency_code, rule="case_unlinked",
               reason="Tách khỏi vụ việc " + case.code + ".", actor=actor, now=now)
    return case


def reports_of(session: Session, case: Case) -> list[Ticket]:
    stmt = (select(Ticket).join(CaseReport, CaseReport.ticket_id == Ticket.id)
            .where(CaseReport.case_id == case.id).order_by(Ticket.id))
    return list(session.scalars(stmt))


def related_for(session: Session, text: str, seen: Any) -> list[dict[str, Any]]:
    """/classify's `related`: the cases and tickets a complaint not filed yet would join
    or be shown beside (at least the propose threshold), read on the place and topic of
    its understanding (triage.understand.service.Understanding)."""
    from triage.db import utcnow

    floor = get_settings().case_propose_threshold
    found = candidates(session, words(text), ward_code=seen.location.as_dict().get("ward_code"),
                       topic=seen.topic, phone=None, now=utcnow())
    return [c.as_dict() for c in found if c.score >= floor][:5]


def proposals(session: Session, ticket: Ticket, now: datetime) -> list[Candidate]:
    """What the desk shows the operator beside a ticket: the weaker matches (and any the
    pipeline did not link because the ticket was not routed)."""
    if case_of(session, ticket.id) is not None:
        return []
    floor = get_settings().case_propose_threshold
    return [c for c in lookup(session, ticket, words(ticket.text), now) if c.score >= floor][:5]


def not_a_repeat() -> Any:
    """A condition on Ticket: not a repeat report of a case (the agency's inbox lists the
    case once, by its primary report; the ticket page lists the others)."""
    return ~select(CaseReport.ticket_id).where(CaseReport.ticket_id == Ticket.id,
                                               CaseReport.how != "primary").exists()


def acknowledge_case(session: Session, ticket: Ticket, *, actor: str, agency_code: str,
                     now: datetime) -> None:
    """The agency acknowledged a case's report: its repeats say so too (each caller's
    lookup shows it)."""
    case = case_of(session, ticket.id)
    if case is None:
        return
    stmt = (select(Ticket).join(CaseReport, CaseReport.ticket_id == Ticket.id)
            .where(CaseReport.case_id == case.id, Ticket.id != ticket.id,
                   Ticket.status == Status.ROUTED.value))
    from triage.routing.service import current_assignment

    for other in session.scalars(stmt):
        transition(session, other, Status.ACKNOWLEDGED, actor=actor, kind="acknowledged",
                   now=now, data={"agency_code": agency_code, "case_code": case.code})
        assignment = current_assignment(session, other)
        if assignment is not None and assignment.acknowledged_at is None:
            assignment.acknowledged_at = now
