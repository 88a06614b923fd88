"""Intake: create tickets durably (ticket + caller + event + outbox in one transaction),
whatever the channel, and show a masked caller to a supervisor who says why."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.orm import Session

from triage.auth import audit
from triage.auth.service import Principal
from triage.db import UTCDateTime
from triage.errors import Conflict, InvalidInput, NotFound
from triage.intake.schemas import ComplaintIn
from triage.outbox.service import enqueue, mark_enqueued
from triage.outbox.tasks import PROCESS_TICKET
from triage.settings import get_settings
from triage.tickets.codes import (
    check_params,
    check_sql,
    code_period,
    digest_sql,
    next_code,
    pg_sequence,
)
from triage.tickets.models import Caller, Ticket, TicketEvent
from triage.tickets.service import local_tz
from triage.tickets.states import Status


@dataclass(frozen=True)
class Submission:
    ticket: Ticket
    created: bool
    outbox_id: int | None


def fingerprint(complaint: ComplaintIn) -> str:
    payload = complaint.model_dump(mode="json")
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


# Who may say when a complaint was received: the staff who enter what came by phone or
# in person, and the systems that pass on what they took earlier. Anyone else's complaint
# is received when the server gets it (a citizen's form cannot make a ticket born late).
DECLARERS = frozenset({"operator", "supervisor", "admin", "integration"})


@dataclass(frozen=True)
class Received:
    """When the service counts a complaint from (`at`: its deadline and the reports read
    it) and the time its submitter declared, if any (kept as `declared_at`)."""

    at: datetime
    declared: datetime | None


def declare_window(role: str | None) -> timedelta | None:
    """How far back a submitter of `role` may declare the time received (None: not at
    all; anonymous callers have no role)."""
    if role not in DECLARERS:
        return None
    return timedelta(days=get_settings().received_at_max_past_days)


def import_window() -> timedelta:
    """The bulk import's window: an operator brings in a paper log, up to a month old."""
    return timedelta(days=get_settings().import_max_past_days)


def _local_text(value: datetime) -> str:
    return value.astimezone(local_tz()).strftime("%H:%M %d/%m/%Y")


def received_floor() -> datetime:
    """No declared time before the service's own data: its directory, places and routing
    rules describe the province from this day (TRIAGE_RECEIVED_AT_FLOOR)."""
    day = get_settings().received_at_floor
    return datetime(day.year, day.month, day.day, tzinfo=local_tz())


def resolve_received_at(value: datetime | None, now: datetime, *,
                        window: timedelta | None) -> Received:
    """The one check of a declared time, for every way in (API, fast path, import).

    Naive times are local (Asia/Ho_Chi_Minh). A time is refused when the submitter may
    not declare one (`window` None), when it lies in the future beyond the clock skew,
    further back than `window`, or before `received_floor()`. A time accepted but
    older than the grace is only recorded: the deadline counts from `now`, so a late
    entry never shortens an agency's time."""
    if value is None:
        return Received(now, None)
    if window is None:
        raise InvalidInput(
            "Chỉ tổng đài viên và hệ thống tích hợp được khai báo thời điểm tiếp nhận; phản "
            "ánh gửi trực tiếp được tính từ lúc hệ thống nhận. Hãy bỏ trường received_at.",
            code="received_at_not_allowed", details=["received_at"])
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_tz())
    settings = get_settings()
    if value > now + timedelta(seconds=settings.future_tolerance_seconds):
        raise InvalidInput(
            "Thời điểm tiếp nhận nằm trong tương lai.", code="future_time", details=["received_at"]
        )
    earliest = now - window
    if value < earliest:
        raise InvalidInput(
            f"Thời điểm tiếp nhận quá xa trong quá khứ: chỉ được khai báo trong vòng "
            f"{window.days} ngày, tức từ {_local_text(earliest)} trở về sau.",
            code="received_at_too_old", details=["received_at"])
    floor = received_floor()
    if value < floor:
        raise InvalidInput(
            f"Thời điểm tiếp nhận trước ngày hệ thống có dữ liệu ({floor:%d/%m/%Y}).",
            code="received_at_before_service", details=["received_at"])
    grace = timedelta(minutes=settings.received_at_grace_minutes)
    return Received(value if value >= now - grace else now, value)


