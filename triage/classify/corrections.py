"""Corrections as training examples: (text, topic, flags) triples in a JSONL file
(``<data_dir>/corrections.jsonl`` by default, one ``{"text", "topic", "flags"}`` per line).

Training reads them from here; the corrections people make in the service are stored with
the tickets and read for training by triage.understand.record."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from triage.settings import get_settings
from triage.taxonomy import FLAGS, TOPICS

Correction = tuple[str, str, list[str]]


def default_path() -> Path:
    return Path(get_settings().data_dir) / "corrections.jsonl"


def append_examples(examples: Iterable[Correction], path: Path | None = None) -> None:
    """Add labelled examples to a corrections file; an unknown topic or flag raises
    ValueError before anything is written."""
    rows = []
    for text, topic, flags in examples:
        if topic not in TOPICS or any(f not in FLAGS for f in flags):
            raise ValueError(f"unknown label: {topic} {list(flags)}")
        rows.append({"text": text, "topic": topic, "flags": sorted(set(flags))})
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
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
