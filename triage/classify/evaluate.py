"""Scores of a classifier on labelled cases, through the same path production uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from triage.classify.corpus import Example
from triage.classify.model import Classification, Classifier
from triage.taxonomy import FLAGS, TOPICS
from triage.text.normalize import strip_accents


def _r(x: Any) -> float:
    return round(float(x), 4)


def topic_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    labels = list(TOPICS)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return {
        "accuracy": _r(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
        "macro_f1": _r(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            t: {"precision": _r(p[i]), "recall": _r(r[i]), "f1": _r(f[i]), "support": int(s[i])}
            for i, t in enumerate(labels)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def flag_report(examples: Sequence[Example], preds: Sequence[Classification]) -> dict[str, Any]:
    out = {}
    for flag in FLAGS:
        y = [flag in ex.flags for ex in examples]
        yp = [flag in c.flags for c in preds]
        p, r, f, _ = precision_recall_fscore_support(
            y, yp, average="binary", zero_division=0
        )
        out[flag] = {"precision": _r(p), "recall": _r(r), "f1": _r(f), "support": int(sum(y))}
    return out


def review_report(examples: Sequence[Example], preds: Sequence[Classification]) -> dict[str, Any]:
    """How much goes through without review, and how right that part is."""
    auto = [(ex, c) for ex, c in zip(examples, preds, strict=True) if not c.needs_review]
    exact = [ex.topic == c.topic and set(ex.flags) == set(c.flags) for ex, c in auto]
    topic_ok = [ex.topic == c.topic for ex, c in auto]
    return {
        "auto_share": _r(len(auto) / max(len(examples), 1)),
        "auto_exact_precision": _r(np.mean(exact)) if auto else None,
        "auto_topic_precision": _r(np.mean(topic_ok)) if auto else None,
    }


def evaluate_view(classifier: Classifier, examples: Sequence[Example], texts: Sequence[str]
                  ) -> dict[str, Any]:
    preds = classifier.classify_many(list(texts))
    report = topic_report([e.topic for e in examples], [c.topic for c in preds])
    return {
        "n": len(examples),
        "topic": report,
        "flags": flag_report(examples, preds),
        "review": review_report(examples, preds),
    }


def evaluate(classifier: Classifier, examples: Sequence[Example]) -> dict[str, Any]:
    """Scores on the cases as written and with every diacritic stripped."""
    as_written = evaluate_view(classifier, examples, [e.text for e in examples])
    stripped = evaluate_view(classifier, examples, [strip_accents(e.text) for e in examples])
    accented = [e for e in examples if strip_accents(e.text) != e.text]
    accented_only = evaluate_view(classifier, accented, [e.text for e in accented])
    return {"as_written": as_written, "stripped": stripped, "accented_only": accented_only}


def headline(metrics: dict[str, Any]) -> dict[str, float]:
    """The figures the issue sets goals on, flat."""
    aw, st = metrics["as_written"], metrics["stripped"]
    out = {
        "topic_macro_f1": aw["topic"]["macro_f1"],
        "topic_macro_f1_stripped": st["topic"]["macro_f1"],
    }
    for flag in FLAGS:
        out[f"{flag}_f1"] = aw["flags"][flag]["f1"]
        out[f"{flag}_f1_stripped"] = st["flags"][flag]["f1"]
    return out
