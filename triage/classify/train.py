"""Deterministic training from data/corpus/*.jsonl (plus optional corrections).

Steps: read and de-duplicate the corpus; split by a hash of the case id (fixed test
set); add an accent-stripped copy of every accented TRAINING case; compare feature sets
on the test split; fit the chosen features, one LinearSVC per output, Platt scaling on
out-of-fold decisions (a case and its stripped copy always share a fold) and the review
threshold; evaluate on the test split; write the artifact, metrics and model card.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import Progress

from triage.classify import card, realtext
from triage.classify.compare import Prepared, choose_feature_set, compare_feature_sets
from triage.classify.corpus import (
    Example,
    data_hash,
    dedupe,
    dedupe_key,
    load_corpus,
    split,
)
from triage.classify.evaluate import evaluate, headline
from triage.classify.features import FEATURE_SETS, SEGMENTED_VIEWS, Doc, FeatureSet, make_doc
from triage.classify.fitting import (
    FLAGS_LIST,
    TOPICS_LIST,
    Step,
    TrainConfig,
    calibrate,
    fit_outputs,
)
from triage.classify.holdout import heldout_scores, unseen_source_scores
from triage.classify.model import Classifier, ModelNotTrained
from triage.classify.realtext import GUARD_DROP
from triage.settings import get_settings
from triage.taxonomy import FLAGS, TOPICS
from triage.text.diacritics import Restorer
from triage.text.normalize import normalize, strip_accents


@dataclass
class TrainResult:
    path: Path
    metrics: dict[str, Any]
    promoted: bool
    reason: str = ""
    seconds: float = 0.0
    comparison: dict[str, Any] = field(default_factory=dict)


# (text, topic, flags) or (text, topic, flags, the day it was made)
Correction = tuple[str, str, Sequence[str]] | tuple[str, str, Sequence[str], date | None]


def _docs(texts: Sequence[str], segment: bool, progress: Progress | None, label: str
          ) -> list[Doc]:
    task = progress.add_task(label, total=len(texts)) if progress else None
    out = []
    for text in texts:
        out.append(make_doc(normalize(text), segment))
        if progress and task is not None:
            progress.advance(task)
    return out


def augmented(train: Sequence[Example]) -> tuple[list[Example], list[str], list[int]]:
    """Training cases plus an accent-stripped copy of each accented one, with groups."""
    examples, texts, groups = [], [], []
    for i, ex in enumerate(train):
        examples.append(ex)
        texts.append(ex.text)
        groups.append(i)
        bare = strip_accents(ex.text)
        if bare != ex.text:
            examples.append(ex)
            texts.append(bare)
            groups.append(i)
    return examples, texts, groups


# --- the final model -------------------------------------------------------------------


def _prepare(train: Sequence[Example], test: Sequence[Example], segment: bool,
             progress: Progress | None) -> Prepared:
    examples, texts, groups = augmented(train)
    return Prepared(
        train=examples, groups=groups,
        train_docs=_docs(texts, segment, progress, "Chuẩn hóa dữ liệu huấn luyện"),
        test=list(test),
        test_docs=_docs([e.text for e in test], segment, progress, "Chuẩn hóa tập kiểm tra"),
        test_stripped_docs=_docs([strip_accents(e.text) for e in test], segment, progress,
                                 "Chuẩn hóa tập kiểm tra (bỏ dấu)"),
    )


def _real_cases(extra: Iterable[Correction], history: Iterable[Example]) -> list[Example]:
    """Corrections (newest first) and history as cases with ids of their own; a correction's
    optional fourth item is the day it was made."""
    out = [
        Example(f"correction-{hashlib.sha256(c[0].encode()).hexdigest()[:12]}", c[0], c[1],
                tuple(sorted(set(c[2]))), when=c[3] if len(c) > 3 else None)
        for c in extra
    ]
    out += [Example(f"history-{hashlib.sha256(e.text.encode()).hexdigest()[:12]}", e.text,
                    e.topic, e.flags, e.style, e.when) for e in history]
    return [e for e in out if e.topic in TOPICS and all(f in FLAGS for f in e.flags)]


def _with_real(train: Sequence[Example], test: Sequence[Example], real: Sequence[Example],
               yardstick: Sequence[Example]) -> tuple[list[Example], set[str]]:
    """Training cases with the province's real ones first (they win over a corpus case with
    the same text), and the ids of the real ones kept; a test or yardstick text is never
    trained on."""
    unseen = {dedupe_key(e.text) for e in (*test, *yardstick)}
    merged = dedupe([*(e for e in real if dedupe_key(e.text) not in unseen), *train])
    return merged, {e.id for e in merged if e.id.startswith(("correction-", "history-"))}


def _version(dhash: str, n_extra: int, config: TrainConfig, yardstick: str = "") -> str:
    blob = json.dumps([dhash, n_extra, asdict(config), *([yardstick] if yardstick else [])],
                      sort_keys=True).encode()
    return "tf-" + hashlib.sha256(blob).hexdigest()[:10]


def _fit_final(prep: Prepared, blocks: Sequence[str], config: TrainConfig, version: str,
               step: Step, fitted: tuple[FeatureSet, Any] | None = None
               ) -> tuple[Classifier, dict[str, Any], Any]:
    features, X = fitted or FeatureSet.fit_transform(blocks, prep.train_docs, config.min_df)
    arrays, oof = fit_outputs(X, prep.train, prep.groups, config, step)
    mix = arrays.pop("flag_mix")
    meta = {"version": version, "topics": TOPICS_LIST, "flags": FLAGS_LIST,
            "flag_thresholds": dict.fromkeys(FLAGS, 0.5), "review_threshold": 0.0,
            "flag_nb_share": {f: float(m) for f, m in zip(FLAGS_LIST, mix, strict=True)}}
    classifier = Classifier(features, arrays, meta)
    if config.restore_diacritics:
        classifier.restorer = Restorer.fit(d["acc"] for d in prep.train_docs)
    return classifier, calibrate(classifier, oof, prep.train, config.target_precision), X


def _promotion(candidate: dict[str, float], current: dict[str, float] | None,
               judge: dict[str, Any] | None = None) -> tuple[bool, str]:
    """Judged on real complaints when there are some (``judge``: the candidate's and the
    current model's scores on them), our own test split only guarding against a collapse;
    without real complaints, not worse on the test split: mean of the headline scores no
    lower, and no single score down by more than one point."""
    if current is None:
        return True, "no current model"
    if judge is not None and judge.get("current") is not None:
        own_c, own_o = candidate["topic_macro_f1"], current["topic_macro_f1"]
        if own_c < own_o - GUARD_DROP:
            return False, f"own test split collapsed: macro-F1 {own_c:.4f} vs {own_o:.4f}"
        verdict = judge["candidate"] >= judge["current"]
        detail = (f"real complaints ({judge['mode']}, n={judge['n']}): {judge['candidate']:.4f}"
                  f" vs current {judge['current']:.4f}")
        return verdict, detail
    keys = [k for k in candidate if k in current]
    mean_c = float(np.mean([candidate[k] for k in keys]))
    mean_o = float(np.mean([current[k] for k in keys]))
    drops = [k for k in keys if candidate[k] < current[k] - 0.01]
    if mean_c >= mean_o and not drops:
        return True, f"mean {mean_c:.4f} >= current {mean_o:.4f}"
    detail = f"; dropped: {', '.join(drops)}" if drops else ""
    return False, f"mean {mean_c:.4f} vs current {mean_o:.4f}{detail}"


def _current(model_dir: Path) -> Classifier | None:
    try:
        return Classifier.load(model_dir)
    except ModelNotTrained:
        return None


def _current_headline(model_dir: Path, current: Classifier | None,
                      test: Sequence[Example]) -> dict[str, float] | None:
    """The current recipe's own-split figures, as its training recorded them (a model refitted
    on every case has seen the test split, so scoring it there again would flatter it)."""
    if current is None:
        return None
    try:
        recorded = json.loads((model_dir / "metrics.json").read_text(encoding="utf-8"))
        return dict(recorded["headline"])
    except (OSError, ValueError, KeyError):
        return headline(evaluate(current, test))


def _data_summary(corpus_files: int, examples: Sequence[Example], train: Sequence[Example],
                  test: Sequence[Example], n_extra: int, skipped: int, duplicates: int
                  ) -> dict[str, Any]:
    return {
        "files": corpus_files, "cases": len(examples), "train": len(train), "test": len(test),
        "corrections": n_extra, "skipped_lines": skipped, "duplicates_removed": duplicates,
        "without_diacritics": sum(strip_accents(e.text) == e.text for e in examples),
        "topic_only": sum(e.topic_only for e in examples),
        "per_topic": {t: sum(e.topic == t for e in examples) for t in TOPICS},
        "per_flag": {f: sum(f in e.flags for e in examples) for f in FLAGS},
        "data_hash": data_hash(examples),
    }


def _write(model_dir: Path, classifier: Classifier, metrics: dict[str, Any]) -> None:
    """Write into a fresh directory, then swap it in, so readers never see half a model."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{model_dir.name}-", dir=model_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the service may run as another user
    classifier.save(tmp)
    metrics["artifact_bytes"] = sum(p.stat().st_size for p in tmp.iterdir())
    (tmp / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (tmp / "MODEL_CARD.md").write_text(card.render(metrics), encoding="utf-8")
    old = model_dir.with_name(f".{model_dir.name}-old")
    if old.exists():
        shutil.rmtree(old)
    if model_dir.exists():
        model_dir.rename(old)
    tmp.rename(model_dir)
    shutil.rmtree(old, ignore_errors=True)


def _refit_all(cases: Sequence[Example], segment: bool, config: TrainConfig, version: str,
               fit_report: dict[str, Any], bar: Progress) -> tuple[Classifier, Prepared, Any]:
    """The shipped model: the same recipe fitted on every case, the test split included."""
    prep = _prepare(cases, [], segment, bar)
    steps = bar.add_task("Huấn luyện lại trên toàn bộ dữ liệu", total=config.folds)
    step: Step = lambda label: bar.update(steps, advance=1, description=label)  # noqa: E731
    chosen = fit_report["features"]["chosen"]
    classifier, calibration, X = _fit_final(prep, FEATURE_SETS[chosen], config, version, step)
    fit_report["calibration"] = calibration
    return classifier, prep, X


def _fit(prep: Prepared, config: TrainConfig, version: str, bar: Progress
         ) -> tuple[Classifier, dict[str, Any], Any]:
    """Compare feature sets, fit the chosen one, score a held-out writer."""
    steps = bar.add_task("Huấn luyện", total=(3 if config.compare else 0) + config.folds)
    step: Step = lambda label: bar.update(steps, advance=1, description=label)  # noqa: E731
    comparison, fitted = compare_feature_sets(prep, config, step) if config.compare \
        else ({}, {})
    name, why = (config.feature_set, "set in the training configuration")
    if config.feature_set == "auto":
        name, why = (choose_feature_set(comparison, config.segmentation_margin)
                     if comparison else ("raw", "default (no comparison run)"))
    classifier, calibration, X = _fit_final(prep, FEATURE_SETS[name], config, version, step,
                                            fitted.get(name))
    return classifier, {
        "features": {"chosen": name, "why": why, "comparison": comparison},
        "calibration": calibration,
        "unseen_source": unseen_source_scores(prep, classifier, X, config)
        if config.holdout else None,
    }, X


def train(
    corpus_dir: Path | None = None, model_dir: Path | None = None,
    extra: Iterable[Correction] = (), candidate: bool = False,
    config: TrainConfig = TrainConfig(), progress: bool = True,
    history: Sequence[Example] = (), yardstick: Sequence[Example] = (),
) -> TrainResult:
    """Train on the corpus (plus ``extra`` corrections and ``history``, the province's own
    labelled complaints) and write the artifact.

    Probabilities and thresholds are fitted on real complaints where there are some (see
    ``realtext``): the ``yardstick`` (never trained on), else the real training cases out
    of fold, else the current model's real-text calibration is kept. With
    ``candidate=True`` the new model replaces the current one only if it is not worse on
    real complaints (see ``_promotion``).
    """
    started = time.perf_counter()
    settings = get_settings()
    model_dir = Path(model_dir or settings.model_dir)
    corpus = load_corpus(Path(corpus_dir or settings.corpus_dir))
    train_cases, test = split(corpus.examples)
    train_cases, real_ids = _with_real(train_cases, test, _real_cases(extra, history),
                                       yardstick)
    all_cases = [*train_cases, *test]
    version = _version(data_hash(all_cases), len(real_ids), config,
                       data_hash(yardstick) if yardstick else "")
    segment = config.compare or set(FEATURE_SETS.get(config.feature_set, ())) & SEGMENTED_VIEWS
    current = _current(model_dir)
    with Progress(disable=not progress, transient=True) as bar:
        prep = _prepare(train_cases, test, bool(segment), bar)
        classifier, fit_report, X = _fit(prep, config, version, bar)
        test_scores = evaluate(classifier, test)  # the recipe without the test split
        if config.refit_all:
            classifier, prep, X = _refit_all(all_cases, bool(segment), config, version,
                                             fit_report, bar)
        real_report = realtext.assess(classifier, X, prep.train, prep.groups, real_ids,
                                      yardstick, current, config)
    metrics: dict[str, Any] = {
        "version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": _data_summary(corpus.files, all_cases, train_cases, test, len(real_ids),
                              corpus.skipped_lines, corpus.duplicates),
        "config": asdict(config), **fit_report, "heldout_set": heldout_scores(classifier),
        "real": real_report, "test": test_scores,
        "n_features": classifier.features.n_features,
    }
    metrics["headline"] = headline(metrics["test"])
    promoted, reason = True, "trained"
    if candidate:
        now = _current_headline(model_dir, current, test)
        promoted, reason = _promotion(metrics["headline"], now, real_report.get("judge"))
    metrics["promotion"] = {"candidate": candidate, "promoted": promoted, "reason": reason}
    metrics["training_seconds"] = round(time.perf_counter() - started, 1)
    if promoted:
        _write(model_dir, classifier, metrics)
    return TrainResult(model_dir, metrics, promoted, reason, metrics["training_seconds"],
                       fit_report["features"]["comparison"])
