"""What kind of conduct a ``thai_do`` complaint reports, several where several apply:
``thieu_ton_trong`` (rude, shouting, dismissive), ``gay_kho_de`` (obstruction, needless
papers, shirking, sending people from desk to desk), ``nhung_nhieu`` (harassment, asking or
hinting for money, bribes, "bồi dưỡng") and ``vo_trach_nhiem`` (absent, late, asleep, not
doing the job).

Read the way urgency is (triage.classify.urgency): a small linear model (models/conduct, the
topic model's artifact format: a ``Classifier`` whose flags are the four kinds) reads the
whole text; cue phrases a person can read and edit (data/conduct/cues.csv) can add a kind
the model missed, never remove one. Cues match on the accent-stripped, lower-cased text
word by word. Each kind comes with its cue: the phrase that added it, or the words that
pushed the model hardest towards it. Only complaints flagged ``thai_do`` are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from triage.classify.corpus import CONDUCT_KINDS
from triage.classify.cues import Cue, CueReader, match_cues, read_cues
from triage.classify.features import Doc, make_doc
from triage.classify.model import PerFolder, load_if_trained
from triage.settings import REPO_ROOT
from triage.text.normalize import NormalizedText, analyze

KINDS = CONDUCT_KINDS
CUES_PATH = REPO_ROOT / "data" / "conduct" / "cues.csv"
LABELS = {
    "thieu_ton_trong": "Thiếu tôn trọng, hách dịch",
    "gay_kho_de": "Gây khó dễ, phiền hà",
    "nhung_nhieu": "Nhũng nhiễu, đòi hoặc gợi ý tiền",
    "vo_trach_nhiem": "Vô trách nhiệm, vắng mặt, chậm trễ",
}
FLAG = "thai_do"  # the only flag whose complaints are read


@dataclass(frozen=True)
class ConductKind:
    kind: str
    score: float  # the model's probability of the kind; 1.0 when only a cue found it
    cue: str  # the cue phrase or the model's strongest words, in Vietnamese

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "score": self.score, "cue": self.cue}


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES_PATH) -> tuple[Cue, ...]:
    return read_cues(path, "kind", KINDS)


class ConductReader(CueReader[Cue]):
    def _model_kinds(self, norm: NormalizedText, cued: bool, doc: Doc | None = None
                     ) -> dict[str, ConductKind]:
        """The kinds over their thresholds. A complaint about conduct reports at least one
        kind: when none is over its threshold and no cue was found (``cued``), the most
        likely kind is kept if it scores at least the model's ``fill_floor`` (chosen with
        the thresholds; praise stays below it)."""
        model = self.model
        assert model is not None
        if doc is None:
            doc = make_doc(norm, model.features.segmented)
        idx, val = model.features.transform_one(doc)
        if not len(idx):
            return {}
        decision = val @ model.weights[idx] + model.bias
        _, flag_p = model.probabilities(decision[None, :])
        chosen = [int(j) for j in np.flatnonzero(flag_p[0] >= model.flag_thresholds)]
        floor = model.meta.get("fill_floor")
        if not chosen and not cued and floor is not None and flag_p[0].max() >= floor:
            chosen = [int(flag_p[0].argmax())]
        out: dict[str, ConductKind] = {}
        n = len(model.topics)
        for j in chosen:
            words = ", ".join(model.explain(idx, val, [n + j], doc)[:3])
            kind = model.flags[j]
            out[kind] = ConductKind(kind, round(float(flag_p[0][j]), 4),
                                    f"Mô hình: {words}" if words else "Mô hình")
        return out

    def read(self, text: str, prepared: tuple[str, str | None] | None = None,
             analyzed: tuple[NormalizedText, str | None] | None = None,
             doc: Doc | None = None) -> list[ConductKind]:
        """The kinds `text` reports, in KINDS order (empty: none recognised, e.g. praise).
        ``prepared``, ``analyzed``, ``doc``: the text's forms when the caller has them
        already (``doc``: ``make_doc`` of ``analyzed``, shared with the other models)."""
        norm, problem = analyzed or analyze(text, prepared=prepared)
        cued = match_cues(norm.stripped, self.cues, norm.accented)
        found = (self._model_kinds(norm, bool(cued), doc)
                 if self.model is not None and problem is None else {})
        for kind, cue in cued.items():
            # The phrase reads better than the model's words; the model's score is kept.
            note = f" ({cue.note})" if cue.note else ""
            score = found[kind].score if kind in found else 1.0
            found[kind] = ConductKind(kind, score, f"Cụm từ “{cue.phrase}”{note}")
        return [found[k] for k in KINDS if k in found]


def conduct_kinds(text: str, flags: list[str] | tuple[str, ...],
                  analyzed: tuple[NormalizedText, str | None] | None = None,
                  doc: Doc | None = None) -> list[ConductKind]:
    """The kinds of a complaint flagged thai_do (by a model or a person); none otherwise."""
    if FLAG not in flags:
        return []
    return get_conduct_reader().read(text, analyzed=analyzed, doc=doc)


PERSON_CUE = "Tổng đài viên xác định"


def set_by_person(kinds: list[str]) -> list[dict[str, Any]]:
    """The stored kinds a person chose (in the order of KINDS, no repeats)."""
    return [ConductKind(k, 1.0, PERSON_CUE).to_dict() for k in KINDS if k in kinds]


def kinds_for_labels(text: str, flags: list[str], current: list[dict[str, Any]] | None
                     ) -> list[dict[str, Any]] | None:
    """A ticket's stored kinds after a person set its flags: none without thai_do, those
    it had when it keeps thai_do, read now when thai_do is new."""
    if FLAG not in flags:
        return None
    if current:
        return current
    return [k.to_dict() for k in conduct_kinds(text, flags)] or None


_readers: PerFolder[ConductReader] = PerFolder(
    lambda path: ConductReader(load_if_trained(path), load_cues()))


def get_conduct_reader() -> ConductReader:
    """The reader of settings.conduct_model_dir, loaded once per process; without an
    artifact there, the cue file alone decides."""
    from triage.settings import get_settings

    return _readers.get(get_settings().conduct_model_dir)


def reset_conduct_cache() -> None:
    _readers.clear()
