"""The yardstick figures of a labelled file (``triage evaluate``), through what
``triage classify`` answers: the review share counts an unsure route as well as an unsure
classification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from triage.classify.corpus import Example
from triage.classify.evaluate import _r, flag_report, topic_report
from triage.classify.model import Classification, Classifier
from triage.text.normalize import strip_accents
from triage.understand.service import understand


def _routed_view(classifier: Classifier, examples: Sequence[Example], texts: Sequence[str]
                 ) -> dict[str, Any]:
    """Scores of what ``triage classify`` answers: review counts an unsure route too, and
    the learned agency's disagreement with the rules."""
    seen = [understand(text, classifier) for text in texts]
    preds = [s.classification for s in seen if s.classification is not None]
    causes = [[r for r in s.review_reasons if not r.startswith("uncertain_")] for s in seen]
    review = [c.needs_review or bool(why) for c, why in zip(preds, causes, strict=True)]
    places: dict[str, int] = {}
    for s in seen:
        places[s.location.status] = places.get(s.location.status, 0) + 1
    auto = [(ex, c) for ex, c, r in zip(examples, preds, review, strict=True) if not r]
    report = topic_report([e.topic for e in examples], [c.topic for c in preds])
    return {
        "n": len(examples), "topic": report, "flags": flag_report(examples, preds),
        "review": {
            "share": _r(sum(review) / max(len(examples), 1)),
            "auto_exact_precision": _r(np.mean([ex.topic == c.topic and set(ex.flags)
                                                == set(c.flags) for ex, c in auto]))
            if auto else None,
            "auto_topic_precision": _r(np.mean([ex.topic == c.topic for ex, c in auto]))
            if auto else None,
            "model_share": _r(np.mean([c.needs_review for c in preds])),
            "reasons": _reason_counts(examples, preds, causes),
        },
        "locations": places,
        "predicted": [c.topic for c in preds],
    }


def _reason_counts(examples: Sequence[Example], preds: Sequence[Classification],
                   causes: Sequence[list[str]]) -> dict[str, dict[str, int]]:
    """Per review reason (``Understanding.review_reasons``, the ``uncertain_*`` details of
    ``low_confidence`` left out): the complaints it sends to review, those it alone sends there and,
    of these, the ones whose topic and flags were right: what the reason costs (30 exact
    answers sent to review by the learned agency alone were how its no-place bias showed)."""
    out: dict[str, dict[str, int]] = {}
    for ex, c, why in zip(examples, preds, causes, strict=True):
        for reason in why:
            row = out.setdefault(reason, {"n": 0, "alone": 0, "alone_exact": 0})
            row["n"] += 1
            if len(why) == 1:
                row["alone"] += 1
                row["alone_exact"] += int(ex.topic == c.topic and set(ex.flags) == set(c.flags))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["n"]))


def evaluate_labelled(classifier: Classifier, examples: Sequence[Example]) -> dict[str, Any]:
    """The yardstick figures of a labelled file: as written, accents stripped, by style."""
    as_written = _routed_view(classifier, examples, [e.text for e in examples])
    stripped = _routed_view(classifier, examples, [strip_accents(e.text) for e in examples])
    predicted = as_written.pop("predicted")
    stripped.pop("predicted")
    by_style: dict[str, Any] = {}
    for style in sorted({e.style for e in examples if e.style}):
        idx = [i for i, e in enumerate(examples) if e.style == style]
        sub = topic_report([examples[i].topic for i in idx], [predicted[i] for i in idx])
        by_style[style] = {"n": len(idx), "accuracy": sub["accuracy"],
                           "macro_f1": sub["macro_f1"]}
    gap = as_written["topic"]["macro_f1"] - stripped["topic"]["macro_f1"]
    return {"model_version": classifier.version, "as_written": as_written,
            "stripped": stripped, "stripped_gap": _r(gap), "by_style": by_style}
