"""How urgent a complaint is: ``khan`` (danger to life, health or property now),
``dong_nguoi`` (collective: many households, a group petition, a crowd) or ``thuong``.

Two readers decide together. A small linear model (models/urgency, the same artifact
format and loader as the topic model: a ``Classifier`` whose outputs are the three levels
and no flags) reads the whole text; cue phrases a person can read and edit
(data/urgency/cues.csv) can only raise its level, never lower it, so a clear "dây điện
đứt" is urgent whatever the model says. Cues match on the accent-stripped, lower-cased
text word by word: "day dien dut" and "dây điện đứt" are the same cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage.classify.corpus import URGENCY_LEVELS
from triage.classify.cues import Cue, CueReader, read_cues, text_words
from triage.classify.features import Doc
from triage.classify.model import PerFolder, load_if_trained
from triage.settings import REPO_ROOT
from triage.text.normalize import NormalizedText, analyze

LEVELS = URGENCY_LEVELS  # the labels the corpus lines carry, in the model's output order
RANK = {"thuong": 0, "dong_nguoi": 1, "khan": 2}
CUES_PATH = REPO_ROOT / "data" / "urgency" / "cues.csv"
LABELS = {"khan": "Khẩn cấp", "dong_nguoi": "Đông người", "thuong": "Thông thường"}


@dataclass(frozen=True)
class Urgency:
    level: str
    score: float  # the model's probability of the level; 1.0 when a cue decided it
    reason: str  # the cue or the model's strongest words, in Vietnamese

    def to_dict(self) -> dict[str, Any]:
        # asdict's deep copy, field by field, costs more than the rest of the answer's dicts.
        return {"level": self.level, "score": self.score, "reason": self.reason}


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES_PATH) -> tuple[Cue, ...]:
    """The cue file, strongest level first (so the first match decides)."""
    return tuple(sorted(read_cues(path, "level", ("khan", "dong_nguoi")),
                        key=lambda c: -RANK[c.kind]))


def match_cue(stripped: str, cues: tuple[Cue, ...]) -> Cue | None:
    words = text_words(stripped)
    for cue in cues:
        if cue.words <= words and cue.pattern.search(stripped):
            return cue
    return None


class UrgencyReader(CueReader[Cue]):
    def read(self, text: str, prepared: tuple[str, str | None] | None = None,
             analyzed: tuple[NormalizedText, str | None] | None = None,
             doc: Doc | None = None) -> Urgency:
        """``prepared``, ``analyzed``, ``doc``: the text's forms when the caller has them
        already (``doc``: ``make_doc`` of ``analyzed``, shared with the topic model)."""
        analyzed = analyzed or analyze(text, prepared=prepared)
        norm = analyzed[0]
        level, score, reason = "thuong", 1.0, ""
        if self.model is not None:
            found = self.model.classify(text, analyzed=analyzed, doc=doc)
            scores = found.topic_scores  # empty for a text too short or garbled to read
            if scores:
                level, score = found.topic, found.topic_confidence
                if level == "khan" and score < self.model.meta.get("khan_threshold", 0.0):
                    level = max(("dong_nguoi", "thuong"), key=lambda lv: scores.get(lv, 0.0))
                    score = scores.get(level, 0.0)
                words = ", ".join(found.explanation[:3])
                reason = f"Mô hình: {words}" if words else ""
        cue = match_cue(norm.stripped, self.cues)
        if cue is not None and RANK[cue.kind] >= RANK[level]:
            note = f" ({cue.note})" if cue.note else ""
            return Urgency(cue.kind, 1.0, f"Cụm từ “{cue.phrase}”{note}")
        return Urgency(level, round(score, 4), reason)


_readers: PerFolder[UrgencyReader] = PerFolder(
    lambda path: UrgencyReader(load_if_trained(path), load_cues()))


def get_urgency_reader() -> UrgencyReader:
    """The reader of settings.urgency_model_dir, loaded once per process; without an
    artifact there, the cue file alone decides (a level is never missing)."""
    from triage.settings import get_settings

    return _readers.get(get_settings().urgency_model_dir)


def reset_urgency_cache() -> None:
    _readers.clear()
