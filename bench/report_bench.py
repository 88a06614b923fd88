"""Monthly report benchmark: one month of 100,000 complaints in a PostgreSQL database of
2,000,000, all three formats, time and peak memory.

    .venv/bin/python -m bench.report_bench --per-month 100000 --months 20

Builds its own database: the target month and the one before it with demo_data (COPY
bulk inserts, the realistic generator), then the other months by copying those two
server-side with shifted dates (INSERT … SELECT), which fills the history in a fraction of
the time. Each measurement runs in a fresh process so that its peak RSS is its own.

    --keep                   keep the database (its URL is printed on stderr)
    --reuse URL --repeat 3   measure a kept database again, best of three runs each"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PERIOD = "2026-10"
NOW = datetime(2026, 11, 1, 0, 20, tzinfo=UTC)
OFFSET = 10_000_000  # id offset per cloned month: beyond any id demo_data hands out

# Ticket ids grow with time, as in a register filled day by day: the two generated months
# are moved to the top of the id range first (RENUMBER), and each copy of them, older by
# 2k months, takes ids k * OFFSET lower. Search lists newest first by id, so ids in the
# reverse order of the dates would measure a register no one has.
REFERENCES = ("assignments", "ticket_events", "classifications", "label_corrections",
              "audit_log", "notifications", "outbox", "task_runs")
RENUMBER = ["UPDATE tickets SET id = id + %(base)s"] + [
    f"UPDATE {table} SET ticket_id = ticket_id + %(base)s" for table in REFERENCES]
CLONE = [
    """INSERT INTO tickets (id, code, channel, received_at, text, caller_id, status,
         review_reasons, attempts, topic, topic_confidence, flags, scores, model_version,
         labels_source, location, ward_code, agency_code, routing_rule, routed_at, due_at,
         resolved_at, answer, created_at, updated_at)
       SELECT id - %(off)s, code || '-c' || %(k)s, channel, received_at - %(shift)s::interval,
         text, caller_id, status, review_reasons, attempts, topic, topic_confidence, flags,
         scores, model_version, labels_source, location, ward_code, agency_code,
         routing_rule, routed_at - %(shift)s::interval, due_at - %(shift)s::interval,
         resolved_at - %(shift)s::interval, answer, created_at - %(shift)s::interval,
         updated_at - %(shift)s::interval
       FROM tickets WHERE id > %(base)s""",
    """INSERT INTO assignments (id, ticket_id, agency_code, assigned_at, due_at, rule, actor,
         acknowledged_at, answered_at, ended_at, end_reason)
       SELECT id + %(off)s, ticket_id - %(off)s, agency_code,
         assigned_at - %(shift)s::interval, due_at - %(shift)s::interval, rule, actor,
         acknowledged_at - %(shift)s::interval, answered_at - %(shift)s::interval,
         ended_at - %(shift)s::interval, end_reason
       FROM assignments WHERE id < %(off0)s""",
    """INSERT INTO ticket_events (id, ticket_id, at, actor, kind, from_status, to_status, data)
       SELECT id + %(off)s, ticket_id - %(off)s, at - %(shift)s::interval, actor, kind,
         from_status, to_status, data
       FROM ticket_events WHERE id < %(off0)s""",
]

# A register's old months are answered: the copies keep the generated months' open
# tickets, whose answers fell after NOW, open for ever (193,030 at 2,000,000 tickets, the
# backlog of a province that never answers). Each copy, older by 2k months, is settled
# as it would stand now: the agency holding an open ticket answers it after the copy's
# own "now" (NOW shifted like its dates), on time for 85 % of the deadlines still ahead
# then, late otherwise (a deadline already past at that moment can only be missed).
# Those answers fall after the end of every month the copy's tickets were received or
# judged in, except deadlines in the next month, so the months' lateness stays as the
# report logic judged it at their cut-off. Pseudo-random but repeatable: from the ids.
SETTLE = [
    """CREATE TEMP TABLE settled AS
       SELECT a.id AS assignment_id, t.id AS ticket_id, CASE
           WHEN a.due_at <= s.floor OR abs(hashtext(t.code)) %% 100 < 15
             THEN greatest(a.due_at, s.floor) + (0.02 + s.u) * interval '10 days'
           ELSE s.floor + (a.due_at - s.floor) * s.u END AS answered
       FROM tickets t
       JOIN assignments a ON a.ticket_id = t.id AND a.ended_at IS NULL
         AND a.answered_at IS NULL
       CROSS JOIN LATERAL (SELECT
           %(now)s::timestamptz
             - make_interval(months => 2 * ((%(base)s - t.id - 1) / %(off)s + 1)::int)
             AS floor,
           abs(hashtext(t.id::text)) / 2147483648.0 AS u) s
       WHERE t.id < %(base)s AND t.status IN ('routed', 'acknowledged', 'reassign_requested')""",
    """UPDATE assignments a SET answered_at = s.answered,
         acknowledged_at = coalesce(a.acknowledged_at, a.assigned_at + interval '2 hours')
       FROM settled s WHERE a.id = s.assignment_id""",
    """UPDATE tickets t SET resolved_at = s.answered, answer = 'Đã xử lý.',
         updated_at = s.answered, status = CASE WHEN s.answered + interval '7 days' < %(now)s
           THEN 'closed' ELSE 'resolved' END
       FROM settled s WHERE t.id = s.ticket_id""",
    # A copy's answered tickets were closed a week after their answer, as the generator
    # closes its own (the copies kept the generated months' "resolved" status).
    """UPDATE tickets SET status = 'closed'
       WHERE id < %(base)s AND status = 'resolved'
         AND resolved_at + interval '7 days' < %(now)s""",
    """INSERT INTO ticket_events (ticket_id, at, actor, kind, from_status, to_status, data)
       SELECT ticket_id, answered, 'demo-data', 'resolved', 'acknowledged', 'resolved',
         '{}' FROM settled""",
    "DROP TABLE settled",
]


def settle(conn: psycopg.Connection[Any], copies: int) -> int:
    """Answer the copies' open tickets (SETTLE); returns how many were answered."""
    params = {"now": NOW, "base": (copies + 1) * OFFSET, "off": OFFSET}
    conn.execute(SETTLE[0], params)
    row = conn.execute("SELECT count(*) FROM settled").fetchone()
    for statement in SETTLE[1:]:
        conn.execute(statement, params)
    return int(row[0]) if row else 0


