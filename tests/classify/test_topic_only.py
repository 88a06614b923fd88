"""Lines that teach their topic only: the flag, conduct and urgency models skip them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from triage.classify import conduct_train, urgency_train
from triage.classify.corpus import Example, data_hash, load_corpus
from triage.classify.fitting import (
    UNKNOWN,
    TrainConfig,
    calibrate,
    choose_mix,
    fit_all,
    fit_scaling,
    output_targets,
)
from triage.classify.model import Classifier
from triage.settings import get_settings
from triage.taxonomy import FLAGS, TOPICS

N = len(TOPICS)
LATE = N + list(FLAGS).index("tre_han")


def _cases() -> list[Example]:
    """Two topics; 'chậm' marks a late dossier on the taught lines, while the topic-only
    lines say 'chậm' with no flag and 'nhanh' with one (flag labels the flag models must
    not read)."""
    taught = [Example(f"t{i}", f"hồ sơ đất {'chậm' if i % 2 else 'nhanh'} số {i}", "dat_dai",
                      ("tre_han",) if i % 2 else ()) for i in range(40)]
    taught += [Example(f"u{i}", f"đường hư {'chậm' if i % 2 else 'nhanh'} số {i}",
                       "giao_thong", ("tre_han",) if i % 2 else ()) for i in range(40)]
    topic_only = [Example(f"o{i}", f"đèn đường tắt {'chậm' if i % 2 else 'nhanh'} lần {i}",
                          "dien", () if i % 2 else ("tre_han",), topic_only=True)
                  for i in range(40)]
    return taught + topic_only


def _matrix(cases: list[Example]) -> sp.csr_matrix:
    vocab = sorted({w for c in cases for w in c.text.split()})
    col = {w: j for j, w in enumerate(vocab)}
    rows = [[col[w] for w in c.text.split()] for c in cases]
    data = [1.0 for r in rows for _ in r]
    indptr = np.cumsum([0, *map(len, rows)])
    return sp.csr_matrix((data, [j for r in rows for j in r], indptr),
                         shape=(len(cases), len(vocab)))


def test_a_topic_only_line_has_unknown_flag_targets() -> None:
    cases = _cases()
    Y = output_targets(cases)
    assert (Y[80:, N:] == UNKNOWN).all()
    assert set(np.unique(Y[:80, N:])) == {0, 1}
    assert Y[80:, list(TOPICS).index("dien")].all()


def test_flags_are_fitted_as_if_the_topic_only_lines_were_not_there() -> None:
    cases = _cases()
    X, Y = _matrix(cases), output_targets(cases)
    config = TrainConfig()
    weights, bias = fit_all(X, Y, config)
    alone_w, alone_b = fit_all(X[:80], Y[:80], config)
    np.testing.assert_allclose(weights[:, N:], alone_w[:, N:], atol=1e-8)
    np.testing.assert_allclose(bias[N:], alone_b[N:], atol=1e-8)
    # ... while the topics learn from them: 'dien' is only taught by those lines
    dien = list(TOPICS).index("dien")
    assert not np.allclose(weights[:, dien], alone_w[:, dien])
    assert np.allclose(alone_w[:, dien], 0.0)
    # and the flag still reads 'chậm' as late, which the topic-only lines contradict
    vocab = sorted({w for c in cases for w in c.text.split()})
    assert weights[vocab.index("chậm"), LATE] > 0 > weights[vocab.index("nhanh"), LATE]


def test_mixes_scalings_and_thresholds_skip_the_topic_only_lines() -> None:
    cases = _cases()
    Y = output_targets(cases)
    rng = np.random.default_rng(0)
    decision = rng.normal(size=Y.shape)
    decision[:, LATE] = np.where(Y[:, LATE] == 1, 2.0, -2.0)  # right on the taught lines
    a, b = fit_scaling(decision, Y)
    a80, b80 = fit_scaling(decision[:80], Y[:80])
    assert a[LATE] == a80[LATE] and b[LATE] == b80[LATE]
    plain = rng.normal(size=len(cases))
    plain[80:] = np.where(np.arange(40) % 2, 3.0, -3.0)  # agrees with the unread labels only
    assert choose_mix(decision[:, LATE], plain, Y[:, LATE]) == \
        choose_mix(decision[:80, LATE], plain[:80], Y[:80, LATE])

    classifier = Classifier.load(Path(get_settings().model_dir))  # its scaling replaced
    classifier.platt_a, classifier.platt_b = a, b
    # lateness spread over the taught lines; the topic-only lines, whose labels say
    # "not late", sit just above where the taught ones turn late
    decision[:80, LATE] = np.where(Y[:80, LATE] == 1, 1.0, -1.0) + rng.normal(0, 1.0, 80)
    decision[80:, LATE] = np.linspace(0.2, 1.5, 40)
    cases = [replace(c, flags=()) if c.topic_only else c for c in cases]
    classifier.platt_a, classifier.platt_b = fit_scaling(decision, Y)
    chosen = calibrate(classifier, decision, cases, 0.95)["flag_thresholds"]
    assert chosen == calibrate(classifier, decision[:80], cases[:80], 0.95)["flag_thresholds"]
    read = calibrate(classifier, decision, [replace(c, topic_only=False) for c in cases], 0.95)
    assert read["flag_thresholds"]["tre_han"] != chosen["tre_han"]  # had they been read


def test_the_corpus_reads_the_mark_and_the_other_models_skip_the_line(tmp_path: Path) -> None:
    line = {"id": "x-1", "text": "Cán bộ xã quát tháo người dân khi tôi hỏi hồ sơ.",
            "topic": "khac", "flags": ["thai_do"], "urgency": "thuong",
            "conduct_kinds": ["thieu_ton_trong"]}
    (tmp_path / "a.jsonl").write_text(
        json.dumps(line, ensure_ascii=False) + "\n"
        + json.dumps({**line, "id": "x-2", "text": "Công an xã quát tháo dân khi làm giấy.",
                      "topic_only": True}, ensure_ascii=False) + "\n", encoding="utf-8")
    examples = load_corpus(tmp_path).examples
    assert [e.topic_only for e in examples] == [False, True]
    assert [e.id for e in urgency_train.labelled(tmp_path)] == ["x-1"]
    assert [e.id for e in conduct_train.labelled(tmp_path)] == ["x-1"]
    # the mark names another training set
    assert data_hash([examples[0]]) != data_hash([replace(examples[0], topic_only=True)])
