"""What the small readers beside the topic model share (urgency, conduct kinds, the flag
cues): a cue phrase a person can read and edit, matched word by word on the
accent-stripped text, its cue files, and a reader made of an optional model artifact and
its cue file."""

from __future__ import annotations

import csv
import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

from triage.classify.model import Classifier
from triage.settings import REPO_ROOT
from triage.text.normalize import normalize

C = TypeVar("C")
_RUN_RE = re.compile(r"\w+")

LATENESS_CUES_PATH = REPO_ROOT / "data" / "lateness" / "cues.csv"


def cue_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as a pattern over accent-stripped, lower-cased text: "day dien dut" and
    "dây điện đứt" are the same cue, and it matches whole words only."""
    words = normalize(phrase).stripped.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def cue_words(phrase: str) -> frozenset[str]:
    """The runs of word characters of the phrase's pattern. Where the pattern matches,
    each is a whole run of word characters of the text (the pattern matches whole words,
    and what it puts between them is not a word character): a cue is searched for only
    in a text that has all of them (``text_words``), which most texts have not."""
    return frozenset(_RUN_RE.findall(normalize(phrase).stripped))


def text_words(stripped: str) -> frozenset[str]:
    """The runs of word characters of an accent-stripped text (see ``cue_words``)."""
    return frozenset(_RUN_RE.findall(stripped))


@dataclass(frozen=True)
class Cue:
    kind: str  # what the phrase names: a flag, a conduct kind or an urgency level
    phrase: str  # as written in the file, shown in the reason
    note: str
    pattern: re.Pattern[str]
    written: str = ""  # the phrase lower-cased with its diacritics, words one space apart
    plain: str = ""  # the same accent-stripped
    words: frozenset[str] = frozenset()  # cue_words: needed in the text to match


# Other ways to say "không" (not): a cue starting with it is also read with each of these in
# its place ("chẳng ai bắt máy", "chả để tâm"; "ko" and "k" are read as "không" already).
NEGATIONS = ("chẳng", "chả")


def read_cues(path: Path, column: str, allowed: Collection[str]) -> tuple[Cue, ...]:
    """The rows of a cue file (``column``, ``phrase``, ``note``), in file order; a row whose
    ``column`` is not one of ``allowed`` or with no phrase is refused, naming the file."""
    cues: list[Cue] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind, phrase = (row.get(column) or "").strip(), (row.get("phrase") or "").strip()
            if kind not in allowed or not phrase:
                raise ValueError(f"{path.name}: a cue needs a phrase and a {column} of "
                                 f"{', '.join(allowed)}: {row}")
            note = (row.get("note") or "").strip()
            cues.append(make_cue(kind, phrase, note))
            first, _, rest = phrase.partition(" ")
            if first.lower() == "không" and rest:
                cues += [make_cue(kind, f"{word} {rest}", note) for word in NEGATIONS]
    return tuple(cues)


def make_cue(kind: str, phrase: str, note: str) -> Cue:
    norm = normalize(phrase)
    return Cue(kind, phrase, note, cue_pattern(phrase), " ".join(norm.accented.split()),
               " ".join(norm.stripped.split()), cue_words(phrase))


@lru_cache(maxsize=4)
def lateness_cues(path: Path = LATENESS_CUES_PATH) -> tuple[Cue, ...]:
    """Phrases people use for a procedure handled late ("trễ hẹn", "hẹn lần hẹn lữa")."""
    return read_cues(path, "flag", ("tre_han",))


# A cue right after a negation does not count: praise says "không hề hách dịch".
_NEGATED = re.compile(
    r"(?<!\w)(?:khong|chang|chua|ko|k|hok|kg|khg)(?:\s+(?:he|bao gio|tung|co|phai))?\s*$")


def _other_word(cue: Cue, stripped: str, accented: str | None, start: int, end: int) -> bool:
    """True when the words were typed with diacritics that are not the cue's: "nhưng nhiều"
    ("but many", everywhere in press text) is not "nhũng nhiễu", though both strip alike.
    Text typed without diacritics (or an unaligned form) still matches, word by word: in
    "k ai bat may" the abbreviation is read as "không" with its diacritics, the rest bare."""
    if not accented or len(accented) != len(stripped) or cue.written == cue.plain:
        return False
    span = accented[start:end]
    if span == stripped[start:end]:
        return False
    typed, bare = span.split(), stripped[start:end].split()
    return any(word != plain and word != want
               for word, plain, want in zip(typed, bare, cue.written.split(), strict=True))


# Cues whose accent-stripped words are also everyday words of another phrase: typed without
# diacritics, "the nhung nhieu gio sau" is "thế nhưng nhiều giờ sau" ("but many hours"),
# not "nhũng nhiễu". There the cue counts unless the words around it read as that other
# phrase: after "thế", "mà", "song" ("but"), or before a count or a stretch of time
# ("nhưng nhiều lần", "… nhiều tháng", "… nhiều trường hợp"). Text typed with diacritics
# is told apart by its letters (_other_word) and never reaches this.
_TWINS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "nhung nhieu": (
        re.compile(r"(?<!\w)(?:the|ma|song)\s*$"),
        re.compile(r"^\s*(?:lan|nam|thang|tuan|ngay|gio|buoi|hom|dem|dot|truong hop)(?!\w)")),
}


def _twin(cue: Cue, stripped: str, accented: str | None, start: int, end: int) -> bool:
    """True when a cue of _TWINS, in text typed without diacritics, reads as its twin."""
    twin = _TWINS.get(cue.plain)
    if twin is None or (accented and len(accented) == len(stripped)
                        and accented[start:end] != stripped[start:end]):
        return False
    before, after = twin
    return bool(before.search(stripped[max(0, start - 12):start])
                or after.search(stripped[end:end + 24]))


def _found(cue: Cue, stripped: str, accented: str | None = None) -> bool:
    return any(not _NEGATED.search(stripped[max(0, m.start() - 24):m.start()])
               and not _other_word(cue, stripped, accented, m.start(), m.end())
               and not _twin(cue, stripped, accented, m.start(), m.end())
               for m in cue.pattern.finditer(stripped))


def match_cues(stripped: str, cues: tuple[Cue, ...], accented: str | None = None
               ) -> dict[str, Cue]:
    """The first cue of each kind found (not negated) in the text; with `accented` (the
    same text with its diacritics), words typed with other diacritics do not count."""
    found: dict[str, Cue] = {}
    words = text_words(stripped)
    for cue in cues:
        if cue.kind not in found and cue.words <= words and _found(cue, stripped, accented):
            found[cue.kind] = cue
    return found


class CueReader(Generic[C]):
    """A model artifact (None: there is none, the cues alone decide) and its cues."""

    def __init__(self, model: Classifier | None, cues: tuple[C, ...]) -> None:
        self.model = model
        self.cues = cues

    @property
    def version(self) -> str:
        return self.model.version if self.model is not None else "cues-only"
