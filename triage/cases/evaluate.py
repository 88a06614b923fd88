"""Precision and recall of automatic links on a labelled set of paired texts
(data/cases/pairs.jsonl: {"a", "b", "same", "kind"}), and how that set is made from
data/cases/groups.json: scenes (one street, ward or place), each with several problems
written several ways. Two wordings of one problem are a pair of the same event (and so
is a wording with its diacritics removed); two problems of one scene are a hard
negative: same place, often same topic, a different event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from triage.cases.similarity import score, words
from triage.settings import get_settings
from triage.text.normalize import strip_accents

DATA = Path(__file__).resolve().parents[2] / "data" / "cases"
PAIRS_PATH = DATA / "pairs.jsonl"
GROUPS_PATH = DATA / "groups.json"
# Written blind (before the problem list or the other sets were read): the first before the
# scorer was changed for it, the second after, and scored only once the changes were made.
BLIND_PAIRS_PATH = DATA / "blind_pairs.jsonl"
BLIND_GROUPS_PATH = DATA / "blind_groups.json"
BLIND2_PAIRS_PATH = DATA / "blind2_pairs.jsonl"
BLIND2_GROUPS_PATH = DATA / "blind2_groups.json"
# The third was written before the words-only scoring was changed (and tuned on after its
# one untouched score), the fourth after that change (scored once, then the change made
# precision-first), the fifth after that (scored once, untouched: the honest figure).
BLIND3_PAIRS_PATH = DATA / "blind3_pairs.jsonl"
BLIND3_GROUPS_PATH = DATA / "blind3_groups.json"
BLIND4_PAIRS_PATH = DATA / "blind4_pairs.jsonl"
BLIND4_GROUPS_PATH = DATA / "blind4_groups.json"
BLIND5_PAIRS_PATH = DATA / "blind5_pairs.jsonl"
BLIND5_GROUPS_PATH = DATA / "blind5_groups.json"
# The sixth was written before the synonym families and the cue and place changes
# (precision 0.8705, recall 0.7029 before them) and tuned on after; the seventh after
# them (scored once: precision 1.0, recall 0.6244), then tuned on; the eighth after that
# (scored once: precision 0.9494, recall 0.8197), then tuned on; the ninth after that
# (scored once: precision 0.9455, recall 0.6582), then tuned on; the tenth after that,
# scored once, untouched (precision 0.9091, recall 0.6475). The eleventh and twelfth were
# written together before the next round's changes (scored once: precision 0.8986, recall
# 0.5257 and 0.8836 / 0.6448); the round tuned on the tenth (the scorer's rules only) and the
# eleventh (rules and cue words), and left the twelfth untouched until its end: the honest
# figure of the changes before it (precision 0.8744, recall 0.6718), then tuned on. The
# thirteenth was written after that (scored once: 0.8462 / 0.6237, then tuned on), the
# fourteenth after that and before the cues the twelfth and thirteenth prompted (scored once,
# untouched: 0.9604 / 0.5079). See models/cases/MODEL_CARD.md.
BLIND6_PAIRS_PATH = DATA / "blind6_pairs.jsonl"
BLIND6_GROUPS_PATH = DATA / "blind6_groups.json"
BLIND7_PAIRS_PATH = DATA / "blind7_pairs.jsonl"
BLIND7_GROUPS_PATH = DATA / "blind7_groups.json"
BLIND8_PAIRS_PATH = DATA / "blind8_pairs.jsonl"
BLIND8_GROUPS_PATH = DATA / "blind8_groups.json"
BLIND9_PAIRS_PATH = DATA / "blind9_pairs.jsonl"
BLIND9_GROUPS_PATH = DATA / "blind9_groups.json"
BLIND10_PAIRS_PATH = DATA / "blind10_pairs.jsonl"
BLIND10_GROUPS_PATH = DATA / "blind10_groups.json"
BLIND11_PAIRS_PATH = DATA / "blind11_pairs.jsonl"
BLIND11_GROUPS_PATH = DATA / "blind11_groups.json"
BLIND12_PAIRS_PATH = DATA / "blind12_pairs.jsonl"
BLIND12_GROUPS_PATH = DATA / "blind12_groups.json"
BLIND13_PAIRS_PATH = DATA / "blind13_pairs.jsonl"
BLIND13_GROUPS_PATH = DATA / "blind13_groups.json"
BLIND14_PAIRS_PATH = DATA / "blind14_pairs.jsonl"
BLIND14_GROUPS_PATH = DATA / "blind14_groups.json"


def pairs_from_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for group in groups:
        problems: list[list[str]] = group["problems"]
        for texts in problems:
            for a, b in combinations(texts, 2):
                pairs.append({"a": a, "b": b, "same": True, "kind": "reworded"})
            pairs.append({"a": strip_accents(texts[0]), "b": texts[-1], "same": True,
                          "kind": "no_diacritics"})
        for first, second in combinations(problems, 2):
            for a in first:
                for b in second:
                    pairs.append({"a": a, "b": b, "same": False, "kind": "same_place"})
    return pairs


def write_pairs(groups_path: Path = GROUPS_PATH, path: Path = PAIRS_PATH) -> int:
    groups = json.loads(groups_path.read_text(encoding="utf-8"))
    pairs = pairs_from_groups(groups)
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs),
                    encoding="utf-8")
    return len(pairs)


def load_pairs(path: Path = PAIRS_PATH) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


@dataclass(frozen=True)
class Measure:
    threshold: float
    pairs: int
    positives: int
    linked: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.linked if self.linked else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 1.0


def scores(pairs: list[dict[str, Any]]) -> list[tuple[float, bool]]:
    return [(score(words(p["a"]), words(p["b"])).value, bool(p["same"])) for p in pairs]


def measure(scored: list[tuple[float, bool]], threshold: float | None = None) -> Measure:
    """What automatic linking at `threshold` (default: the setting) would do."""
    t = get_settings().case_link_threshold if threshold is None else threshold
    linked = [same for value, same in scored if value >= t]
    return Measure(t, len(scored), sum(same for _, same in scored), len(linked), sum(linked))
