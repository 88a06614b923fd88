"""Search and dashboard at scale: the operator's search page and the supervisor's dashboard
on a PostgreSQL database of 2,000,000 tickets, p50/p95 over repeated requests.

    .venv/bin/python -m bench.search_bench --keep          # build (as bench.report_bench), measure
    .venv/bin/python -m bench.search_bench --reuse URL     # measure a kept database again

The database is the monthly report benchmark's (bench/report_bench.build: two months of
demo_data, cloned server-side to twenty, the copies' open tickets answered as a
register's old months are); the migrations, the forgiving search's trigram
indexes included, are applied before measuring. Requests go through the real pages
(POST /tim-kiem as an operator, GET /tong-quan and /xep-hang as a supervisor) in one
process with an in-process client, so each time includes routing, the queries and
rendering. "first_ms" is the first request of each (templates compiled, the dashboard's
finished months counted); p50/p95 are of the requests after it."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench.report_bench import ADMIN, build
from triage.db import utcnow

PASSWORD = "Mat-khau-bench-2026"
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
# What operators type: a place in three spellings, two words found apart, a rare word,
# a code in part and a code typed with spaces (filled in from the data).
TERMS = ["my hiep", "MỸ HIỆP", "Mỹ Hiệp", "đèn đường hư", "thu phi khong bien lai",
         "tham nhung", "thu tuc cap lai cccd", "ho so", "karaoke hat qua gio", "{partial}",
         "{spaced}"]
RUNNING = datetime(2026, 10, 31, 5, 0, tzinfo=UTC)  # 12:00 in the province


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _client(url: str, role: str) -> tuple[Any, str]:
    os.environ["TRIAGE_DATABASE_URL"] = url
    from fastapi.testclient import TestClient

    from triage import db
    from triage.app import create_app
    from triage.auth import service as auth

    db.reset_caches()
    name = f"bench-{role}-{uuid.uuid4().hex[:6]}"
    with db.session_scope() as session:
        auth.create_user(session, name, role, password=PASSWORD)
    client = TestClient(create_app(start_runtime=False))
    page = client.get("/dang-nhap")
    token = FORM_CSRF.search(page.text)
    assert token is not None
    answer = client.post("/dang-nhap", data={"csrf_token": token.group(1), "username": name,
                                             "password": PASSWORD}, follow_redirects=True)
    csrf = META_CSRF.search(answer.text)
    assert csrf is not None, answer.text[:500]
    return client, csrf.group(1)


def _timed(call: Any, repeat: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    call()  # warm: the first request compiles templates and fills caches
    first = (time.perf_counter() - t0) * 1000
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return {"first_ms": round(first, 1), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1), "max_ms": round(max(times), 1)}


def measure(url: str, repeat: int) -> dict[str, Any]:
    from triage import migrate

    load_start = os.getloadavg()
    migrate.upgrade(url)
    with psycopg.connect(url) as conn:
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()
        code = conn.execute("SELECT code FROM tickets WHERE code ~ '^1022-\\d{6}-\\d{5}$' "
                            "ORDER BY id DESC LIMIT 1 OFFSET 1234").fetchone()
    assert tickets is not None and code is not None
    prefix, period, number = str(code[0]).split("-")
    fill = {"partial": f"{period}-{number[:-1]}", "spaced": f"{prefix} {period} {number}"}
    terms = [t.format(**fill) for t in TERMS]
    operator, csrf = _client(url, "operator")
    results: dict[str, Any] = {}
    found: dict[str, str] = {}
    search_times: list[float] = []
    for term in terms:
        def search(term: str = term) -> None:
            answer = operator.post("/tim-kiem", data={"q": term, "csrf_token": csrf})
            assert answer.status_code == 200, answer.text[:300]
            match = re.search(r"id=\"search-summary\">([^<]*) phiếu", answer.text)
            found[term] = match.group(1) if match else "?"
        stats = _timed(search, repeat)
        results[f"search «{term}»"] = {**stats, "found": found[term]}
        print(term, json.dumps(results[f"search «{term}»"], ensure_ascii=False), flush=True)
    for term in terms:  # every request of every term, for the overall p95
        for _ in range(repeat):
            t0 = time.perf_counter()
            operator.post("/tim-kiem", data={"q": term, "csrf_token": csrf})
            search_times.append((time.perf_counter() - t0) * 1000)
    supervisor, _ = _client(url, "supervisor")
    results["search, all terms"] = {"p50_ms": round(statistics.median(search_times), 1),
                                    "p95_ms": round(_percentile(search_times, 0.95), 1)}
    from triage.web import supervisor as pages

    # The data ends with October 2026. The dashboard of a month still running (cut-off
    # now, its daily chart full) is measured with the pages' clock on 31 October; a month
    # that is over, with the real one.
    for label, path, clock in (
            ("dashboard 2026-10, running (clock 31/10 12:00)", "/tong-quan?thang=2026-10",
             RUNNING),
            ("dashboard 2026-09, over", "/tong-quan?thang=2026-09", None),
            ("ranking 2026-10, running", "/xep-hang?thang=2026-10", RUNNING)):
        pages.utcnow = (lambda clock=clock: clock) if clock else utcnow  # type: ignore[misc]

        def board(path: str = path) -> None:
            answer = supervisor.get(path)
            assert answer.status_code == 200, answer.text[:300]
        results[label] = _timed(board, repeat)
        print(label, json.dumps(results[label]), flush=True)
    pages.utcnow = utcnow
    return {"machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                       f"{platform.python_version()}", "tickets": tickets[0],
            "load_start": load_start, "load_end": os.getloadavg(), "results": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", help="measure an existing database (built with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--per-month", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    if args.reuse:
        print(json.dumps(measure(args.reuse, args.repeat), ensure_ascii=False, indent=1))
        return
    name = f"triage_sb_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rpartition("/")[0] + "/" + name
    print(f"database: {url}" + (" (kept)" if args.keep else ""), file=sys.stderr, flush=True)
    try:
        print(json.dumps(build(url, args.per_month, args.months)), flush=True)
        print(json.dumps(measure(url, args.repeat), ensure_ascii=False, indent=1))
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
