"""Training the urgency model from the corpus lines that carry an ``urgency`` label.

Same steps as the topic model where they apply: the corpus reader and its fixed
hash split (the test cases are never trained on), an accent-stripped copy of each
training case, TF-IDF blocks from triage.classify.features, the artifact written by
``Classifier.save``. The model is one multinomial logistic regression (its softmax is
already a probability, so the artifact's scaling is the identity). Scores are given for
the model alone and for the reader (model plus cues), on the test split as written and
accent-stripped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from triage.classify.corpus import Example, data_hash, load_corpus, split
from triage.classify.features import FeatureSet, make_doc
from triage.classify.model import Classifier
from triage.classify.train import augmented
from triage.classify.urgency import LEVELS, UrgencyReader, load_cues
from triage.text.normalize import normalize, strip_accents

BLOCKS = ("syl", "syl_str", "chr_str")
C = 4.0
SEED = 1022
# Urgent cases are few (about one in eighteen): weighting them up trades a little
# precision for the recall that matters more here (see the model card).
CLASS_WEIGHT = "balanced"


def labelled(corpus_dir: Path) -> list[Example]:
    return [e for e in load_corpus(corpus_dir).examples if e.urgency and not e.topic_only]


# The model's "khan" needs at least this probability, chosen on a validation part of the
# training split as the lowest at which at most this share of ordinary cases is called
# urgent: class weights alone called a plain broken street light urgent.
MAX_ORDINARY_KHAN = 0.02
THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(14)]


def is_validation(example: Example) -> bool:
    digest = hashlib.sha256(f"urgency-valid:{example.id}".encode()).hexdigest()
    return int(digest[:8], 16) % 5 == 0


def khan_threshold(train: Sequence[Example]) -> float:
    part = [e for e in train if not is_validation(e)]
    ordinary = [e.text for e in train if is_validation(e) and e.urgency == "thuong"]
    model = fit(part, "validation", 0.0)
    p = [c.topic_scores.get("khan", 0.0) for c in model.classify_many(ordinary)]
    for t in THRESHOLDS:
        if sum(x >= t for x in p) <= MAX_ORDINARY_KHAN * len(p):
            return t
    return THRESHOLDS[-1]


def fit(train: Sequence[Example], version: str, threshold: float) -> Classifier:
    from sklearn.linear_model import LogisticRegression

    examples, texts, _ = augmented(train)
    docs = [make_doc(normalize(t), False) for t in texts]
    features, X = FeatureSet.fit_transform(BLOCKS, docs, min_df=2)
    y = [LEVELS.index(e.urgency) for e in examples]
    lr = LogisticRegression(C=C, max_iter=3000, class_weight=CLASS_WEIGHT,
                            random_state=SEED).fit(X, y)
    n = len(LEVELS)
    meta = {"version": version, "topics": list(LEVELS), "flags": [], "flag_thresholds": {},
            "flag_nb_share": {}, "review_threshold": 0.0, "kind": "urgency",
            "khan_threshold": threshold,
            "blocks": list(BLOCKS), "C": C, "class_weight": CLASS_WEIGHT}
    return Classifier(features, {
        "weights": lr.coef_.T.astype(np.float32), "bias": lr.intercept_.astype(np.float32),
        "platt_a": np.ones(n, np.float32), "platt_b": np.zeros(n, np.float32),
    }, meta)


def scores(reader: UrgencyReader, cases: Sequence[Example], stripped: bool = False
           ) -> dict[str, Any]:
    """Precision and recall per level, and the share of ordinary cases called urgent."""
    got = [reader.read(strip_accents(e.text) if stripped else e.text).level for e in cases]
    want = [e.urgency for e in cases]
    out: dict[str, Any] = {"cases": len(cases)}
    for level in LEVELS:
        tp = sum(g == w == level for g, w in zip(got, want, strict=True))
        n_got, n_want = got.count(level), want.count(level)
        out[level] = {"precision": round(tp / n_got, 4) if n_got else None,
                      "recall": round(tp / n_want, 4) if n_want else None, "support": n_want}
    ordinary = [g for g, w in zip(got, want, strict=True) if w == "thuong"]
    out["ordinary_called_khan"] = round(ordinary.count("khan") / max(len(ordinary), 1), 4)
    out["ordinary_called_not_thuong"] = round(
        sum(g != "thuong" for g in ordinary) / max(len(ordinary), 1), 4)
    return out


def train_urgency(corpus_dir: Path, out: Path) -> dict[str, Any]:
    cases = labelled(corpus_dir)
    train, test = split(cases)
    version = "urgency-" + data_hash(train)[:12]
    model = fit(train, version, khan_threshold(train))
    cues = load_cues()
    metrics = {
        "version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_cases": len(train), "test_cases": len(test),
        "khan_threshold": model.meta["khan_threshold"],
        "model_only": scores(UrgencyReader(model, ()), test),
        "reader": scores(UrgencyReader(model, cues), test),
        "reader_stripped": scores(UrgencyReader(model, cues), test, stripped=True),
        "cues_only": scores(UrgencyReader(None, cues), test),
    }
    # The artifact is fitted on the training split only: its test scores stay honest.
    model.save(out)
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(card(metrics), encoding="utf-8")
    return metrics


def card(metrics: dict[str, Any]) -> str:
    rows = []
    for name, label in (("reader", "model + cues (what the service uses)"),
                        ("reader_stripped", "model + cues, test texts accent-stripped"),
                        ("model_only", "model alone"), ("cues_only", "cues alone")):
        m = metrics[name]
        cells = [f"{m[lv]['precision']} / {m[lv]['recall']}" for lv in LEVELS]
        rows.append(f"| {label} | {' | '.join(cells)} | {m['ordinary_called_khan']:.1%} |")
    support = ", ".join(f"{lv} {metrics['reader'][lv]['support']}" for lv in LEVELS)
    return f"""# Model card: urgency of 1022 complaints

