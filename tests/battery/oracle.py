"""The oracle: quiescence, then invariants I1–I5 as SQL against the test's database
(PostgreSQL or SQLite), and the metrics every chaos test prints. I6 (quiescence within
the budget) is checked by the caller.

Terminal pipeline states in this project are `routed` (automatic) and `needs_review`
(unsure, classifier unavailable, or poison after max_attempts)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from tests.battery.load import Ledger
from triage.db import make_engine
from triage.taxonomy import TOPICS

SNAPSHOT = """
SELECT (SELECT count(*) FROM tickets WHERE status IN ('received', 'classified')),
       (SELECT count(*) FROM tickets),
       (SELECT count(*) FROM ticket_events),
       (SELECT count(*) FROM notifications),
       (SELECT count(*) FROM outbox WHERE published_at IS NULL),
       (SELECT count(*) FROM notifications WHERE status = 'pending')
"""


_ENGINES: dict[str, Engine] = {}


def engine(url: str) -> Engine:
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return _ENGINES[url]


def forget(url: str) -> None:
    found = _ENGINES.pop(url, None)
    if found is not None:
        found.dispose()


def rows(url: str, query: str, **params: Any) -> list[Any]:
    with engine(url).connect() as conn:
        return list(conn.execute(text(query), params))


def value(url: str, query: str, **params: Any) -> Any:
    found = rows(url, query, **params)
    return found[0][0] if found else None


def snapshot(url: str) -> tuple[int, ...] | None:
    try:
        return tuple(rows(url, SNAPSHOT)[0])
    except OperationalError:
        return None


def quiesce(url: str, *, timeout: float, stable: float = 2.0, expect: int | None = None
            ) -> float:
    """Wait until nothing is pending (tickets, outbox rows, notifications: a message whose
    sender died is work left too) and the state stopped changing for `stable` seconds.
    Returns the monotonic time at which the state last changed (the quiescence time)."""
    deadline = time.monotonic() + timeout
    last: tuple[int, ...] | None = None
    changed = time.monotonic()
    while time.monotonic() < deadline:
        now_snap = snapshot(url)
        if now_snap != last:
            last, changed = now_snap, time.monotonic()
        settled = (last is not None and last[0] == 0 and last[4] == 0 and last[5] == 0
                   and (expect is None or last[1] >= expect))
        if settled and time.monotonic() - changed >= stable:
            return changed
        time.sleep(0.2)
    raise AssertionError(f"no quiescence within {timeout:.0f}s; last snapshot "
                         f"(pending, tickets, events, notifications, unpublished, "
                         f"notifications pending) = {last}")


@dataclass
class Verdict:
    violations: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            self.violations.append(message)


def _reasons(raw: Any) -> list[str]:
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])


def verify(url: str, ledger: Ledger, *, stale_seconds: float,
           poison_keys: set[str] | None = None, expect_routed: bool = True) -> Verdict:
    v = Verdict()
    poison_keys = poison_keys or set()
    tickets = {r.idempotency_key: r for r in rows(
        url, "SELECT idempotency_key, code, status, topic, agency_code, review_reasons "
             "FROM tickets")}
    # I1: every accepted key has exactly one ticket, the one the client was told about.
    missing = [k for k in ledger.accepted if k not in tickets]
    wrong = [k for k, code in ledger.accepted.items() if k in tickets and tickets[k].code != code]
    v.check(not missing, f"I1: {len(missing)} accepted keys without a ticket: {missing[:5]}")
    v.check(not wrong, f"I1: {len(wrong)} keys whose ticket code differs: {wrong[:5]}")
    # I2: no ticket whose key was never sent (the unique key makes "several" impossible).
    strays = [k for k in tickets if k not in ledger.attempted]
    v.check(not strays, f"I2: {len(strays)} tickets with unknown keys: {strays[:5]}")
    # I3: every ticket terminal and valid.
    for key, t in tickets.items():
        reasons = _reasons(t.review_reasons)
        if t.status == "routed":
            v.check(t.topic in TOPICS and t.agency_code is not None,
                    f"I3: {t.code} routed without a valid topic/agency ({t.topic}, "
                    f"{t.agency_code})")
        elif t.status == "needs_review":
            v.check(bool(reasons), f"I3: {t.code} in review without a reason")
            v.check("too_many_attempts" not in reasons or key in poison_keys,
                    f"I3: {t.code} sent to review as poison without poison ({reasons})")
            v.check(not expect_routed or key in poison_keys,
                    f"I3: {t.code} in review ({reasons}) though the stub routes everything")
        else:
            v.check(False, f"I3: {t.code} not terminal: {t.status}")
    _effects_once(url, v)
    # I5: nothing left unpublished in the outbox for longer than T.
    cutoff = datetime.now(UTC) - timedelta(seconds=stale_seconds)
    old = [r for r in rows(url, "SELECT created_at FROM outbox WHERE published_at IS NULL")
           if _aware(r.created_at) < cutoff]
    v.check(not old, f"I5: {len(old)} outbox rows unpublished for longer than T")
    v.metrics.update(metrics(url, ledger))
    return v


def _aware(moment: datetime | str) -> datetime:
    """Raw SQL gives SQLite's timestamps back as text, naive UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _effects_once(url: str, v: Verdict) -> None:
    """I4: one assignment and one 'assigned' notification per routed ticket, no pipeline
    event or classification twice."""
    def count(query: str) -> int:
        return int(value(url, query) or 0)

    routed = count("SELECT count(*) FROM tickets WHERE status = 'routed'")
    v.check(count("SELECT count(*) FROM (SELECT ticket_id FROM assignments GROUP BY ticket_id "
                  "HAVING count(*) > 1) d") == 0, "I4: tickets with several assignments")
    assigned = count("SELECT count(DISTINCT ticket_id) FROM assignments")
    # A repeat report joins its case (triage.cases): routed with the case's agency and no
    # assignment of its own; the case's first report holds the one assignment.
    repeats = count("SELECT count(*) FROM tickets t JOIN case_reports r ON r.ticket_id = t.id "
                    "JOIN cases c ON c.id = r.case_id "
                    "WHERE t.status = 'routed' AND c.primary_ticket_id <> t.id "
                    "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.ticket_id = t.id) "
                    "AND EXISTS (SELECT 1 FROM assignments a "
                    "WHERE a.ticket_id = c.primary_ticket_id)")
    v.check(routed == assigned + repeats,
            f"I4: {routed} routed tickets but {assigned} assigned and {repeats} case repeats")
    dup_events = rows(url, "SELECT ticket_id, kind, count(*) FROM ticket_events WHERE kind IN "
                           "('received', 'classified', 'routed', 'needs_review', 'poison') "
                           "GROUP BY ticket_id, kind HAVING count(*) > 1 LIMIT 5")
    v.check(not dup_events, f"I4: duplicated pipeline events: {dup_events}")
    twice = count("SELECT count(*) FROM (SELECT ticket_id FROM classifications "
                  "GROUP BY ticket_id HAVING count(*) > 1) d")
    v.check(twice == 0, f"I4: {twice} tickets classified twice")
    notified = count("SELECT count(DISTINCT ticket_id) FROM notifications "
                     "WHERE kind = 'assigned'")
    dup_n = count("SELECT count(*) FROM (SELECT assignment_id FROM notifications WHERE "
                  "kind = 'assigned' GROUP BY assignment_id, channel HAVING count(*) > 1) d")
    v.check(notified == assigned,
            f"I4: {assigned} assigned tickets but {notified} with an 'assigned' notification")
    v.check(dup_n == 0, f"I4: {dup_n} duplicated 'assigned' notifications")


