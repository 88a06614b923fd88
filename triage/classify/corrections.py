"""Operator and agency corrections kept as labelled examples for retraining.

The store here is a JSONL file (``<data_dir>/corrections.jsonl``, one
``{"text", "topic", "flags"}`` per line). When tickets live in the database, the
service that records a changed topic or flag can call ``record_correction`` or replace
``load_corrections`` with a query; training only needs (text, topic, flags) triples.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from triage.settings import get_settings
from triage.taxonomy import FLAGS, TOPICS

Correction = tuple[str, str, list[str]]


def default_path() -> Path:
    return Path(get_settings().data_dir) / "corrections.jsonl"


def record_correction(text: str, topic: str, flags: Sequence[str], path: Path | None = None
                      ) -> None:
    if topic not in TOPICS or any(f not in FLAGS for f in flags):
        raise ValueError(f"unknown label: {topic} {list(flags)}")
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {"text": text, "topic": topic, "flags": sorted(set(flags))}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def load_corrections(path: Path | None = None) -> list[Correction]:
    """Valid corrections, later ones first: the newest label of a text wins."""
    path = path or default_path()
    if not path.exists():
        return []
    out: list[Correction] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(row, dict):
            continue
        text, topic, flags = row.get("text"), row.get("topic"), row.get("flags") or []
        if isinstance(text, str) and text.strip() and topic in TOPICS and \
                isinstance(flags, list) and all(f in FLAGS for f in flags):
            out.append((text, topic, list(flags)))
    return out[::-1]


def load_db_corrections() -> list[Correction]:
    """Operators' and agencies' label changes stored with the tickets, newest first.

    A correction that changed only the agency keeps the ticket's topic and flags as they
    were then: those are confirmed labels too."""
    from sqlalchemy import select

    from triage.db import session_scope
    from triage.understand.models import LabelCorrection

    out: list[Correction] = []
    with session_scope() as session:
        stmt = select(LabelCorrection).order_by(LabelCorrection.id.desc())
        for row in session.scalars(stmt):
            topic = row.new_topic or row.old_topic
            flags = list(row.new_flags if row.new_topic or row.new_flags else row.old_flags)
            if topic in TOPICS and all(f in FLAGS for f in flags) and row.text.strip():
                out.append((row.text, topic, flags))
    return out


def all_corrections(path: Path | None = None) -> list[Correction]:
    """Database corrections and the JSONL file's, newest label of a text first."""
    return [*load_db_corrections(), *load_corrections(path)]
