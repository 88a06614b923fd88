"""Retraining from corrections as a task: train a candidate, promote it only if it is not
worse on the fixed test split (the training module decides and records it). The learned
agency (triage.routing.learned) is retrained with it, gated on its held-out month."""

from __future__ import annotations

from triage.classify.fitting import TrainConfig
from triage.classify.model import reset_classifier_cache
from triage.classify.train import train
from triage.understand.record import all_corrections


def retrain_with_corrections() -> str:
    from triage.routing.learned_train import retrain as retrain_agency

    retrain_agency()  # the learned agency is retrained with the topic model, on its own gate
    extra = all_corrections()
    if not extra:
        return "no_corrections"
    result = train(extra=extra, candidate=True, config=TrainConfig(compare=False),
                   progress=False)
    if result.promoted:
        reset_classifier_cache()
        return "promoted"
    return "kept"