def build(url: str, per_month: int, months: int) -> dict[str, float]:
    os.environ["TRIAGE_DATABASE_URL"] = url
    from triage import db, migrate
    from triage.reports import models  # noqa: F401  (the table and the index it needs)
    from triage.reports.demo import demo_data
    from triage.tickets.period import Period

    migrate.upgrade(url)
    t0 = time.perf_counter()
    with db.session_scope() as session:
        demo_data(session, months=2, per_month=per_month, end=Period.parse(PERIOD), now=NOW)
    demo_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    copies = (months - 2) // 2
    with psycopg.connect(url, autocommit=True) as conn:
        base = {"base": (copies + 1) * OFFSET}
        # The ids move together with the rows that refer to them; the foreign-key triggers
        # would check each row against a half-moved table, so they are off meanwhile.
        conn.execute("SET session_replication_role = replica")
        for statement in RENUMBER:
            conn.execute(statement, base)
        conn.execute("SET session_replication_role = DEFAULT")
        for k in range(1, copies + 1):  # copies of the two generated months
            params = {**base, "off": k * OFFSET, "off0": OFFSET, "k": k,
                      "shift": f"{2 * k} months"}
            for statement in CLONE:
                conn.execute(statement, params)
        for table in ("tickets", "assignments", "ticket_events"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
        settled = settle(conn, copies)
        conn.execute("VACUUM ANALYZE")
    db.reset_caches()
    return {"demo_s": demo_s, "clone_s": time.perf_counter() - t1, "settled": settled}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (immune to other load)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(url: str, formats: str, agency: str | None, workers: int) -> None:
    """Child process: render once, print seconds and peak RSS as JSON."""
    os.environ["TRIAGE_DATABASE_URL"] = url
    from triage import db
    from triage.reports.build import write_formats
    from triage.reports.service import Scope
    from triage.tickets.period import Period

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = Path(tempfile.mkdtemp(prefix="report-bench-"))
    scope = Scope(Period.parse(PERIOD), agency)
    targets = {fmt: out / f"r.{fmt}" for fmt in formats.split(",")}
    load0 = os.getloadavg()[0]
    t0, cpu0 = time.perf_counter(), _cpu()
    with db.session_scope() as session:
        counts = write_formats(session, scope, targets, workers=workers)
    seconds, cpu = time.perf_counter() - t0, _cpu() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sizes = {fmt: path.stat().st_size for fmt, path in targets.items()}
    shutil.rmtree(out)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "rss_baseline_mb": baseline / 1024,
                      "rss_peak_mb": peak / 1024, "rss_peak_child_mb": child_peak / 1024,
                      "rows": counts, "sizes": sizes, "load_start": load0,
                      "load": os.getloadavg()[0]}))


