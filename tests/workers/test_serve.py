"""`triage serve --workers N`: several API processes in production mode, refused on the
embedded default (one SQLite writer, one in-process worker)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.factories.users import issue_token
from tests.procs import RedisServer, free_port, kill_group, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except OSError:
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/api/v1/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_several_api_processes_in_production_mode(pg: str, tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    port = free_port()
    env = {**os.environ, "TRIAGE_DATABASE_URL": pg, "TRIAGE_BROKER_URL": server.url}
    headers = issue_token("integration")
    proc = subprocess.Popen([sys.executable, "-m", "triage.cli", "serve", "--port", str(port),
                             "--workers", "2"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), 60, "triage serve --workers 2")
        wait_for(lambda: len(_children(proc.pid)) >= 2, 30, "two API processes")
        with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
            codes = {client.post("/api/v1/complaints", json={
                "text": f"Đèn đường hẻm {n} phường Mỹ Phú hư", "channel": "web"}).json()["code"]
                for n in range(6)}
            assert len(codes) == 6
            for code in codes:
                assert client.get(f"/api/v1/complaints/{code}").status_code == 200
    finally:
        kill_group(proc)
        server.kill()


def test_embedded_default_refuses_several_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("TRIAGE_DATABASE_URL", "TRIAGE_BROKER_URL")}
    done = subprocess.run([sys.executable, "-m", "triage.cli", "serve", "--workers", "2"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Chế độ nhúng chỉ chạy một tiến trình" in done.stdout + done.stderr
    assert not (tmp_path / "var").exists()  # refused before touching anything