def find_by_key(session: Session, key: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()


def submit(
    session: Session,
    complaint: ComplaintIn,
    *,
    actor: str,
    idempotency_key: str | None = None,
    now: datetime,
    window: timedelta | None = None,
) -> Submission:
    """Write the ticket, its caller, its first event and its outbox row; flush, never commit.

    `window`: how far back this submitter may declare the time received
    (`declare_window`); None refuses a declared time."""
    _check_text(complaint)
    digest = fingerprint(complaint)
    if idempotency_key:
        existing = find_by_key(session, idempotency_key)
        if existing is not None:
            return _replay(existing, digest)
    received = resolve_received_at(complaint.received_at, now, window=window)
    caller = _make_caller(complaint)
    ticket = Ticket(
        code=next_code(session, now),
        idempotency_key=idempotency_key,
        request_fingerprint=digest,
        channel=complaint.channel,
        received_at=received.at,
        declared_at=received.declared,
        text=complaint.text,
        status=Status.RECEIVED,
        caller=caller,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind="received",
                            to_status=Status.RECEIVED, data={"channel": complaint.channel}))
    message = enqueue(session, PROCESS_TICKET, {"ticket_id": ticket.id}, ticket_id=ticket.id,
                      now=now)
    session.flush()
    return Submission(ticket=ticket, created=True, outbox_id=message.id)


def _check_text(complaint: ComplaintIn) -> None:
    if not complaint.text:
        raise InvalidInput("Nội dung phản ánh không được để trống.", code="empty_text")
    limit = get_settings().max_text_chars
    if len(complaint.text) > limit:
        raise InvalidInput(
            f"Nội dung phản ánh dài quá {limit:,} ký tự.".replace(",", "."), code="text_too_long"
        )


# The API's hot path on PostgreSQL: caller, ticket, first event and outbox row written by
# one statement, in one round trip. With a key already used, `n` yields no row and nothing
# is written; two requests racing with one new key meet at the unique index.
_PG_SUBMIT = """
WITH n AS (
  SELECT nextval(CAST(:sequence AS regclass)) AS v
  WHERE CAST(:key AS varchar) IS NULL
     OR NOT EXISTS (SELECT 1 FROM tickets WHERE idempotency_key = :key)
),
k AS (
  SELECT :code_prefix || CASE WHEN n.v < 100000 THEN lpad(n.v::text, 5, '0') ELSE n.v::text END
         AS base
  FROM n
),
h AS (SELECT k.base, {digest} AS d FROM k),
{caller_cte}
t AS (
  INSERT INTO tickets (code, idempotency_key, request_fingerprint, channel, received_at,
                       declared_at, text, caller_id, status, review_reasons, attempts, flags,
                       scores, location, created_at, updated_at)
  SELECT h.base || '-' || {check},
         :key, :fingerprint, :channel, :received_at, :declared_at, :text, {caller_id}, :status,
         '[]', 0, '[]', '{{}}', '{{}}', :now, :now
  FROM h
  RETURNING id, code, caller_id
),
e AS (
  INSERT INTO ticket_events (ticket_id, at, actor, kind, to_status, data)
  SELECT t.id, :now, :actor, 'received', :status, CAST(:event_data AS json) FROM t
),
o AS (
  INSERT INTO outbox (task, ticket_id, payload, created_at, publish_attempts)
  SELECT :task, t.id, json_build_object('ticket_id', t.id), :now, 0 FROM t
  RETURNING id, ticket_id
)
SELECT t.id, t.code, t.caller_id, o.id FROM t JOIN o ON o.ticket_id = t.id
"""
_PG_CALLER_CTE = """c AS (
  INSERT INTO callers (name, phone_e164, phone_last4, address, email, created_at)
  SELECT :name, :phone, :last4, :address, :email, :now FROM n
  RETURNING id
),"""
PG_STATEMENTS = {
    with_caller: text(_PG_SUBMIT.format(
        digest=digest_sql("k.base"), check=check_sql("h.d"),
        caller_cte=_PG_CALLER_CTE if with_caller else "",
        caller_id="(SELECT id FROM c)" if with_caller else "NULL",
    )).bindparams(bindparam("now", type_=UTCDateTime()),
                  bindparam("received_at", type_=UTCDateTime()),
                  bindparam("declared_at", type_=UTCDateTime()))
    for with_caller in (False, True)
}


