"""The agency, learned: a second model that reads where tickets finally ended up (routed
history, operators' re-routes, agencies' send-backs) and runs beside the rules.

It never decides a route. It names the agency it would pick (``agency_model``:
``{code, score}``), and when the rules fell back (a topic's default department, or no
agency at all) or when it is sure of another agency than the rule's choice, the ticket
goes to the operators' review queue with the reason ``agency_model_disagrees`` and the
suggestion kept on the ticket for the operator to see. Without an artifact in
``settings.agency_model_dir`` nothing changes: no suggestion, no extra review.

What it learns are targets, not only codes: "the UBND of the commune the text names"
(``ubnd@ward``), "the police of that commune" (``ca@ward``), "the power company of the
place's old province" (``pc@region``), or a fixed agency (``vpdkdd``). A target is turned
back into a code with the place the rules read, so a pattern learnt in one commune holds
in the others. Features: TF-IDF of the text (triage.classify.features) and one column per
fact of the case: topic, flags, place status, ward, old district and province, agencies
named, the rule that fired and its target, and topic crossed with place and rule.

The artifact is plain data in the topic model's format: ``model.json`` (labels, the
context vocabulary, the text blocks' terms), ``model.npz`` (read with
``allow_pickle=False``) and ``SHA256SUMS``, checked on load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from triage.agencies.directory import Directory
from triage.classify.features import Doc, FeatureSet, make_doc
from triage.classify.model import PerFolder, _sha256, _write_npz
from triage.routing.rules import REVIEW, Place, Router, RoutingDecision, Rule, load_router
from triage.text.normalize import normalize

MODEL_FILES = ("model.json", "model.npz")
REASON = "agency_model_disagrees"
REGION_TARGETS = ("pc", "cn")  # agencies chosen by the place's old province


@dataclass(frozen=True)
class Suggestion:
    """What the model would pick, next to the rule's choice."""

    code: str | None  # None: its best targets need a commune the text does not name
    score: float  # the model's probability of that target
    target: str
    fallback: bool  # the rules fell back (default department or no agency)
    disagrees: bool  # shown to the operator, and the ticket goes to review

    def to_dict(self) -> dict[str, Any]:
        """The ``agency_model`` object of ``triage classify`` output; ``disagrees``: the
        pick differs from the rules' with enough weight to send the case to review (a
        lower-scored different pick is shown, not acted on)."""
        return {"code": self.code, "score": self.score, "disagrees": self.disagrees}

    def as_location(self) -> dict[str, Any]:
        """Kept in the ticket's ``location`` for the review queue and the desk."""
        return {"code": self.code, "score": self.score, "target": self.target,
                "fallback": self.fallback, "disagrees": self.disagrees}


def is_fallback(decision: RoutingDecision, rules: Sequence[Rule]) -> bool:
    """The rules fell back: no agency, or a topic's default (a rule that needs no place,
    no named agency and no cue phrase)."""
    if decision.agency_code is None:
        return True
    rule = next((r for r in rules if r.id == decision.rule), None)
    return rule is not None and (rule.target == REVIEW or not (rule.requires or rule.cues))


def target_of(code: str, ward_code: str | None, region: str | None,
              directory: Directory) -> str:
    """The target an agency is for a case in ``ward_code`` / ``region``."""
    agency = directory.get(code)
    ward = agency.ward_code if agency is not None else None
    if ward is not None and ward == ward_code:
        return f"{code[: -len(ward) - 1]}@ward"
    for prefix in REGION_TARGETS:
        if code == f"{prefix}-{region or 'dongthap'}":
            return f"{prefix}@region"
    return code


def resolve(target: str, ward_code: str | None, region: str | None,
            directory: Directory) -> str | None:
    """The agency code of ``target`` for a case; None when it needs a commune and the text
    names none."""
    kind, _, scope = target.partition("@")
    if scope == "ward":
        unit = directory.commune_unit(kind, ward_code) if ward_code else None
        return unit.code if unit is not None else None
    if scope == "region":
        return f"{kind}-{region or 'dongthap'}"
    return target if directory.get(target) is not None else None


def place_of(place: Place) -> tuple[str | None, str | None]:
    """The commune (when resolved to one) and old province the rules read."""
    loc = place.location
    return (loc.ward_code if loc.status == "resolved" else None), loc.region


def context(topic: str | None, flags: Iterable[str], place: Place, decision: RoutingDecision,
            directory: Directory) -> list[str]:
    """The facts of one case the model reads besides its words."""
    loc = place.location
    ward, region = place_of(place)
    rule_target = target_of(decision.agency_code, ward, region, directory) \
        if decision.agency_code else "-"
    t = topic or "-"
    facts = [f"topic={t}", f"place={loc.status}", f"region={loc.region or '-'}",
             f"rule={decision.rule}", f"rule_target={rule_target}",
             f"topic*place={t}|{loc.status}", f"topic*rule={t}|{decision.rule}",
             *(f"flag={f}" for f in sorted(flags))]
    if ward:
        facts.append(f"ward={ward}")
    if loc.district:
        facts.append(f"district={loc.district}")
    for mention in place.mentions:
        if mention.code:
            facts.append(f"named={target_of(mention.code, ward, region, directory)}")
    return facts


