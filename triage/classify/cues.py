"""What the small readers beside the topic model share (urgency, conduct kinds): a cue
phrase a person can read and edit, matched word by word on the accent-stripped text, and
a reader made of an optional model artifact and its cue file."""

from __future__ import annotations

import re
from typing import Generic, TypeVar

from triage.classify.model import Classifier
from triage.text.normalize import normalize

C = TypeVar("C")


def cue_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as a pattern over accent-stripped, lower-cased text: "day dien dut" and
    "dây điện đứt" are the same cue, and it matches whole words only."""
    words = normalize(phrase).stripped.split()
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


class CueReader(Generic[C]):
    """A model artifact (None: there is none, the cues alone decide) and its cues."""

    def __init__(self, model: Classifier | None, cues: tuple[C, ...]) -> None:
        self.model = model
        self.cues = cues

    @property
    def version(self) -> str:
        return self.model.version if self.model is not None else "cues-only"