def drain(url: str, since: datetime, window: float = 10.0) -> tuple[int, float]:
    """(tickets that reached a terminal pipeline state after `since`, the highest rate in
    tickets/s over any `window` seconds of the run). The peak rate is the box's best
    speed in this run, so work_left / peak is a lower bound of the time that work needed."""
    moments = sorted(_aware(r.at).timestamp() for r in rows(
        url, "SELECT at FROM ticket_events WHERE kind IN ('routed', 'needs_review')"))
    left = sum(1 for m in moments if m > since.timestamp())
    peak, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] > window:
            first += 1
        peak = max(peak, last - first + 1)
    return left, peak / window


def _p95(values: list[float]) -> float | None:
    values = sorted(values)
    return round(values[int(0.95 * (len(values) - 1))], 2) if values else None


def metrics(url: str, ledger: Ledger) -> dict[str, Any]:
    runs = rows(url, "SELECT ticket_id FROM task_runs WHERE task = 'pipeline.process'")
    statuses = {r[0]: r[1] for r in rows(url, "SELECT status, count(*) FROM tickets "
                                              "GROUP BY status")}
    outbox = rows(url, "SELECT ticket_id, payload, publish_attempts FROM outbox")
    swept = [r for r in outbox if "swept" in _payload(r.payload)]
    notif = {r[0]: r[1] for r in rows(url, "SELECT status, count(*) FROM notifications "
                                           "GROUP BY status")}
    lags = [(_aware(r.routed_at) - _aware(r.created_at)).total_seconds() for r in rows(
        url, "SELECT created_at, routed_at FROM tickets WHERE status = 'routed'")]
    return {
        "accepted": len(ledger.accepted), "attempted": len(ledger.attempted),
        "gave_up": len(ledger.gave_up),
        "http": {str(k): n for k, n in sorted(ledger.statuses().items())},
        "p95_post_s": round(ledger.p95(), 3), "tickets": statuses,
        "p95_pipeline_s": _p95(lags),
        "executions": len(runs), "duplicate_executions": len(runs) - len({r[0] for r in runs}),
        "rescued_by_sweeper": len({r.ticket_id for r in swept}), "sweeper_rows": len(swept),
        "outbox_rows": len(outbox), "publishes": sum(r.publish_attempts for r in outbox),
        "outbox_never_published": sum(1 for r in outbox if r.publish_attempts == 0),
        "notifications": notif,
    }


def _payload(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def dump(name: str, data: dict[str, Any]) -> str:
    return f"BATTERY {name} " + json.dumps(data, ensure_ascii=False, sort_keys=True,
                                           default=str)
