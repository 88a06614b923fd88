"""A harder estimate than the test split: complaints from a writer the model never saw.

The corpus was written by several authors, most of whom covered a few topics each, so
a random split lets the model lean on an author's style. Here a source (the file-name
prefix of the case id, e.g. "c7") that spreads over many topics without owning any is
held out entirely: the same recipe is refitted without it and scored on all its cases.
The calibration and thresholds of the full model are reused; only weights are refitted.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from triage.classify.compare import Prepared
from triage.classify.corpus import Example, load_corpus
from triage.classify.evaluate import evaluate
from triage.classify.fitting import TrainConfig, output_targets, refit_weights
from triage.classify.model import Classifier
from triage.settings import REPO_ROOT
from triage.text.diacritics import Restorer

MIN_TOPICS = 10
MAX_TOPIC_SHARE = 0.3


def source_of(example: Example) -> str:
    return example.id.split("-", 1)[0]


def pick_source(examples: list[Example]) -> str | None:
    """The source with the most topics among those whose removal leaves every topic
    with at least 70% of its cases (a source that wrote a topic cannot test it)."""
    per_topic: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    topic_sizes: dict[str, int] = defaultdict(int)
    for ex in examples:
        per_topic[source_of(ex)][ex.topic] += 1
        topic_sizes[ex.topic] += 1
    fit = [
        s for s, counts in per_topic.items()
        if len(counts) >= MIN_TOPICS
        and all(n <= MAX_TOPIC_SHARE * topic_sizes[t] for t, n in counts.items())
    ]
    return max(fit, key=lambda s: (len(per_topic[s]), sum(per_topic[s].values()), s),
               default=None)


def unseen_source_scores(prep: Prepared, classifier: Classifier, X: sp.csr_matrix,
                         config: TrainConfig) -> dict[str, Any] | None:
    source = pick_source([*prep.train, *prep.test])
    if source is None:
        return None
    keep = np.array([source_of(e) != source for e in prep.train])
    Y = output_targets(prep.train)
    weights, bias = refit_weights(X[keep], Y[keep], config, classifier.flag_mix())
    refitted = Classifier(classifier.features, {
        "weights": weights.astype(np.float32), "bias": bias.astype(np.float32),
        "platt_a": classifier.platt_a, "platt_b": classifier.platt_b,
    }, dict(classifier.meta))
    if classifier.restorer is not None:  # nor has the restorer read that writer
        refitted.restorer = Restorer.fit(d["acc"] for d, k in zip(prep.train_docs, keep,
                                                                  strict=True) if k)
    seen: set[str] = set()
    held: list[Example] = []
    for ex in [*prep.train, *prep.test]:  # each case once (training holds stripped copies)
        if source_of(ex) == source and ex.id not in seen:
            seen.add(ex.id)
            held.append(ex)
    scores = evaluate(refitted, held)
    return {"source": source, "cases": len(held), "training_cases": int(keep.sum()),
            **scores}


HELDOUT_DIR = REPO_ROOT / "data" / "eval"


def heldout_scores(classifier: Classifier, directory: Path = HELDOUT_DIR
                   ) -> dict[str, Any] | None:
    """Scores on data/eval: complaints written apart from the corpus, never trained on."""
    if not directory.is_dir():
        return None
    cases = load_corpus(directory).examples
    if not cases:
        return None
    return {"cases": len(cases), **evaluate(classifier, cases)}
