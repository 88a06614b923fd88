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
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
ADMIN = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
TEXT = ("Người dân phản ánh đoạn đường ấp Tân Hòa, xã Tân Phú bị ngập sâu sau mưa, "
        "xe máy chết máy, đề nghị kiểm tra khơi thông cống. Lần {n}.")


def varied_texts(count: int = 20000, seed: int = 11) -> list[str]:
    """Complaints as a province's day brings them: corpus lines of every topic, each with a
    ward of the province written after it (repeat reports of one ward and topic are then
    as rare as in a real register, unlike TEXT's one street)."""
    from bench.repeat_bench import corpus, ward_rows

    rng = random.Random(seed)
    names = [row["name"] for row in ward_rows()]
    lines = [text for text, _ in corpus()]
    return [f"{rng.choice(lines)} ({rng.choice(names)}, tỉnh Đồng Tháp)" for _ in range(count)]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


class Connection:
    """A lean HTTP/1.1 keep-alive client on asyncio streams: the load generator shares the
    two cores with the server, so it must cost as little as possible per request (httpx
    costs about ten times more CPU per request than this)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{head}\r\n"
            .encode() + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = int(re.search(rb"(?i)content-length: *(\d+)", raw).group(1))  # type: ignore[union-attr]
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(url: str, seconds: float, concurrency: int, token: str, texts: list[str],
               rate: float = 0.0, per_connection: int = 100) -> list[tuple[float, str]]:
    """POST for `seconds` from `concurrency` keep-alive clients; `rate` > 0 paces the total
    to that many submissions per second (for the end-to-end latency phase).

    Each client opens a new connection after `per_connection` requests, as browsers and
    integrations do: with a few long-lived connections the API processes' accept race
    decides the result (16 connections split 13 to 3 leave one process idle)."""
    results: list[tuple[float, str]] = []
    errors: Counter[int] = Counter()
    stop = time.monotonic() + seconds
    host, _, port = url.removeprefix("http://").partition(":")

    async def one_client(worker: int) -> None:
        conn = Connection(host, int(port))
        n = 0
        next_at = time.monotonic() + (worker / rate if rate else 0.0)
        try:
            while time.monotonic() < stop:
                n += 1
                text = texts[(worker * 7919 + n) % len(texts)] if texts else TEXT.format(n=n)
                body = json.dumps({"text": text, "channel": "phone"},
                                  ensure_ascii=False).encode()
                headers = {"Authorization": f"Bearer {token}",
                           "Idempotency-Key": f"b-{worker}-{n}-{uuid.uuid4().hex[:6]}"}
                if rate:
                    await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                    next_at += concurrency / rate
                if n % per_connection == 0:
                    conn.close()
                    conn = Connection(host, int(port))
                t0 = time.perf_counter()
                status, answer = await conn.post("/api/v1/complaints", body, headers)
                elapsed = time.perf_counter() - t0
                if status == 201:
                    results.append((elapsed, json.loads(answer)["code"]))
                else:
                    errors[status] += 1
        finally:
            conn.close()

    await asyncio.gather(*(one_client(i) for i in range(concurrency)))
    if errors:
        print(f"non-201 answers: {dict(errors)}")
    return results


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree(root: int) -> list[int]:
    """The process and all its descendants (uvicorn's worker processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


class CpuMeter:
    """CPU seconds spent by each part of the stack during a phase. On a shared machine the
    wall-clock figures depend on the neighbours; CPU per submission does not (much)."""

    def __init__(self, db_name: str, api: int, redis: int) -> None:
        self.db_name, self.api, self.redis = db_name, api, redis

    def sample(self) -> dict[str, float]:
        own = os.times()
        return {"api (uvicorn + relay)": sum(proc_cpu(p) for p in tree(self.api)),
                "postgres backends": sum(proc_cpu(p) for p in self.backends()),
                "redis-server": proc_cpu(self.redis),
                "load generator": own.user + own.system}

    def backends(self) -> list[int]:
        """PostgreSQL server processes serving this database (their title names it)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    title = (entry / "cmdline").read_bytes().decode(errors="replace")
                    if title.startswith("postgres: ") and f" {self.db_name} " in title:
                        found.append(int(entry.name))
        return found

    @staticmethod
    def per_submission(before: dict[str, float], after: dict[str, float],
                       count: int) -> dict[str, float]:
        return {k: (after[k] - before[k]) * 1000 / max(count, 1) for k in before}


def run_loop(work: Coroutine[Any, Any, list[tuple[float, str]]]) -> list[tuple[float, str]]:
    import uvloop

    return uvloop.run(work)


def processed_rows(db_url: str) -> list[tuple[str, float]]:
    """(code, seconds from the ticket's arrival (created_at: the request's start, before
    its commit) to the end of its last pipeline step: classified and routed)."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT t.code, EXTRACT(EPOCH FROM (max(s.done_at) - t.created_at)) FROM tickets t "
            "JOIN pipeline_steps s ON s.ticket_id = t.id GROUP BY t.id").fetchall()
    return [(str(r[0]), float(r[1])) for r in rows]


