"""Training on a small sample: deterministic, writes a loadable artifact, guards promotion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage.classify.corpus import Example, dedupe, is_test_case, load_corpus, split
from triage.classify.corrections import append_examples, load_corrections
from triage.classify.fitting import TrainConfig, choose_review_threshold
from triage.classify.model import Classifier
from triage.classify.train import _promotion, _real_cases, _with_real, train
from triage.settings import get_settings
from triage.taxonomy import TOPICS

FAST = TrainConfig(compare=False, holdout=False, folds=3, refit_all=False)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 20 cases per topic from the real corpus, in one file."""
    corpus = load_corpus(Path(get_settings().corpus_dir))
    picked: list[Example] = []
    for topic in TOPICS:
        picked += [e for e in corpus.examples if e.topic == topic][:20]
    path = tmp_path_factory.mktemp("corpus")
    lines = [json.dumps({"id": e.id, "text": e.text, "topic": e.topic, "flags": list(e.flags)},
                        ensure_ascii=False) for e in picked]
    (path / "sample.jsonl").write_text("\n".join(lines) + "\n{\"id\": \"broken", encoding="utf-8")
    return path


def test_small_training_is_deterministic_and_loadable(small_corpus: Path, tmp_path: Path) -> None:
    a = train(small_corpus, tmp_path / "a", config=FAST, progress=False)
    b = train(small_corpus, tmp_path / "b", config=FAST, progress=False)
    assert a.metrics["version"] == b.metrics["version"]
    assert a.metrics["headline"] == b.metrics["headline"]
    assert a.metrics["data"]["skipped_lines"] == 1
    ca, cb = Classifier.load(tmp_path / "a"), Classifier.load(tmp_path / "b")
    np.testing.assert_array_equal(ca.weights, cb.weights)
    for name in ("MODEL_CARD.md", "metrics.json", "model.json", "model.npz", "SHA256SUMS"):
        assert (tmp_path / "a" / name).exists()
    for name in ("model.json", "model.npz", "restore.json", "SHA256SUMS"):  # same bytes
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert ca.classify("Đường vào ấp bị ổ gà, xe máy té").topic in TOPICS


def test_candidate_is_promoted_only_if_not_worse(small_corpus: Path, tmp_path: Path) -> None:
    first = train(small_corpus, tmp_path / "m", config=FAST, progress=False)
    assert first.promoted
    # a flood of wrong corrections makes a worse candidate, which must not replace it
    cases = load_corpus(small_corpus).examples
    bad: list[tuple[str, str, list[str]]] = [
        (e.text, "khac", []) for e in cases if not is_test_case(e.id)
    ]
    result = train(small_corpus, tmp_path / "m", extra=bad, candidate=True, config=FAST,
                   progress=False)
    assert not result.promoted
    assert Classifier.load(tmp_path / "m").version == first.metrics["version"]


def test_promotion_rule() -> None:
    current = {"topic_macro_f1": 0.90, "tre_han_f1": 0.92}
    assert _promotion({"topic_macro_f1": 0.91, "tre_han_f1": 0.915}, current)[0]
    assert not _promotion({"topic_macro_f1": 0.95, "tre_han_f1": 0.90}, current)[0]
    assert not _promotion({"topic_macro_f1": 0.89, "tre_han_f1": 0.92}, current)[0]
    assert _promotion({"topic_macro_f1": 0.5}, None)[0]


def test_real_complaints_judge_and_the_own_split_only_guards() -> None:
    current = {"topic_macro_f1": 0.92, "tre_han_f1": 0.95}
    lower_own = {"topic_macro_f1": 0.91, "tre_han_f1": 0.93}  # the old rule would refuse it
    better_real = {"mode": "folds", "n": 135, "candidate": 0.74, "current": 0.70}
    assert _promotion(lower_own, current, better_real)[0]
    worse_real = {**better_real, "candidate": 0.69}
    assert not _promotion(lower_own, current, worse_real)[0]
    collapsed = {"topic_macro_f1": 0.80, "tre_han_f1": 0.95}
    ok, reason = _promotion(collapsed, current, better_real)
    assert not ok and "collapsed" in reason


def test_corrections_never_touch_the_test_split() -> None:
    test_case = Example("t-1", "Mất điện cả ngày ở ấp 3", "dien", ())
    train_case = Example("t-2", "Đường hư hỏng nặng", "giao_thong", ())
    real = _real_cases([
        ("Mất điện cả ngày ở ấp 3", "khac", []),  # the test text: dropped
        ("Đường hư hỏng nặng", "xay_dung_do_thi", []),  # relabels a training case
        ("Tiền điện tháng này tăng gấp đôi", "dien", []),
    ], [])
    merged, kept = _with_real([train_case], [test_case], real, [])
    assert len(kept) == 2
    assert [(e.text, e.topic) for e in merged] == [
        ("Đường hư hỏng nặng", "xay_dung_do_thi"),
        ("Tiền điện tháng này tăng gấp đôi", "dien"),
    ]


def test_a_yardstick_text_is_never_trained_on() -> None:
    yardstick = [Example("y-1", "Karaoke hát tới 2 giờ sáng", "an_ninh_trat_tu", ())]
    real = _real_cases([], [Example("h", "Karaoke hát tới 2 giờ sáng", "khac", ())])
    merged, kept = _with_real([], [], real, yardstick)
    assert merged == [] and kept == set()


def test_corrections_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "corrections.jsonl"
    append_examples([("Đường hư hỏng", "giao_thong", [])], path)
    append_examples([("Đường hư hỏng", "xay_dung_do_thi", ["thai_do"])], path)
    with pytest.raises(ValueError):
        append_examples([("x", "not_a_topic", [])], path)
    assert load_corrections(path)[0] == ("Đường hư hỏng", "xay_dung_do_thi", ["thai_do"])


def test_split_is_stable_and_about_a_fifth() -> None:
    ids = [f"c9-{i:04d}" for i in range(2000)]
    share = sum(map(is_test_case, ids)) / len(ids)
    assert 0.17 < share < 0.23
    assert [is_test_case(i) for i in ids] == [is_test_case(i) for i in ids]


def test_dedupe_ignores_diacritics_and_case() -> None:
    a = Example("x-1", "Đường hư hỏng nặng!", "giao_thong", ())
    b = Example("x-2", "duong hu hong nang", "giao_thong", ())
    assert dedupe([a, b]) == [a]
    train_part, test_part = split([a])
    assert len(train_part) + len(test_part) == 1


def test_review_threshold_reaches_target_precision() -> None:
    joint = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    exact = np.array([True, True, True, True, False, False])
    assert choose_review_threshold(joint, exact, 0.95) == 0.8
    assert choose_review_threshold(joint, np.zeros(6, bool), 0.95) == 1.0



def test_the_shipped_model_is_refitted_on_every_case(small_corpus: Path, tmp_path: Path) -> None:
    split_only = train(small_corpus, tmp_path / "a", config=FAST, progress=False)
    everything = train(small_corpus, tmp_path / "b", progress=False,
                       config=TrainConfig(compare=False, holdout=False, folds=3))
    # the test split is scored with the recipe that did not see it, in both runs
    assert everything.metrics["headline"] == split_only.metrics["headline"]
    test_words = {w for e in load_corpus(small_corpus).examples if is_test_case(e.id)
                  for w in e.text.lower().split()}
    vocab_a = Classifier.load(tmp_path / "a").features.blocks[0].vocabulary
    vocab_b = Classifier.load(tmp_path / "b").features.blocks[0].vocabulary
    assert len(vocab_b) > len(vocab_a)
    assert any(w in vocab_b and w not in vocab_a for w in test_words)