@dataclass
class PgSubmit:
    """A submission ready for the one-statement write on PostgreSQL (`statement` with
    `params`), and what turns the row it returns into the submission."""

    complaint: ComplaintIn
    key: str | None
    digest: str
    received: Received
    now: datetime
    caller: Caller | None
    statement: TextClause
    params: dict[str, Any]

    def written(self, row: Sequence[Any]) -> Submission:
        """The submission from the statement's row (ticket id, code, caller id, outbox id);
        the ticket is a detached copy of what was written."""
        ticket_id, code, caller_id, outbox_id = row
        caller, now = self.caller, self.now
        if caller is not None:
            caller.id, caller.created_at = caller_id, now
        ticket = Ticket(
            id=ticket_id, code=code, idempotency_key=self.key,
            request_fingerprint=self.digest, channel=self.complaint.channel,
            received_at=self.received.at, declared_at=self.received.declared,
            text=self.complaint.text, caller_id=caller_id,
            caller=caller, status=Status.RECEIVED, review_reasons=[], attempts=0, flags=[],
            scores={}, location={}, created_at=now, updated_at=now,
        )
        return Submission(ticket=ticket, created=True, outbox_id=int(outbox_id))


def prepare_pg_submit(complaint: ComplaintIn, *, actor: str, idempotency_key: str | None,
                      now: datetime, sequence: str, window: timedelta | None) -> PgSubmit:
    """Check the complaint and bind the statement that writes it (`sequence` is the
    month's, from `pg_sequence`; `window` as `resolve_received_at` takes it)."""
    _check_text(complaint)
    digest = fingerprint(complaint)
    received = resolve_received_at(complaint.received_at, now, window=window)
    caller = _make_caller(complaint)
    params: dict[str, Any] = {
        "sequence": sequence,
        "code_prefix": f"{get_settings().code_prefix}-{code_period(now)}-",
        "key": idempotency_key, "fingerprint": digest, "channel": complaint.channel,
        "received_at": received.at, "declared_at": received.declared, "text": complaint.text,
        "status": Status.RECEIVED.value,
        "now": now, "actor": actor, "event_data": json.dumps({"channel": complaint.channel}),
        "task": PROCESS_TICKET, **check_params(),
    }
    if caller is not None:
        params.update(name=caller.name, phone=caller.phone_e164, last4=caller.phone_last4,
                      address=caller.address, email=caller.email)
    return PgSubmit(complaint, idempotency_key, digest, received, now, caller,
                    PG_STATEMENTS[caller is not None], params)


def submit_fast(
    session: Session,
    complaint: ComplaintIn,
    *,
    actor: str,
    idempotency_key: str | None = None,
    now: datetime,
    window: timedelta | None = None,
) -> Submission:
    """What `submit` does, for callers that only need the ticket's fields back (the API).

    On PostgreSQL one statement writes everything (one round trip instead of six) and the
    ticket returned is a detached copy of what was written; on other databases this is
    `submit`. Flushes, never commits."""
    if session.get_bind().dialect.name != "postgresql":
        return submit(session, complaint, actor=actor, idempotency_key=idempotency_key,
                      now=now, window=window)
    sequence = pg_sequence(session.get_bind().engine, code_period(now))
    prepared = prepare_pg_submit(complaint, actor=actor, idempotency_key=idempotency_key,
                                 now=now, sequence=sequence, window=window)
    row = session.connection().execute(prepared.statement, prepared.params).first()
    if row is None:
        existing = find_by_key(session, idempotency_key or "")
        if existing is None:  # pragma: no cover - the key's ticket cannot vanish
            raise Conflict("Không tạo được phiếu, vui lòng gửi lại.", code="retry")
        return _replay(existing, prepared.digest)
    mark_enqueued(session)  # the statement wrote the outbox row
    return prepared.written(row)


def _replay(existing: Ticket, digest: str) -> Submission:
    if existing.request_fingerprint and existing.request_fingerprint != digest:
        raise Conflict(
            "Khóa Idempotency-Key này đã được dùng cho một phản ánh khác.",
            code="idempotency_key_reused",
        )
    return Submission(ticket=existing, created=False, outbox_id=None)


def _make_caller(complaint: ComplaintIn) -> Caller | None:
    info = complaint.caller
    if info is None or not (info.name or info.phone or info.address or info.email):
        return None
    return Caller(
        name=info.name,
        phone_e164=info.phone,
        phone_last4=info.phone[-4:] if info.phone else None,
        address=info.address,
        email=info.email,
    )


REVEAL_REASON_MIN = 10  # characters of the reason a supervisor gives to see a masked caller


def reveal_caller(session: Session, principal: Principal, ticket: Ticket, reason: str, *,
                  source_ip: str | None) -> Caller:
    """The ticket's caller unmasked, for a supervisor who gave `reason`: the reason goes
    to the audit log first (the API and the ticket page both reveal through here)."""
    if ticket.caller is None:
        raise NotFound("Phiếu này không có thông tin người phản ánh.", code="no_caller")
    audit.record(session, principal, "reveal_caller", ticket_id=ticket.id,
                 source_ip=source_ip, data={"reason": reason})
    return ticket.caller