class AgencyModel:
    """Targets scored by one multinomial logistic regression over text and context."""

    def __init__(self, features: FeatureSet, context_terms: Sequence[str],
                 arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.features = features
        self.context_index = {t: i for i, t in enumerate(context_terms)}
        self.meta = meta
        self.version: str = meta["version"]
        self.targets: list[str] = meta["targets"]
        self.weights = arrays["weights"].astype(np.float32)  # (n_text + n_context, n_targets)
        self.bias = arrays["bias"].astype(np.float32)

    @property
    def n_columns(self) -> int:
        return self.features.n_features + len(self.context_index)

    def row(self, text: str, facts: Sequence[str], doc: Doc | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and values of one case (``text`` already prepared; ``doc``: its
        ``make_doc(normalize(text))`` when the caller has it, shared with other models)."""
        if doc is None:
            doc = make_doc(normalize(text), False)
        idx, val = self.features.transform_one(doc)
        ctx = sorted({self.context_index[f] for f in facts if f in self.context_index})
        cols = np.concatenate([idx, np.asarray(ctx, np.int64) + self.features.n_features])
        return cols, np.concatenate([val, np.ones(len(ctx), np.float32)])

    def matrix(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(i) for i, _ in rows])
        cols = np.concatenate([i for i, _ in rows]) if rows else np.zeros(0, np.int64)
        vals = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
        return sp.csr_matrix((vals, cols, indptr), shape=(len(rows), self.n_columns))

    def probabilities(self, X: sp.csr_matrix) -> np.ndarray:
        return self._softmax(np.asarray(X @ self.weights) + self.bias)

    def probabilities_one(self, row: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """``probabilities`` of one row, without building a sparse matrix: the products
        summed in the row's order, as the sparse product sums them."""
        cols, vals = row
        z = np.add.reduce(vals[:, None] * self.weights[cols], axis=0) if len(cols) \
            else np.zeros(len(self.targets), np.float32)
        return self._softmax((z + self.bias)[None, :])[0]

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return np.asarray(z / z.sum(axis=1, keepdims=True))

    def pick(self, p: np.ndarray, ward: str | None, region: str | None,
             directory: Directory) -> tuple[str | None, float, str]:
        """The likeliest target that names an agency for this place: (code, score, target)."""
        for j in np.argsort(-p):
            code = resolve(self.targets[j], ward, region, directory)
            if code is not None:
                return code, round(float(p[j]), 4), self.targets[j]
        return None, 0.0, "-"

    # --- persistence ----------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> AgencyModel | None:
        """The artifact in ``path``; None when there is none (or it fails its checksums)."""
        sums = path / "SHA256SUMS"
        if not sums.exists() or not all((path / n).exists() for n in MODEL_FILES):
            return None
        expected: dict[str, str] = {}
        for line in sums.read_text().splitlines():
            digest, _, name = line.partition("  ")
            expected[name.strip()] = digest
        if any(expected.get(name) != _sha256(path / name) for name in MODEL_FILES):
            raise ValueError(f"agency model in {path}: SHA-256 does not match SHA256SUMS")
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        with np.load(path / "model.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return cls(FeatureSet.from_state(meta["features"], arrays), meta["context"], arrays,
                   meta)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        feat_meta, feat_arrays = self.features.to_state()
        terms = sorted(self.context_index, key=self.context_index.__getitem__)
        meta = {**self.meta, "context": terms, "features": feat_meta}
        (path / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        _write_npz(path / "model.npz", {"weights": self.weights.astype(np.float16),
                                        "bias": self.bias, **feat_arrays})
        lines = [f"{_sha256(path / name)}  {name}" for name in MODEL_FILES]
        (path / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def judge(model: AgencyModel, p: np.ndarray, place: Place, decision: RoutingDecision,
          router: Router) -> Suggestion:
    """The model's pick for one case and whether it disagrees with the rules.

    Where the rules fell back, any other agency the model names with at least
    ``agency_model_fallback_score`` disagrees; against a rule's own choice it takes
    ``agency_model_disagree_score`` (a strong disagreement)."""
    from triage.settings import get_settings

    settings = get_settings()
    ward, region = place_of(place)
    code, score, target = model.pick(p, ward, region, router.directory)
    fallback = is_fallback(decision, router.rules)
    bar = settings.agency_model_fallback_score if fallback \
        else settings.agency_model_disagree_score
    disagrees = code is not None and code != decision.agency_code and score >= bar
    return Suggestion(code, score, target, fallback, disagrees)


def suggest(text: str, topic: str | None, flags: Iterable[str], place: Place,
            decision: RoutingDecision, router: Router | None = None,
            doc: Doc | None = None) -> Suggestion | None:
    """The model's suggestion for one complaint (``text`` prepared, ``place`` and
    ``decision`` as the rules read and decided it; ``doc``: the text's
    ``make_doc(normalize(text))`` when the caller has it); None without an artifact."""
    model = get_agency_model()
    if model is None:
        return None
    router = router or load_router()
    facts = context(topic, flags, place, decision, router.directory)
    p = model.probabilities_one(model.row(text, facts, doc))
    return judge(model, p, place, decision, router)


def review_reasons(suggestion: Suggestion | None) -> list[str]:
    """The review reason the pipeline and ``triage classify`` add for a disagreement."""
    return [REASON] if suggestion is not None and suggestion.disagrees else []


_models: PerFolder[AgencyModel | None] = PerFolder(AgencyModel.load)


def get_agency_model() -> AgencyModel | None:
    """The artifact in settings.agency_model_dir, loaded once per process (None: none)."""
    from triage.settings import get_settings

    return _models.get(get_settings().agency_model_dir)


def reset_agency_model_cache() -> None:
    _models.clear()
