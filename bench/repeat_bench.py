"""The repeat lookup at scale: 100,000 open tickets on PostgreSQL, p50/p95 of the lookup
a report makes at intake (triage.cases.service.candidates), and the route step's share.

    .venv/bin/python -m bench.repeat_bench [--open 100000] [--queries 500]

A throwaway database is made, migrated and filled by COPY: tickets spread over every
ward of data/agencies/wards.csv and the corpus's topics, each with its repeat-index row
(the corpus texts' words, computed once per text), all routed or acknowledged, so every
one is a candidate. Queries are other corpus texts on a random ward of their topic: the
time of `words()` (the normaliser) and of the lookup (SQL, pg_trgm ordering, scoring)
are reported apart and together. The database is dropped afterwards."""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ADMIN = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def corpus() -> list[tuple[str, str]]:
    rows = []
    for path in sorted(glob.glob(str(ROOT / "data" / "corpus" / "*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows.append((row["text"], row["topic"]))
    return rows


def ward_rows() -> list[dict[str, str]]:
    """The province's wards (data/agencies/wards.csv: code, name, …)."""
    with (ROOT / "data" / "agencies" / "wards.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def wards() -> list[str]:
    return [row["code"] for row in ward_rows()]


def fill(url: str, texts: list[tuple[str, str, str]], n: int, seed: int = 7) -> float:
    """COPY `n` routed tickets and their repeat-index rows; returns seconds taken."""
    rng, places, now = random.Random(seed), wards(), datetime.now(UTC)
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY tickets (id, code, channel, received_at, text, status, "
                      "review_reasons, attempts, topic, flags, scores, location, ward_code, "
                      "agency_code, answer_public, created_at, updated_at, routed_at, due_at)"
                      " FROM STDIN") as copy:
            for i in range(1, n + 1):
                text, topic, _ = texts[i % len(texts)]
                ward = rng.choice(places)
                at = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
                copy.write_row((i, f"B-{i:07d}", "phone", at, text,
                                "routed" if i % 3 else "acknowledged", "[]", 0, topic, "[]",
                                "{}", json.dumps({"ward_code": ward}), ward, f"ubnd-{ward}",
                                False, at, at, at, at + timedelta(days=5)))
        cur.execute("SELECT id, ward_code, topic, received_at FROM tickets")
        keys = cur.fetchall()
        with cur.copy("COPY case_keys (ticket_id, ward_code, topic, phone_e164, received_at,"
                      " words) FROM STDIN") as copy:
            for tid, ward, topic, at in keys:
                copy.write_row((tid, ward, topic, None, at, texts[tid % len(texts)][2]))
        with cur.copy("COPY case_problems (ward_code, problem, ticket_id) FROM STDIN") as copy:
            for tid, ward, _topic, _at in keys:
                for word in texts[tid % len(texts)][2].split():
                    if word.startswith("#"):
                        copy.write_row((ward, word, tid))
        cur.execute("SELECT setval('tickets_id_seq', %s)", (n,))
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE tickets")
        cur.execute("VACUUM ANALYZE case_keys")
        cur.execute("VACUUM ANALYZE case_problems")
    return time.perf_counter() - t0


def measure(url: str, queries: list[tuple[str, str]], rng: random.Random) -> dict[str, Any]:
    os.environ["TRIAGE_DATABASE_URL"] = url
    from triage import db
    from triage.cases.service import candidates
    from triage.cases.similarity import words

    db.reset_caches()
    places = wards()
    norm: list[float] = []
    look: list[float] = []
    found: list[int] = []
    with db.session_scope() as session:
        now = datetime.now(UTC)
        for text, topic in queries[:20]:  # warm: connection, plans, IDF table
            candidates(session, words(text), ward_code=rng.choice(places), topic=topic,
                       phone="+84912345678", now=now)
        for text, topic in queries:
            t0 = time.perf_counter()
            key = words(text)
            t1 = time.perf_counter()
            got = candidates(session, key, ward_code=rng.choice(places), topic=topic,
                             phone="+84912345678", now=now)
            t2 = time.perf_counter()
            norm.append((t1 - t0) * 1000)
            look.append((t2 - t1) * 1000)
            found.append(len(got))
    both = [a + b for a, b in zip(norm, look, strict=True)]
    return {
        "queries": len(queries),
        "candidates_scored_mean": round(statistics.mean(found), 1),
        "words_ms": {"p50": round(_pct(norm, 0.5), 2), "p95": round(_pct(norm, 0.95), 2)},
        "lookup_ms": {"p50": round(_pct(look, 0.5), 2), "p95": round(_pct(look, 0.95), 2),
                      "max": round(max(look), 2)},
        "words_and_lookup_ms": {"p50": round(_pct(both, 0.5), 2),
                                "p95": round(_pct(both, 0.95), 2)},
    }


def measure_pipeline(url: str, queries: list[tuple[str, str]], count: int) -> dict[str, Any]:
    """The whole pipeline step (classify, locate, route; the repeat lookup and link
    inside it) for `count` new complaints, alternately with the lookup on and off."""
    os.environ["TRIAGE_DATABASE_URL"] = url
    from triage import db
    from triage.cases import service as cases
    from triage.intake import service as intake
    from triage.intake.schemas import CallerIn, ComplaintIn
    from triage.pipeline import service as pipeline

    db.reset_caches()
    real = cases.link_repeat
    times: dict[str, list[float]] = {"with_lookup": [], "without_lookup": []}
    for i, (text, _topic) in enumerate(queries[: count * 2]):
        mode = "with_lookup" if i % 2 else "without_lookup"
        cases.link_repeat = real if mode == "with_lookup" else (lambda *_a, **_k: False)
        with db.session_scope() as session:
            complaint = ComplaintIn(text=text, channel="phone",
                                    caller=CallerIn(phone=f"09123{i:05d}"))
            tid = intake.submit(session, complaint, actor="bench", now=db.utcnow()).ticket.id
        t0 = time.perf_counter()
        with db.session_scope() as session:
            pipeline.process(session, tid, db.utcnow())
        times[mode].append((time.perf_counter() - t0) * 1000)
    cases.link_repeat = real
    out: dict[str, Any] = {m: {"p50": round(_pct(v, 0.5), 1), "p95": round(_pct(v, 0.95), 1),
                               "mean": round(statistics.mean(v), 1)} for m, v in times.items()}
    out["mean_cost_pct"] = round(100 * (out["with_lookup"]["mean"]
                                        / out["without_lookup"]["mean"] - 1), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", help="measure a kept database again")
    parser.add_argument("--pipeline", type=int, default=100,
                        help="complaints through the pipeline step per mode (0: none)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from triage import migrate
    from triage.cases.similarity import stored, words

    rows = corpus()
    rng = random.Random(11)
    rng.shuffle(rows)
    t0 = time.perf_counter()
    held, queries = rows[:-args.queries], rows[-args.queries:]
    texts = [(text, topic, stored(words(text))) for text, topic in held]
    words_s = time.perf_counter() - t0
    if args.reuse:
        result = measure(args.reuse, queries, rng)
        if args.pipeline:
            result["pipeline_step_ms"] = measure_pipeline(args.reuse, queries, args.pipeline)
        print(json.dumps(result, indent=1))
        return
    name = f"triage_repeat_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rpartition("/")[0] + "/" + name
    print(f"database: {url}" + (" (kept)" if args.keep else ""), file=sys.stderr, flush=True)
    try:
        migrate.upgrade(url)
        fill_s = fill(url, texts, args.open)
        result = measure(url, queries, rng)
        if args.pipeline:
            result["pipeline_step_ms"] = measure_pipeline(url, queries, args.pipeline)
        result |= {"open_tickets": args.open, "corpus_words_s": round(words_s, 1),
                   "copy_s": round(fill_s, 1), "python": platform.python_version(),
                   "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                   "load": os.getloadavg()}
        print(json.dumps(result, indent=1))
    finally:
        from triage import db
        db.reset_caches()
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
