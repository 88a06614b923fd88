"""Writing report files: where they live, atomic replacement, sizes and checksums.

Files live under <data_dir>/reports/<period>/<scope>/; the database row keeps their
relative paths. Downloads look the path up by report id, never from user input."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, tzinfo
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from triage.db import get_engine
from triage.reports.csv_export import CsvSink
from triage.reports.models import FORMATS
from triage.reports.pdf import PdfSink
from triage.reports.render import ReportMeta, Sink, render
from triage.reports.service import ListSpec, ReportRow, Scope
from triage.reports.store import FileInfo
from triage.reports.summary import Summary
from triage.reports.xlsx import XlsxSink
from triage.settings import get_settings
from triage.tickets.service import local_tz

SINKS: dict[str, Callable[[IO[bytes]], Sink]] = {"xlsx": XlsxSink, "pdf": PdfSink,
                                                 "csv": CsvSink}
RELAY_BATCH = 500


def reports_root() -> Path:
    return (get_settings().data_dir / "reports").resolve()


def slug(scope: Scope) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", scope.slug.lower()).strip("-") or "x"


def file_name(scope: Scope, fmt: str) -> str:
    return f"bao-cao-1022-{scope.period}-{slug(scope)}.{fmt}"


def relative_path(scope: Scope, fmt: str) -> str:
    return f"{scope.period}/{slug(scope)}/{file_name(scope, fmt)}"


def resolve(relative: str) -> Path | None:
    """The stored file for a row's relative path, if it is inside the reports directory."""
    root = reports_root()
    path = (root / relative).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _digest(path: Path) -> tuple[int, str]:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return path.stat().st_size, sha.hexdigest()


@contextmanager
def _file_sinks(targets: dict[str, Path]) -> Iterator[list[Sink]]:
    """A sink per `targets[fmt]`, written to a temp file that replaces the target only
    when the whole report was written (a failure leaves no partial file)."""
    temps = {fmt: path.with_name(f".{path.name}.{os.getpid()}.tmp")
             for fmt, path in targets.items()}
    try:
        with ExitStack() as stack:
            sinks: list[Sink] = []
            for fmt, temp in temps.items():
                temp.parent.mkdir(parents=True, exist_ok=True)
                handle: IO[bytes] = stack.enter_context(temp.open("wb"))
                sinks.append(SINKS[fmt](handle))
            yield sinks
        for fmt, temp in temps.items():
            os.replace(temp, targets[fmt])
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)


def _render_group(session: Session, scope: Scope, targets: dict[str, Path],
                  extra: list[Sink] | None = None) -> dict[str, int]:
    """Render the report once into each `targets[fmt]` file and into the `extra` sinks."""
    with _file_sinks(targets) as sinks:
        return render(session, scope, [*(extra or []), *sinks])


class _Relay:
    """A sink in another process: forwards the report over a pipe, rows in batches.

    Rows travel as plain tuples, the agency code and `ReportRow.values` (naive local
    datetimes), which pickle several times faster than the dataclass with its time zone;
    the other end rebuilds them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.batch: list[tuple[Any, ...]] = []

    def _flush(self) -> None:
        if self.batch:
            self.conn.send(("rows", self.batch))
            self.batch = []

    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self.conn.send(("begin", meta, summary))

    def start_list(self, spec: ListSpec) -> None:
        self.conn.send(("start_list", spec))

    def row(self, number: int, row: ReportRow) -> None:
        self.batch.append((row.agency_code, *row.values(number)))
        if len(self.batch) >= RELAY_BATCH:
            self._flush()

    def end_list(self, count: int) -> None:
        self._flush()
        self.conn.send(("end_list", count))

    def finish(self) -> None:
        self.conn.send(("finish",))


def _aware(moment: datetime | None, tz: tzinfo) -> datetime | None:
    return moment.replace(tzinfo=tz) if moment is not None else None


def _serve(conn: Connection, targets: dict[str, Path]) -> None:
    """Child process: write `targets` from the report the parent relays."""
    # A forked child must not touch the parent's pooled connections (it needs none).
    get_engine().dispose(close=False)
    tz = local_tz()
    with _file_sinks(targets) as sinks:
        while True:
            message = conn.recv()
            kind = message[0]
            if kind == "rows":
                for (code, number, name, ticket, received, text, place, channel, phone,
                     due, answered, status, late) in message[1]:
                    row = ReportRow(code, name, ticket, received.replace(tzinfo=tz), text,
                                    place, channel, phone, _aware(due, tz),
                                    _aware(answered, tz), status, late)
                    for sink in sinks:
                        sink.row(number, row)
                continue
            for sink in sinks:
                getattr(sink, kind)(*message[1:])
            if kind == "finish":
                break


def write_formats(session: Session, scope: Scope, targets: dict[str, Path], *,
                  workers: int = 1) -> dict[str, int]:
    """Write the report in each format of `targets`.

    With workers=2 on a machine with two cores or more (and the PDF among several
    formats) a forked process writes the PDF and the CSV while this one queries the
    database, builds the rows, writes the workbook and relays the report to it. The split
    balances the two: the workbook costs about as much CPU as the PDF and the CSV
    together, and this process also waits on the database. On two free cores the time is
    about the longer of the two instead of their sum. The database is read once either
    way. Use it from workers and commands, not from a multi-threaded server process."""
    unknown = set(targets) - set(SINKS)
    if unknown:
        raise ValueError(f"unknown formats: {sorted(unknown)}")
    if workers < 2 or (os.cpu_count() or 1) < 2 or len(targets) < 2 or "pdf" not in targets:
        return _render_group(session, scope, targets)
    here = {f: p for f, p in targets.items() if f == "xlsx"} or {
        f: p for f, p in targets.items() if f != "pdf"}
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_serve, args=(receiver, {f: p for f, p in targets.items() if f not in here}),
        daemon=False)
    child.start()
    receiver.close()
    try:
        counts = _render_group(session, scope, here, extra=[_Relay(sender)])
    except BrokenPipeError:
        counts = {}
    finally:
        sender.close()
        child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"pdf writer process failed (exit code {child.exitcode})")
    return counts


def write_report_files(session: Session, scope: Scope, formats: tuple[str, ...] = FORMATS,
                       *, workers: int = 1) -> dict[str, FileInfo]:
    root = reports_root()
    targets = {fmt: root / relative_path(scope, fmt) for fmt in formats}
    write_formats(session, scope, targets, workers=workers)
    files = {}
    for fmt, path in targets.items():
        size, sha = _digest(path)
        files[fmt] = FileInfo(relative_path(scope, fmt), size, sha)
    return files
