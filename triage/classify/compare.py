"""Feature sets compared on the fixed test split; the result goes in the model card."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import f1_score

from triage.classify.corpus import Example
from triage.classify.features import (
    FEATURE_SETS,
    SEGMENTED_VIEWS,
    Block,
    Doc,
    FeatureSet,
    fit_block,
    make_doc,
)
from triage.classify.fitting import (
    FLAGS_LIST,
    TOPICS_LIST,
    Step,
    TrainConfig,
    fit_all,
    known,
    output_targets,
)
from triage.text.normalize import normalize


@dataclass
class Prepared:
    """Everything the comparison and the final fit read, built once."""

    train: list[Example]  # with augmented copies
    groups: list[int]
    train_docs: list[Doc]
    test: list[Example]
    test_docs: list[Doc]
    test_stripped_docs: list[Doc]


@dataclass
class Matrices:
    train: sp.csr_matrix
    test: sp.csr_matrix
    test_stripped: sp.csr_matrix


def _quick_scores(m: Matrices, prep: Prepared, config: TrainConfig, nb: bool = True
                  ) -> dict[str, float]:
    """Test-split scores of uncalibrated models (every output cut at decision 0)."""
    weights, bias = fit_all(m.train, output_targets(prep.train), config, nb)
    truth = output_targets(prep.test)
    topics = np.array([e.topic for e in prep.test])
    n = len(TOPICS_LIST)
    out: dict[str, float] = {}
    for suffix, X in (("", m.test), ("_stripped", m.test_stripped)):
        decision = X @ weights + bias
        pred = np.array(TOPICS_LIST)[decision[:, :n].argmax(axis=1)]
        out["topic_macro_f1" + suffix] = round(float(f1_score(
            topics, pred, labels=TOPICS_LIST, average="macro", zero_division=0)), 4)
        for j, flag in enumerate(FLAGS_LIST):
            taught = known(truth[:, n + j])
            out[f"{flag}_f1{suffix}"] = round(float(f1_score(
                truth[taught, n + j] == 1, decision[taught, n + j] >= 0, zero_division=0)), 4)
    keys = ["topic_macro_f1", "topic_macro_f1_stripped"] + [f"{f}_f1" for f in FLAGS_LIST]
    out["mean"] = round(float(np.mean([out[k] for k in keys])), 4)
    return out


def _ms_per_doc(features: FeatureSet, texts: Sequence[str]) -> float:
    """CPU milliseconds per complaint for normalisation and features (CPU time, so that
    other work on a shared machine distorts it less than wall time would)."""
    segment = features.segmented
    start = time.process_time()
    for text in texts:
        features.transform_one(make_doc(normalize(text), segment))
    return round(1000 * (time.process_time() - start) / max(len(texts), 1), 3)


def _blocks(prep: Prepared, config: TrainConfig) -> dict[str, tuple[Block, Matrices]]:
    """Each block fitted once; the feature sets are unions of these."""
    out = {}
    for name in dict.fromkeys(n for names in FEATURE_SETS.values() for n in names):
        block, X = fit_block(name, prep.train_docs, config.min_df)
        alone = FeatureSet([block])
        out[name] = (block, Matrices(X, alone.transform(prep.test_docs),
                                     alone.transform(prep.test_stripped_docs)))
    return out


def compare_feature_sets(prep: Prepared, config: TrainConfig, step: Step | None = None
                         ) -> tuple[dict[str, Any], dict[str, tuple[FeatureSet, sp.csr_matrix]]]:
    """Scores per feature set, and the fitted sets with their training matrices (reused
    by the final fit). The plain-LinearSVC row shows what NB scaling adds."""
    sample = [e.text for e in prep.test[:300]]
    blocks = _blocks(prep, config)
    out: dict[str, Any] = {}
    fitted: dict[str, tuple[FeatureSet, sp.csr_matrix]] = {}
    for name, names in FEATURE_SETS.items():
        features = FeatureSet([blocks[n][0] for n in names])
        m = Matrices(*(sp.hstack([getattr(blocks[n][1], part) for n in names], format="csr")
                       for part in ("train", "test", "test_stripped")))
        fitted[name] = (features, m.train)
        extra = {"n_features": features.n_features,
                 "ms_per_complaint": _ms_per_doc(features, sample)}
        out[name] = {**_quick_scores(m, prep, config), **extra}
        if name == "raw":
            out["raw, plain LinearSVC"] = {**_quick_scores(m, prep, config, nb=False), **extra}
        if step:
            step(f"so sánh đặc trưng: {name}")
    return out, fitted


def choose_feature_set(comparison: dict[str, Any], margin: float) -> tuple[str, str]:
    sets = [n for n in comparison if n in FEATURE_SETS]
    best = max(sets, key=lambda n: (comparison[n]["mean"], n))
    plain = [n for n in sets if not set(FEATURE_SETS[n]) & SEGMENTED_VIEWS]
    best_plain = max(plain, key=lambda n: (comparison[n]["mean"], n))
    gain = comparison[best]["mean"] - comparison[best_plain]["mean"]
    if best != best_plain and gain < margin:
        return best_plain, (
            f"'{best}' scores {gain:+.4f} over '{best_plain}' (under the {margin} margin) "
            "but needs word segmentation, which is several times slower")
    return best, f"highest mean test score ({comparison[best]['mean']:.4f})"
