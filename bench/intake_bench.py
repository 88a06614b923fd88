"""Intake benchmark on the production stack: PostgreSQL, the API with its outbox relay,
Celery workers on Redis.

Measures (1) sustained submissions/s and the latency distribution of POST /complaints,
(2) the time from a 201 to the ticket processed by a real worker (p50/p95).

    .venv/bin/python -m bench.intake_bench --seconds 20 --concurrency 16

It creates and drops its own PostgreSQL database and starts its own redis-server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
TEXT = ("Người dân phản ánh đoạn đường ấp Tân Hòa, xã Tân Phú bị ngập sâu sau mưa, "
        "xe máy chết máy, đề nghị kiểm tra khơi thông cống. Lần {n}.")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


async def load(url: str, seconds: float, concurrency: int, token: str,
               rate: float = 0.0) -> list[tuple[float, str]]:
    """POST for `seconds` from `concurrency` clients; `rate` > 0 paces the total to that
    many submissions per second (for the end-to-end latency phase)."""
    results: list[tuple[float, str]] = []
    stop = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        async def one_client(worker: int) -> None:
            n = 0
            while time.monotonic() < stop:
                n += 1
                body = {"text": TEXT.format(n=n), "channel": "phone"}
                key = {"Idempotency-Key": f"b-{worker}-{n}-{uuid.uuid4().hex[:6]}"}
                if rate:
                    await asyncio.sleep(max(0.0, concurrency / rate))
                t0 = time.perf_counter()
                r = await client.post("/api/v1/complaints", json=body,
                                      headers={**headers, **key})
                elapsed = time.perf_counter() - t0
                if r.status_code == 201:
                    results.append((elapsed, r.json()["code"]))
        await asyncio.gather(*(one_client(i) for i in range(concurrency)))
    return results


def processed_rows(db_url: str) -> list[tuple[str, float]]:
    """(code, seconds from the ticket's commit to the end of its classification step)."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT t.code, EXTRACT(EPOCH FROM (s.done_at - t.created_at)) FROM tickets t "
            "JOIN pipeline_steps s ON s.ticket_id = t.id AND s.step = 'classify'").fetchall()
    return [(str(r[0]), float(r[1])) for r in rows]


def wait_drained(db_url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg.connect(db_url) as conn:
            left = conn.execute("SELECT count(*) FROM tickets WHERE status IN "
                                "('received', 'classified')").fetchone()
        if left and left[0] == 0:
            return
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="paced submissions/s for the 201 -> processed phase")
    args = parser.parse_args()
    name = f"triage_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    db_url = ADMIN.rpartition("/")[0] + "/" + name
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    port, api_port = 16379 + os.getpid() % 1000, 18000 + os.getpid() % 1000
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(start(["redis-server", "--port", str(port), "--dir", str(tmp),
                            "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                           {}, tmp / "redis.log"))
        env = {"TRIAGE_DATABASE_URL": db_url, "TRIAGE_BROKER_URL": f"redis://127.0.0.1:{port}/0",
               "TRIAGE_LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "triage.cli", "migrate"], cwd=ROOT,
                       env={**os.environ, **env}, check=True, capture_output=True)
        token = subprocess.run([sys.executable, "-m", "triage.cli", "tokens", "issue", "bench",
                                "--role", "integration"], cwd=ROOT, env={**os.environ, **env},
                               check=True, capture_output=True, text=True).stdout.strip()
        procs.append(start([sys.executable, "-m", "uvicorn", "triage.asgi:app", "--port",
                            str(api_port), "--workers", str(args.api_workers),
                            "--log-level", "warning", "--no-access-log"], env, tmp / "api.log"))
        url = f"http://127.0.0.1:{api_port}"
        for _ in range(100):
            try:
                if httpx.get(url + "/api/v1/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(3)
        # Phase 1: intake alone (API + relay publishing to Redis; no worker competing for
        # the two cores), as fast as the clients go.
        t0 = time.monotonic()
        results = asyncio.run(load(url, args.seconds, args.concurrency, token))
        wall = time.monotonic() - t0
        # Phase 2: a worker drains that backlog, then a paced load measures 201 -> processed.
        worker = start([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                        "-P", "prefork", "-c", "2", "--without-mingle", "--without-gossip",
                        "-Q", "triage", "--loglevel=WARNING"], env, tmp / "worker.log")
        procs.append(worker)
        wait_drained(db_url)
        done_before = {r[0] for r in processed_rows(db_url)}
        paced = asyncio.run(load(url, args.seconds, 4, token, rate=args.rate))
        time.sleep(5)
        delays = [d for code, d in processed_rows(db_url) if code not in done_before]
        report(results, wall, paced, delays, args)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(results: list[tuple[float, str]], wall: float, paced: list[tuple[float, str]],
           delays: list[float], args: argparse.Namespace) -> None:
    lat = [r[0] * 1000 for r in results]
    paced_lat = [r[0] * 1000 for r in paced]
    ms = [d * 1000 for d in delays]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"command: python -m bench.intake_bench --seconds {args.seconds:g} "
          f"--concurrency {args.concurrency} --api-workers {args.api_workers}")
    print(f"submissions: {len(results)} in {wall:.1f}s = {len(results) / wall:.0f}/s "
          f"(concurrency {args.concurrency})")
    print(f"POST latency ms: p50 {statistics.median(lat):.1f}, p95 {pct(lat, .95):.1f}, "
          f"p99 {pct(lat, .99):.1f}, max {max(lat):.1f}")
    print(f"paced phase: {len(paced)} submissions at ~{args.rate:g}/s with the worker running; "
          f"POST p50 {statistics.median(paced_lat):.1f} ms, p99 {pct(paced_lat, .99):.1f} ms")
    print(f"201 -> processed ms ({len(ms)} tickets): p50 {statistics.median(ms):.1f}, "
          f"p95 {pct(ms, .95):.1f}, p99 {pct(ms, .99):.1f}")


if __name__ == "__main__":
    main()
