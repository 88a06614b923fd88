"""B14: log injection and personal data in logs. Runs last in the battery (file name), so
that its grep covers the logs of every process the battery started (API, relay,
workers, Redis), not only its own small run."""

from __future__ import annotations

import random
import re
from pathlib import Path

import httpx
import pytest

from tests.battery.chaos import load, settle
from tests.battery.complaints import CALLER_NAMES, complaint
from tests.battery.conftest import record

INJECTED = "2026-11-28 INFO admin login ok"
PHONE = re.compile(r"(?<![\w.+])(?:\+84|84|0)\d{9}(?![\w])")


def battery_text(logs: Path) -> dict[Path, str]:
    return {p: p.read_text(errors="replace") for p in sorted(logs.rglob("*.log"))}


def assert_no_personal_data(logs: dict[Path, str], name: str) -> None:
    assert logs, "no process log to check"
    injected = [f"{p.name}: {line}" for p, text in logs.items() for line in text.splitlines()
                if line.startswith(INJECTED)]
    phones = [f"{p.name}: {m.group(0)}" for p, text in logs.items()
              for m in PHONE.finditer(text)]
    names = [f"{p.name}: {n}" for p, text in logs.items() for n in CALLER_NAMES if n in text]
    record(name, {"log_files": len(logs), "bytes": sum(len(t) for t in logs.values()),
                  "forged_lines": len(injected), "phone_hits": len(phones),
                  "name_hits": len(names)})
    assert not injected, injected[:5]
    assert not phones, phones[:5]
    assert not names, names[:5]


@pytest.mark.chaos
def test_b14_the_chaos_runs_logged_no_personal_data(battery_logs: Path) -> None:
    """At the end of `pytest -m chaos tests/battery`: every log of every chaos test (their
    complaints carry seeded caller names and phone numbers)."""
    assert_no_personal_data(battery_text(battery_logs), "B14-chaos")


def test_b14_log_injection_and_personal_data_never_reach_a_log(
        make_stack, smtp_sink, battery_logs: Path) -> None:
    stack = make_stack("P1")
    stack.start()

    def body(i: int, rng: random.Random) -> dict:
        if i == 3:
            return complaint(i, rng, text=f"Đèn đường hư ở ấp 3\r\n{INJECTED}\r\nxã Mỹ Hiệp")
        return complaint(i, rng)

    ledger = load(stack, n=40, rate=None, body=body).run()
    settle(stack, ledger, "B14-run", last_fault=0, budget=60, sink=smtp_sink)
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:  # bad inputs too
        client.post("/api/v1/complaints", json={"text": f"x\n{INJECTED}", "channel": "fax",
                                                "caller": {"phone": "0912345678abc"}})
        client.post("/api/v1/complaints", content=b'{"text": "\\u0000' + INJECTED.encode()
                    + b'", "channel": "phone"}', headers={"content-type": "application/json"})
    stack.stop()
    assert_no_personal_data(battery_text(battery_logs), "B14")


def test_b14_a_search_by_phone_number_is_not_logged(make_stack, battery_logs: Path) -> None:
    stack = make_stack("P1")
    stack.start_api()
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        client.get("/api/v1/complaints", params={"q": "0987654321"})
    stack.stop()
    assert "0987654321" not in (battery_logs / stack.workdir.name / "api.log").read_text()