def wait_drained(db_url: str, broker_url: str, timeout: float = 900) -> None:
    """Until every ticket is processed and the queue is empty: the sweeper's extra messages
    for tickets that waited through phase 1 must not sit in front of the paced phase's."""
    import redis

    deadline = time.monotonic() + timeout
    queue = redis.Redis.from_url(broker_url)
    while time.monotonic() < deadline:
        with psycopg.connect(db_url) as conn:
            left = conn.execute("SELECT count(*) FROM tickets WHERE status IN "
                                "('received', 'classified')").fetchone()
        if left and left[0] == 0 and queue.llen("triage") == 0:
            return
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50.0,
                        help="paced submissions/s for the 201 -> processed phase")
    parser.add_argument("--varied", action="store_true",
                        help="corpus complaints on the province's wards instead of one text")
    parser.add_argument("--no-linking", action="store_true",
                        help="TRIAGE_CASE_LINKING=false: no repeat lookup, to measure its cost")
    args = parser.parse_args()
    texts = varied_texts() if args.varied else []
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
        if args.no_linking:
            env["TRIAGE_CASE_LINKING"] = "false"
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
        meter = CpuMeter(name, procs[1].pid, procs[0].pid)
        # Warm up: connection pools, the month's code sequence, first imports.
        run_loop(load(url, 2, args.concurrency, token, texts))
        before = meter.sample()
        t0 = time.monotonic()
        results = run_loop(load(url, args.seconds, args.concurrency, token, texts))
        wall = time.monotonic() - t0
        cpu = CpuMeter.per_submission(before, meter.sample(), len(results))
        # Phase 2: a worker drains that backlog, then a paced load measures 201 -> processed.
        worker = start([sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker",
                        "-P", "prefork", "-c", "2", "--without-mingle", "--without-gossip",
                        "-Q", "triage", "--loglevel=WARNING"], env, tmp / "worker.log")
        procs.append(worker)
        wait_drained(db_url, env["TRIAGE_BROKER_URL"])
        done_before = {r[0] for r in processed_rows(db_url)}
        paced = run_loop(load(url, args.seconds, 4, token, texts, rate=args.rate))
        time.sleep(5)
        delays = [d for code, d in processed_rows(db_url) if code not in done_before]
        with psycopg.connect(db_url) as conn:
            states = {str(r[0]): int(r[1]) for r in conn.execute(
                "SELECT status, count(*) FROM tickets GROUP BY status")}
            unpublished = conn.execute(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
        print(f"tickets by status at the end: {states}; outbox rows unpublished: "
              f"{unpublished[0] if unpublished else '?'}")
        report(results, wall, paced, delays, cpu, args)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(results: list[tuple[float, str]], wall: float, paced: list[tuple[float, str]],
           delays: list[float], cpu: dict[str, float], args: argparse.Namespace) -> None:
    lat = [r[0] * 1000 for r in results]
    paced_lat = [r[0] * 1000 for r in paced]
    ms = [d * 1000 for d in delays]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"command: python -m bench.intake_bench --seconds {args.seconds:g} "
          f"--concurrency {args.concurrency} --api-workers {args.api_workers}"
          + f" --rate {args.rate:g}" + (" --varied" if args.varied else "")
          + (" --no-linking" if args.no_linking else ""))
    print(f"submissions: {len(results)} in {wall:.1f}s = {len(results) / wall:.0f}/s "
          f"(concurrency {args.concurrency})")
    print(f"POST latency ms: p50 {pct(lat, .5):.1f}, p95 {pct(lat, .95):.1f}, "
          f"p99 {pct(lat, .99):.1f}, max {max(lat):.1f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("CPU ms per submission: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
          + f"; total {sum(cpu.values()):.2f}")
    print(f"paced phase: {len(paced)} submissions at ~{args.rate:g}/s with the worker running; "
          f"POST p50 {pct(paced_lat, .5):.1f} ms, p99 {pct(paced_lat, .99):.1f} ms")
    print(f"201 -> processed ms ({len(ms)} tickets): p50 {pct(ms, .5):.1f}, "
          f"p95 {pct(ms, .95):.1f}, p99 {pct(ms, .99):.1f}")


if __name__ == "__main__":
    main()