def run_child(url: str, formats: str, agency: str | None = None,
              workers: int = 1) -> dict[str, object]:
    args = [sys.executable, "-m", "bench.report_bench", "--measure", url, "--formats", formats,
            "--workers", str(workers)]
    if agency:
        args += ["--agency", agency]
    done = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def facts(url: str) -> dict[str, object]:
    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM tickets").fetchone()
        month = conn.execute(
            "SELECT count(*) FROM tickets WHERE received_at >= %s AND received_at < %s",
            ("2026-09-30 17:00+00", "2026-10-31 17:00+00")).fetchone()
        top = conn.execute(
            "SELECT agency_code, count(*) FROM assignments WHERE due_at >= %s AND due_at < %s "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            ("2026-09-30 17:00+00", "2026-10-31 17:00+00")).fetchone()
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                            ).fetchone()
    assert total and month and top and size
    return {"tickets": total[0], "month_tickets": month[0], "top_agency": top[0],
            "db_size": size[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-month", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--measure")
    parser.add_argument("--formats", default="xlsx,pdf,csv")
    parser.add_argument("--agency")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--reuse", help="measure an existing database (built with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement")
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.formats, args.agency, args.workers)
        return
    if args.reuse:
        print(json.dumps(measure_all(args.reuse, {}, args.repeat), ensure_ascii=False,
                         indent=1))
        return
    name = f"triage_rb_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rpartition("/")[0] + "/" + name
    print(f"database: {url}" + (" (kept)" if args.keep else ""), file=sys.stderr, flush=True)
    try:
        timings = build(url, args.per_month, args.months)
        print(json.dumps(measure_all(url, timings, args.repeat), ensure_ascii=False,
                         indent=1))
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


RUNS = (
    ("all three formats, one process", "xlsx,pdf,csv", None, 1),
    ("all three formats, pdf in a second process (workers=2)", "xlsx,pdf,csv", None, 2),
    ("xlsx only", "xlsx", None, 1), ("pdf only", "pdf", None, 1), ("csv only", "csv", None, 1),
    ("agency section (busiest agency), all formats, workers=2", "xlsx,pdf,csv", "", 2),
)


def measure_all(url: str, timings: dict[str, float], repeat: int = 1) -> dict[str, object]:
    """Each run `repeat` times in a fresh process; the fastest (by wall time) is kept, with
    every run's wall and CPU seconds and load average alongside."""
    data = facts(url)
    report: dict[str, object] = {"machine": f"{platform.machine()} {os.cpu_count()} cores",
                                 "build": timings, "data": data}
    print(json.dumps(report), flush=True)
    runs: dict[str, object] = {}
    for label, formats, agency, workers in RUNS:
        results = [run_child(url, formats, str(data["top_agency"]) if agency == "" else agency,
                             workers) for _ in range(repeat)]
        best = dict(min(results, key=lambda r: float(str(r["seconds"]))))
        best["all_runs"] = [{"seconds": round(float(str(r["seconds"])), 2),
                             "cpu_seconds": round(float(str(r["cpu_seconds"])), 2),
                             "load": round(float(str(r["load"])), 2)} for r in results]
        runs[label] = best
        print(label, json.dumps(best), flush=True)
    report["runs"] = runs
    return report


if __name__ == "__main__":
    main()
