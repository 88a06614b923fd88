"""The README's quick-start shell examples run as written against a live embedded server
(uvicorn on SQLite in a temporary folder). Only the address changes (a free port instead
of 8000), `.venv/bin/triage` is this environment's `triage`, and the commands that ask for
a password get it on their standard input, as a person would type it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.procs import ROOT, free_port, kill_group, wait_for

README = ROOT / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
PASSWORD = "Mat-khau-README-2026"


def quick_start_blocks() -> list[str]:
    """The shell blocks of the quick start that talk to the running service."""
    return [b for b in BLOCK.findall(README.read_text(encoding="utf-8"))
            if "curl" in b]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    work = tmp_path_factory.mktemp("readme")
    env = {**os.environ, "TRIAGE_DATABASE_URL": f"sqlite:///{work / 'triage.sqlite3'}",
           "TRIAGE_DATA_DIR": str(work / "var")}
    env.pop("TRIAGE_BROKER_URL", None)
    # `.venv/bin/triage` of the README, with the typed password on its standard input.
    shim = work / ".venv" / "bin" / "triage"
    shim.parent.mkdir(parents=True)
    real = Path(sys.executable).parent / "triage"
    shim.write_text(f'#!/bin/bash\nprintf "%s\\n%s\\n" "{PASSWORD}" "{PASSWORD}" '
                    f'| exec "{real}" "$@"\n')
    shim.chmod(0o755)
    subprocess.run([str(real), "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (work / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "triage.asgi:app", "--host",
                             "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), 60, "the README's server")
        yield base, {**env, "WORK": str(work)}
    finally:
        kill_group(proc)
        proc.wait(timeout=10)
        log.close()


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def run_block(block: str, base: str, env: dict[str, str]) -> list[str]:
    script = "set -euo pipefail\n" + block.replace("http://127.0.0.1:8000", base)
    done = subprocess.run(["bash", "-c", script], cwd=env["WORK"], env=env, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, f"{block}\n--- stdout\n{done.stdout}\n--- {done.stderr}"
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_the_readme_has_the_examples_this_test_runs() -> None:
    blocks = quick_start_blocks()
    assert len(blocks) == 2
    assert "$CODE" in blocks[0] and "TOKEN=$(" in blocks[1]


def test_the_submit_and_read_example_runs_as_written(live: tuple[str, dict[str, str]]) -> None:
    base, env = live
    code, answer = run_block(quick_start_blocks()[0], base, env)
    assert re.fullmatch(r"1022-\d{6}-\d{5}-[0-9A-Z]{4}", code)
    ticket = json.loads(answer)
    assert ticket["code"] == code and "error" not in ticket


def test_the_accounts_and_token_example_runs_as_written(
        live: tuple[str, dict[str, str]]) -> None:
    base, env = live
    lines = run_block(quick_start_blocks()[1], base, env)
    # curl prints no newline: the next command's output follows the JSON on its line.
    page, _ = json.JSONDecoder().raw_decode(next(line for line in lines if line.startswith("{")))
    assert "error" not in page and isinstance(page["items"], list)
    assert any("Đã tạo người dùng lan" in line for line in lines)
    assert any("Đã đặt mật khẩu mới cho lan" in line for line in lines)
