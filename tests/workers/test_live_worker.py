"""End to end through a real Celery worker on a real Redis and PostgreSQL: submission,
the relay publishing right after commit, and a worker killed mid-task."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.procs import RedisServer, kill_group, start_worker, wait_for
from triage import db
from triage.app import create_app
from triage.db import session_scope
from triage.pipeline.models import PipelineStep, TaskRun
from triage.tickets.models import Ticket

DONE = {"routed", "needs_review"}  # the two ends of the automatic pipeline
# Upper bounds of waits that poll for a state (they end as soon as it is reached): a
# worker boots in ~3 s and the first ticket (the model loads) takes a few more on an idle
# box; a loaded 2-core box has taken several times that.
BOOT = 180.0
PROCESSED = 180.0
GOOD = {"text": "Cống thoát nước trước nhà số 45 đường 30/4 bị nghẹt", "channel": "zalo"}


@pytest.fixture
def stack(pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    server = RedisServer(tmp_path)
    server.start()
    env = {
        "TRIAGE_DATABASE_URL": pg,
        "TRIAGE_BROKER_URL": server.url,
        "TRIAGE_VISIBILITY_TIMEOUT": "4",
        "TRIAGE_SWEEPER_INTERVAL_SECONDS": "1",
        "TRIAGE_SWEEPER_STALE_SECONDS": "6",
        "TRIAGE_RELAY_INTERVAL_SECONDS": "0.5",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    db.reset_caches()
    yield env
    server.kill()


def ticket(code: str) -> Ticket:
    with session_scope() as s:
        return s.scalars(select(Ticket).where(Ticket.code == code)).one()


def test_submission_is_processed_by_a_real_worker(
    stack: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Redelivery and the sweeper are for lost work (the next test): here their windows are
    # longer than any wait, so that a slow first task on a loaded box (the model loads)
    # is not run twice and the count below means "published once, run once".
    patient = {"TRIAGE_VISIBILITY_TIMEOUT": "300", "TRIAGE_SWEEPER_STALE_SECONDS": "300"}
    for key, value in patient.items():
        monkeypatch.setenv(key, value)
    db.reset_caches()
    worker = start_worker({**stack, **patient}, tmp_path / "worker.log", ready_within=BOOT)
    try:
        with TestClient(create_app()) as client:
            codes = [client.post("/api/v1/complaints", json=GOOD).json()["code"]
                     for _ in range(5)]
            wait_for(lambda: all(ticket(c).status in DONE for c in codes), PROCESSED,
                     "tickets processed by the worker")
    finally:
        kill_group(worker)
    with session_scope() as s:
        runs = s.scalar(select(func.count()).select_from(TaskRun)) or 0
    assert runs == 5


def test_worker_killed_mid_task_leaves_ticket_to_be_processed_again(
    stack: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    slow = start_worker({**stack, "TRIAGE_PIPELINE_DELAY_SECONDS": "30"}, log,
                        ready_within=BOOT)
    with TestClient(create_app()) as client:
        code = client.post("/api/v1/complaints", json=GOOD).json()["code"]
        tid = ticket(code).id

        def started() -> bool:
            with session_scope() as s:
                return bool(s.scalar(select(func.count()).select_from(TaskRun)))

        wait_for(started, PROCESSED, "the task to start")
        kill_group(slow)  # SIGKILL the whole worker while the task sleeps
        assert ticket(code).status == "received"
        fresh = start_worker(stack, log, ready_within=BOOT)
        try:
            wait_for(lambda: ticket(code).status in DONE, PROCESSED,
                     "the ticket to be processed after the kill")
        finally:
            kill_group(fresh)
    with session_scope() as s:
        steps = s.scalars(select(PipelineStep.step).where(PipelineStep.ticket_id == tid)).all()
        runs = s.scalar(select(func.count()).select_from(TaskRun)) or 0
    assert "classify" in steps and len(steps) == len(set(steps))  # processed again, once
    assert runs >= 2
    print(f"\nworker kill: executions={runs} (duplicates={runs - 1}), steps={steps}")
