"""Real complaints in training: calibration on them, the gate that judges on them, and the
cross-validated figures of a province's history (small corpora, fast configuration)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from triage.classify.corpus import Example, is_test_case, load_corpus
from triage.classify.fitting import TrainConfig
from triage.classify.model import Classifier
from triage.classify.realtext import held_by_time
from triage.classify.train import train
from triage.settings import get_settings
from triage.taxonomy import TOPICS

FAST = TrainConfig(compare=False, holdout=False, folds=3, refit_all=False)


def _write(path: Path, cases: list[Example]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"id": e.id, "text": e.text, "topic": e.topic, "flags": list(e.flags)},
                        ensure_ascii=False) for e in cases]
    (path / "sample.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return load_corpus(Path(get_settings().corpus_dir)).examples


@pytest.fixture(scope="module")
def first_corpus(corpus: list[Example], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first corpus's plain registers only: 15 cases a topic."""
    picked: list[Example] = []
    for topic in TOPICS:
        picked += [e for e in corpus if e.topic == topic and e.id.startswith("c")][:15]
    return _write(tmp_path_factory.mktemp("first"), picked)


def _history(corpus: list[Example], per_topic: int, skip: int = 0) -> list[Example]:
    """Complaints in the registers the small corpus lacks, standing in for a history."""
    out: list[Example] = []
    for topic in TOPICS:
        mine = [e for e in corpus if e.topic == topic and e.id.startswith("r")
                and not is_test_case(e.id)]
        out += mine[skip:skip + per_topic]
    return out


def test_history_is_trained_on_reported_out_of_fold_and_judges(
        corpus: list[Example], first_corpus: Path, tmp_path: Path) -> None:
    base = train(first_corpus, tmp_path / "m", config=FAST, progress=False)
    assert base.promoted
    history = _history(corpus, 8)
    result = train(first_corpus, tmp_path / "m", history=history, candidate=True,
                   config=FAST, progress=False)
    real = result.metrics["real"]
    assert real["real_training_cases"] == len(history)
    assert real["real_training"]["n"] == len(history)
    judge = real["judge"]
    assert judge["mode"] == "folds" and judge["n"] == len(history)
    # the recipe that learns from the history does better on it than the model without it
    assert judge["candidate"] > judge["current"]
    assert result.promoted, result.reason
    assert Classifier.load(tmp_path / "m").version == result.metrics["version"]


def test_a_yardstick_calibrates_and_is_reported_cross_validated(
        corpus: list[Example], first_corpus: Path, tmp_path: Path) -> None:
    yardstick = _history(corpus, 6, skip=20)
    result = train(first_corpus, tmp_path / "m", yardstick=yardstick, config=FAST,
                   progress=False)
    real = result.metrics["real"]
    assert real["calibration_source"].startswith("yardstick")
    assert real["yardstick"]["n"] == len(yardstick)
    assert real["real_training_cases"] == 0
    # The review threshold is fitted tighter than 95 % on the yardstick until what it
    # routes is 95 % right out of fold (cross-validated), or as tight as 99 %.
    fitted_to = real["review_fitted_to"]
    assert 0.95 <= fitted_to <= 0.99
    precision = real["yardstick"]["review"]["auto_exact_precision"]
    assert precision is None or precision >= 0.95 or fitted_to == 0.99
    model = Classifier.load(tmp_path / "m")
    assert model.meta["calibration"].startswith("yardstick")
    # a later retraining with a few corrections keeps the real-text calibration
    fixes = [(e.text, e.topic, list(e.flags)) for e in _history(corpus, 1, skip=40)]
    again = train(first_corpus, tmp_path / "m", extra=fixes, candidate=True, config=FAST,
                  progress=False)
    assert again.metrics["real"]["calibration_source"] == f"carried from {model.version}"


def test_the_current_model_is_judged_on_the_yardstick_as_the_candidate_is(
        corpus: list[Example], first_corpus: Path, tmp_path: Path) -> None:
    """The current model's calibration was fitted on the yardstick: judged with it in
    sample, it would beat the same model judged out of fold. Trained again on the same
    text, the candidate is that same model and must score the same."""
    yardstick = _history(corpus, 6, skip=20)
    first = train(first_corpus, tmp_path / "m", yardstick=yardstick, config=FAST,
                  progress=False)
    again = train(first_corpus, tmp_path / "m", yardstick=yardstick, candidate=True,
                  config=FAST, progress=False)
    judge = again.metrics["real"]["judge"]
    assert judge["mode"] == "yardstick"
    assert judge["current"] == judge["candidate"] \
        == first.metrics["real"]["judge"]["candidate"]
    assert again.promoted


def test_the_newest_month_is_held_out_when_it_is_big_enough() -> None:
    cases = [Example(f"h{i}", f"t{i}", "khac", (), when=date(2026, 10 + (i >= 30), 5))
             for i in range(55)]
    held = held_by_time(cases)
    assert held == list(range(30, 55))
    assert held_by_time(cases[:40]) is None  # 10 in the newest month: too few
    assert held_by_time([Example("x", "t", "khac", ())] * 50) is None  # no dates
