"""How alike two reports are, whatever their accents and word order.

Both texts go through the one normaliser (``normalize(text).stripped``: repaired, lower
case, abbreviations and teen-code expanded, numbers and names masked, diacritics
removed), then become a set of content words: masks and filler words are dropped. The
score is the weighted Jaccard of the two sets, each word weighted by its rarity in the
complaint corpus (IDF, models/cases/idf.json, built by ``build_idf``): two reports
sharing "ngap" and "cong" are closer than two sharing "duong" and "xe". Word sets
ignore order; the stored form of a ticket's set (``case_keys.words``) lets the lookup
score candidates without normalising their text again."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
IDF_PATH = ROOT / "models" / "cases" / "idf.json"
CONCEPTS_PATH = ROOT / "data" / "cases" / "concepts.csv"
# A problem named (flooding, a pothole, noise) weighs as much as this many rare words:
# two reports of one event name the same problem in different words, and two reports
# of one street that name different problems are different events.
CONCEPT_WEIGHT = 8.0
# How much of the score is the problems named (the rest: the words shared).
PROBLEM_SHARE = 0.6
_WORD_RE = re.compile(r"[a-z]+")
# Words every complaint uses; they say nothing about which event it reports.
_FILLER_TEXT = """
a ai anh bi cac cai can cho chi chua co con cua da dang de den di dia danh do duoc gi
giup hay het ho hoai khi khong la lai lam len luc ma may minh mot nay nen nguoi nhieu
nhung nho o oi qua qq ra rat roi sao se tai the thi thu tu toi tren trong tu va vao ve
vi voi xin xa phuong ap khom xe nay kia do day nua luon van con cung moi
phan anh de nghi kiem tra xu ly giai quyet
"""
FILLERS = frozenset(_FILLER_TEXT.split())


@dataclass(frozen=True)
class Score:
    value: float
    shared: tuple[str, ...]  # the rarest shared words, for the reason shown to people


@lru_cache(maxsize=1)
def concepts() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The problems people name, each with its folded cue phrases (data/cases/concepts.csv)."""
    out = []
    with CONCEPTS_PATH.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            cues = "|".join(re.escape(c.strip()) for c in row["cues"].split("|") if c.strip())
            out.append((row["concept"], re.compile(rf"\b(?:{cues})\b")))
    return tuple(out)


@lru_cache(maxsize=1)
def concept_names() -> dict[str, str]:
    with CONCEPTS_PATH.open(encoding="utf-8") as f:
        return {"#" + row["concept"]: row["name"] for row in csv.DictReader(f)}


def describe(shared: tuple[str, ...]) -> str:
    """The shared problems and words, as people read them ("ngập nước, cong")."""
    names = concept_names()
    return ", ".join(names.get(w, w) for w in shared)


def words(text: str) -> frozenset[str]:
    """The content words of a complaint, accent-folded, and the problems it names
    ("#ngap") (see the module's note)."""
    stripped = normalize(text).stripped
    found = {"#" + name for name, pattern in concepts() if pattern.search(stripped)}
    return frozenset(found | {w for w in _WORD_RE.findall(stripped)
                              if len(w) > 1 and w not in FILLERS and not w.startswith("qq")})


def stored(words_: Iterable[str]) -> str:
    return " ".join(sorted(words_))


def parse(value: str) -> frozenset[str]:
    return frozenset(value.split())


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """Word -> IDF, and the weight of a word the corpus never had (the rarest)."""
    if not IDF_PATH.exists():
        return {}, 1.0
    data = json.loads(IDF_PATH.read_text(encoding="utf-8"))
    return dict(data["idf"]), float(data["unseen"])


def weight(word: str) -> float:
    if word.startswith("#"):
        return CONCEPT_WEIGHT
    table, unseen = idf_table()
    return table.get(word, unseen)


def score(a: frozenset[str], b: frozenset[str]) -> Score:
    """Mostly whether the two name the same problems, then how many rare words they
    share; texts naming no known problem are compared on their words alone."""
    if not a or not b:
        return Score(0.0, ())
    table, unseen = idf_table()
    shared, union = a & b, a | b
    ca = sum(1 for w in a if w[0] == "#")
    cb = sum(1 for w in b if w[0] == "#")
    both = sum(1 for w in shared if w[0] == "#")
    inter = sum(table.get(w, unseen) for w in shared if w[0] != "#")
    total = sum(table.get(w, unseen) for w in union if w[0] != "#")
    text = inter / total if total else 0.0
    if ca or cb:
        named = both / math.sqrt(ca * cb) if ca and cb else 0.0
        value = PROBLEM_SHARE * named + (1 - PROBLEM_SHARE) * min(1.0, 2 * text)
    else:
        value = min(1.0, 2 * text)
    # The shared words name the reason shown to people; none is read below this score.
    rarest = tuple(sorted(shared, key=lambda w: (-weight(w), w))[:4]) if value >= 0.2 else ()
    return Score(round(value, 4), rarest)


def build_idf(texts: Iterable[str], path: Path = IDF_PATH, min_df: int = 2) -> int:
    """Write the IDF table of `texts` (the complaint corpus); returns the word count."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        df.update(words(text))
        n += 1
    idf = {w: round(math.log((n + 1) / (c + 1)) + 1, 4) for w, c in df.items() if c >= min_df}
    unseen = round(math.log((n + 1) / (min_df + 1)) + 1, 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"documents": n, "unseen": unseen, "idf": dict(sorted(idf.items()))},
                               ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    idf_table.cache_clear()
    return len(idf)
