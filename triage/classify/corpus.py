"""The labelled corpus: reading, de-duplication and the fixed test split."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from triage.taxonomy import FLAGS, TOPICS
from triage.text.normalize import normalize

TEST_PERCENT = 20
URGENCY_LEVELS = ("khan", "dong_nguoi", "thuong")
# What a conduct complaint (thai_do) is about (triage.classify.conduct); praise ("khen")
# is a conduct_kinds value of the corpus too, and is none of these.
CONDUCT_KINDS = ("thieu_ton_trong", "gay_kho_de", "nhung_nhieu", "vo_trach_nhiem")


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    topic: str
    flags: tuple[str, ...]
    style: str = ""  # how it is written, when known (real-text yardsticks)
    when: date | None = None  # when it was received (a province's history)
    urgency: str = ""  # khan, dong_nguoi or thuong when the line is labelled (urgency model)
    # The conduct kinds of a thai_do line; None when the line carries no conduct_kinds.
    conduct_kinds: tuple[str, ...] | None = None
    # The line teaches its topic only (`"topic_only": true`): the flag, conduct and urgency
    # models do not learn from it (data/corpus/GUIDE.md says when a round is added so).
    topic_only: bool = False


@dataclass
class Corpus:
    examples: list[Example]
    skipped_lines: int
    duplicates: int
    files: int


def is_test_case(case_id: str) -> bool:
    """The fixed split: a case is in the test set by a hash of its id, forever.

    New files never move an old case from one side to the other.
    """
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < TEST_PERCENT


def _parse(line: str) -> Example | None:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return None  # a file still being written ends with half a line
    if not isinstance(row, dict):
        return None
    text, topic, flags = row.get("text"), row.get("topic"), row.get("flags") or []
    if not isinstance(text, str) or not text.strip() or topic not in TOPICS:
        return None
    if not isinstance(flags, list) or any(f not in FLAGS for f in flags):
        return None
    urgency = row.get("urgency")
    kinds = row.get("conduct_kinds")
    return Example(str(row.get("id") or ""), text, topic, tuple(sorted(set(flags))),
                   urgency=urgency if urgency in URGENCY_LEVELS else "",
                   conduct_kinds=tuple(k for k in CONDUCT_KINDS if k in kinds)
                   if isinstance(kinds, list) else None,
                   topic_only=row.get("topic_only") is True)


def dedupe_key(text: str) -> str:
    """Normalised words without diacritics: what two copies of one complaint share."""
    return " ".join(re.findall(r"\w+", normalize(text).stripped))


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """Keep the first of each normalised, accent-stripped text (and of each id).

    Stripping accents in the key matters: the same complaint written with and without
    diacritics would otherwise sit on both sides of the split.
    """
    seen_text: set[str] = set()
    seen_id: set[str] = set()
    kept: list[Example] = []
    for ex in examples:
        key = dedupe_key(ex.text)
        if key in seen_text or (ex.id and ex.id in seen_id):
            continue
        seen_text.add(key)
        seen_id.add(ex.id)
        kept.append(ex)
    return kept


def load_corpus(corpus_dir: Path) -> Corpus:
    """Every ``*.jsonl`` under ``corpus_dir`` in name order, de-duplicated."""
    raw: list[Example] = []
    skipped = 0
    files = sorted(corpus_dir.glob("*.jsonl"))
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            ex = _parse(line)
            if ex is None:
                skipped += 1
                continue
            raw.append(ex if ex.id else replace(ex, id=f"{path.stem}:{n}"))
    kept = dedupe(raw)
    return Corpus(kept, skipped, len(raw) - len(kept), len(files))


def grams(text: str, n: int = 4) -> set[str]:
    """The accent-stripped word n-grams of a text (see dedupe_key)."""
    words = dedupe_key(text).split()
    return {" ".join(words[i:i + n]) for i in range(max(len(words) - n + 1, 1))}


@dataclass(frozen=True)
class Overlap:
    index: int  # of the text in `texts`
    other: int  # of the line of `others` it shares most with
    shared: int  # word 4-grams in common
    share: float  # of the text's 4-grams


def overlaps(texts: Sequence[str], others: Sequence[str], share: float,
             min_shared: int = 1, common: frozenset[str] = frozenset()) -> list[Overlap]:
    """Texts sharing at least `share` of their word 4-grams (and at least `min_shared` of
    them) with one line of `others`: a copied or lightly edited line. 4-grams in `common`
    (stock phrases: "giấy chứng nhận quyền sử dụng đất") are left out on both sides."""
    index: dict[str, list[int]] = {}
    for i, other in enumerate(others):
        for gram in grams(other) - common:
            index.setdefault(gram, []).append(i)
    found = []
    for k, text in enumerate(texts):
        mine = grams(text) - common
        hits = Counter(i for gram in mine for i in index.get(gram, ()))
        if hits:
            best, shared = hits.most_common(1)[0]
            if shared >= max(share * len(mine), min_shared):
                found.append(Overlap(k, best, shared, shared / len(mine)))
    return found


def common_grams(texts: Iterable[str], min_lines: int) -> frozenset[str]:
    """The word 4-grams at least `min_lines` of the texts use: the stock phrases."""
    counts = Counter(gram for text in texts for gram in grams(text))
    return frozenset(g for g, c in counts.items() if c >= min_lines)


def data_hash(examples: Iterable[Example]) -> str:
    h = hashlib.sha256()
    for ex in sorted(examples, key=lambda e: e.id):
        # Every label (the conduct and urgency models are named by this hash too: a change
        # of their labels alone must give another version).
        h.update(json.dumps([ex.id, ex.text, ex.topic, list(ex.flags), ex.urgency,
                             None if ex.conduct_kinds is None else list(ex.conduct_kinds),
                             *(["topic_only"] if ex.topic_only else [])],
                            ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    test: list[Example] = []
    for ex in examples:
        (test if is_test_case(ex.id) else train).append(ex)
    return train, test
