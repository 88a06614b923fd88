"""Writing report files: where they live, atomic replacement, sizes and checksums.

Files live under <data_dir>/reports/<period>/<scope>/; the database row keeps their
relative paths. Downloads look the path up by report id, never from user input."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from triage.db import get_engine, session_scope
from triage.reports.csv_export import CsvSink
from triage.reports.models import FORMATS
from triage.reports.pdf import PdfSink
from triage.reports.render import Sink, render
from triage.reports.service import Scope
from triage.reports.store import FileInfo
from triage.reports.xlsx import XlsxSink
from triage.settings import get_settings

SINKS: dict[str, Callable[[IO[bytes]], Sink]] = {"xlsx": XlsxSink, "pdf": PdfSink,
                                                 "csv": CsvSink}


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


def _render_group(session: Session, scope: Scope, targets: dict[str, Path]) -> dict[str, int]:
    """Render the report once into each `targets[fmt]` file (written via a temp file)."""
    temps = {fmt: path.with_name(f".{path.name}.{os.getpid()}.tmp")
             for fmt, path in targets.items()}
    try:
        with ExitStack() as stack:
            sinks: list[Sink] = []
            for fmt, temp in temps.items():
                temp.parent.mkdir(parents=True, exist_ok=True)
                handle: IO[bytes] = stack.enter_context(temp.open("wb"))
                sinks.append(SINKS[fmt](handle))
            counts = render(session, scope, sinks)
        for fmt, temp in temps.items():
            os.replace(temp, targets[fmt])
    finally:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
    return counts


def _child(scope: Scope, targets: dict[str, Path]) -> None:
    # A forked child must not use the parent's pooled connections.
    get_engine().dispose(close=False)
    with session_scope() as session:
        _render_group(session, scope, targets)


def write_formats(session: Session, scope: Scope, targets: dict[str, Path], *,
                  workers: int = 1) -> dict[str, int]:
    """Write the report in each format of `targets`.

    With workers=2 the workbook (openpyxl, the slowest writer) is written by a forked
    process while this one writes the others: on two cores that nearly halves the time.
    Each process streams the month from the database itself. Use it from workers and
    commands, not from a multi-threaded server process."""
    unknown = set(targets) - set(SINKS)
    if unknown:
        raise ValueError(f"unknown formats: {sorted(unknown)}")
    if workers < 2 or len(targets) < 2 or "xlsx" not in targets:
        return _render_group(session, scope, targets)
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(scope, {"xlsx": targets["xlsx"]}), daemon=False)
    child.start()
    try:
        counts = _render_group(session, scope,
                               {f: p for f, p in targets.items() if f != "xlsx"})
    finally:
        child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"xlsx writer process failed (exit code {child.exitcode})")
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
