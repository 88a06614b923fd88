"""B1 against a real server (uvicorn, one process): parallel oversized bodies are cut
without the server's memory growing, and a body longer than its Content-Length is not
read past it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.battery.conftest import record
from tests.battery.services import Proc, http_ready
from tests.procs import free_port

FIFTY_MB = 50 * 1024 * 1024


@pytest.fixture
def server(battery_db: str, battery_logs: Path) -> Iterator[Proc]:
    port = free_port()
    proc = Proc("api", ["-m", "uvicorn", "--factory", "tests.battery.apiapp:make", "--host",
                        "127.0.0.1", "--port", str(port)],
                {"TRIAGE_DATABASE_URL": battery_db}, battery_logs / "b1-api.log",
                ready=http_ready(port))
    proc.port = port  # type: ignore[attr-defined]
    proc.start()
    yield proc
    proc.kill()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def send_raw(port: int, head: bytes, body_chunks: Iterator[bytes]) -> bytes:
    """Write a request by hand; stop writing as soon as the server has answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sock.settimeout(0.001)
        answer = b""
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed the connection after its 413
                break
            with contextlib.suppress(TimeoutError, BlockingIOError):
                answer += sock.recv(65536)
            if b"\r\n\r\n" in answer:
                break
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        return answer


def big_body(total: int) -> Iterator[bytes]:
    yield b'{"channel": "phone", "text": "'
    chunk = b"a" * 1_048_576
    for _ in range(total // len(chunk)):
        yield chunk


def test_b1_ten_parallel_50mb_bodies_are_refused_without_memory_growth(server: Proc) -> None:
    port = server.port  # type: ignore[attr-defined]
    assert server.proc is not None
    before = rss_kib(server.proc.pid)
    answers: list[bytes] = []

    def one(declared: bool) -> None:
        length = (f"content-length: {FIFTY_MB}\r\n" if declared
                  else "transfer-encoding: chunked\r\n")
        head = (f"POST /api/v1/complaints HTTP/1.1\r\nhost: x\r\n"
                f"content-type: application/json\r\n{length}\r\n").encode()
        chunks = big_body(FIFTY_MB)
        if not declared:
            chunks = (f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
        answers.append(send_raw(port, head, chunks))

    threads = [threading.Thread(target=one, args=(i % 2 == 0,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    after = rss_kib(server.proc.pid)
    statuses = [a.split(b"\r\n", 1)[0].decode(errors="replace") for a in answers]
    record("B1", {"rss_before_mib": before // 1024, "rss_after_mib": after // 1024,
                  "answers": sorted(set(statuses))})
    assert len(answers) == 10 and all(" 413 " in s for s in statuses), statuses
    assert (after - before) < 50 * 1024


def test_b1_body_longer_than_its_content_length_is_not_read_past_it(server: Proc) -> None:
    port = server.port  # type: ignore[attr-defined]
    body = b'{"channel": "phone", "text": "ok"}'
    smuggled = b"GET /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n" + b"z" * 2_000_000
    head = (b"POST /api/v1/complaints HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n")
    answer = send_raw(port, head, iter([body + smuggled]))
    status = answer.split(b"\r\n", 1)[0]
    assert b" 201 " in status or b" 4" in status, answer[:300]
    assert b" 500 " not in answer
