"""E5: Schemathesis against the app's own OpenAPI description, one run per role token
(anonymous, operator, staff of agency A, supervisor, integration API key), with the
battery's checks (listed in schemathesis.toml beside this file, with the few documented
exceptions) and the stateful phase on. Pass: 0 failures.

Each run is a seeded `schemathesis run` against the API served by uvicorn, so that a
failure prints the `curl` line that reproduces it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.battery.conftest import record
from tests.battery.services import Proc, http_ready
from tests.procs import ROOT, free_port
from triage.db import make_engine

ROLES = ("anonymous", "operator", "agency_staff", "supervisor", "integration")
SEED = int(os.environ.get("BATTERY_SCHEMATHESIS_SEED", "1022"))
MAX_EXAMPLES = os.environ.get("BATTERY_SCHEMATHESIS_EXAMPLES", "15")
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def api(pg_cluster, battery_logs: Path) -> Iterator[tuple[str, dict[str, str]]]:
    name = pg_cluster.create_database(template=pg_cluster.template)
    url = pg_cluster.url(name)
    tokens = _tokens(url)
    port = free_port()
    proc = Proc("api", ["-m", "uvicorn", "--factory", "tests.battery.apiapp:make", "--host",
                        "127.0.0.1", "--port", str(port)],
                {"TRIAGE_DATABASE_URL": url, "TRIAGE_LOG_LEVEL": "WARNING"},
                battery_logs / "schemathesis-api.log", ready=http_ready(port))
    proc.start()
    try:
        yield f"http://127.0.0.1:{port}", tokens
    finally:
        proc.kill()
        pg_cluster.drop_database(name)


def _tokens(url: str) -> dict[str, str]:
    """One bearer token per role; the staff user belongs to a real agency."""
    from triage.auth import service

    engine = make_engine(url)
    tokens: dict[str, str] = {}
    with Session(engine) as session:
        for role in ROLES[1:]:
            agency = "ubnd-30112" if role == "agency_staff" else None
            user = service.create_user(session, f"st-{role}", role, agency_code=agency)
            tokens[role] = service.issue_token(session, user, "schemathesis")
        session.commit()
    engine.dispose()
    return tokens


@pytest.mark.parametrize("role", ROLES)
def test_e5_schemathesis_finds_nothing(api: tuple[str, dict[str, str]], role: str,
                                       tmp_path: Path) -> None:
    base, tokens = api
    args = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color", "run",
            f"{base}/openapi.json",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", MAX_EXAMPLES,
            "--seed", str(SEED), "--workers", "1",
            "--request-timeout", "10",
            "--report", "junit", "--report-dir", str(tmp_path)]
    if role != "anonymous":
        args += ["--header", f"Authorization: Bearer {tokens[role]}"]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "NO_COLOR": "1"})
    out = run.stdout + run.stderr
    summary = re.search(r"=+ (.*) in [\d.]+s =+\s*$", out.strip())
    cases = re.search(r"(\d+) generated", out)
    record(f"E5[{role}]", {"exit": run.returncode,
                           "summary": summary.group(1) if summary else out[-300:],
                           "cases": int(cases.group(1)) if cases else None})
    assert run.returncode == 0, out[-12_000:]