- Version: `{metrics['version']}`; trained {metrics['trained_at']} by `triage train-urgency`.
- Artifact: `model.json` + `model.npz` in the topic model's format (plain data, SHA-256 in
  `SHA256SUMS`, checked on load): a `Classifier` whose outputs are the levels `khan`,
  `dong_nguoi`, `thuong`, with no flags.
- Model: multinomial logistic regression (C={C}, class weights {CLASS_WEIGHT}) over TF-IDF
  blocks {", ".join(BLOCKS)} (syllable 1-2-grams as written and accent-stripped,
  accent-stripped character 2-5-grams).
- The model calls a case `khan` only at a probability of at least
  {metrics['khan_threshold']} (else the likelier of the other two levels): the lowest
  threshold at which at most {MAX_ORDINARY_KHAN:.0%} of ordinary cases in a validation part
  of the training split (a fifth, by a hash of the id) were called urgent.
- Cues: `data/urgency/cues.csv`, matched on the accent-stripped text word by word; a cue
  can raise the model's level, never lower it. The reason names the cue, or the words that
  pushed the model hardest.

## Data

Lines of `data/corpus/*.jsonl` with an `urgency` label (see `data/corpus/GUIDE.md`), split
by the corpus's fixed hash of the case id: {metrics['train_cases']} training cases (plus an
accent-stripped copy of each), {metrics['test_cases']} test cases never trained on
({support}).

## Test split: precision / recall per level

| reader | khan | dong_nguoi | thuong | ordinary called khan |
| --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Class weights trade precision of `khan` for recall: an urgent complaint missed waits days,
an ordinary one called urgent costs an agency a quick look. The issue's bar (ordinary
complaints called urgent at most 5%) holds on the test split; `tests/classify/test_urgency.py`
checks it on the shipped artifact.

## Limits

All text was written by this project; no real complaint carries an urgency label yet, so
these scores are an upper bound. `khan` recall is the weak point: danger told without its
usual words (a wall "leaning", a bank "cracking") is often read as ordinary.
"""
