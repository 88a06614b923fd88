"""What the small readers beside the topic model share (urgency, conduct kinds): a cue
phrase a person can read and edit, matched word by word on the accent-stripped text, and
a reader made of an optional model artifact and its cue file."""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from triage.classify.model import Classifier
from triage.text.normalize import normalize

C = TypeVar("C")
_RUN_RE = re.compile(r"\w+")


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


class CueReader(Generic[C]):
    """A model artifact (None: there is none, the cues alone decide) and its cues."""

    def __init__(self, model: Classifier | None, cues: tuple[C, ...]) -> None:
        self.model = model
        self.cues = cues

    @property
    def version(self) -> str:
        return self.model.version if self.model is not None else "cues-only"
