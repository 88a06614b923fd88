"""The hand-rolled hot path computes exactly what scikit-learn computes."""

from __future__ import annotations

import numpy as np

from triage.classify.features import FEATURE_SETS, FeatureSet, make_doc
from triage.text.normalize import normalize

TEXTS = [
    "Đường vào ấp 3 hư hỏng nặng, nhiều ổ gà, xe cộ đi lại khó khăn.",
    "duong vao ap 3 hu hong nang, nhieu o ga",
    "Cán bộ một cửa hẹn lần hẹn lữa, hồ sơ cấp sổ đỏ trễ hẹn 2 tháng.",
    "Mất điện cả ngày không báo trước, điện lực không trả lời.",
    "Nước máy đục, có mùi; mất nước ba ngày liền.",
    "Trường thu tiền học thêm ngoài quy định, giáo viên ép học sinh đi học thêm.",
]


def _docs(segment: bool) -> list[dict[str, str]]:
    return [make_doc(normalize(t), segment) for t in TEXTS]


def test_transform_one_matches_sklearn_fit_transform() -> None:
    docs = _docs(segment=True)
    features, X = FeatureSet.fit_transform(FEATURE_SETS["union"], docs, min_df=1)
    ours = features.transform(docs).toarray()
    assert ours.shape == X.shape
    np.testing.assert_allclose(ours, X.toarray(), rtol=1e-5, atol=1e-6)


def test_state_round_trip_gives_the_same_features() -> None:
    docs = _docs(segment=False)
    features, _ = FeatureSet.fit_transform(FEATURE_SETS["raw"], docs, min_df=1)
    meta, arrays = features.to_state()
    restored = FeatureSet.from_state(meta, arrays)
    assert restored.n_features == features.n_features
    for doc in docs:
        a, b = features.transform_one(doc), restored.transform_one(doc)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1])
    assert restored.feature_names() == features.feature_names()


def test_unknown_words_give_no_features() -> None:
    features, _ = FeatureSet.fit_transform(("syl",), _docs(segment=False), min_df=1)
    idx, val = features.transform_one(make_doc(normalize("xyzzy"), False))
    assert len(idx) == len(val) == 0


def test_fast_analyzers_match_scikit_learn() -> None:
    from triage.classify.features import BLOCK_TYPES, Block, _vectorizer

    texts = ["a bé đường vào ấp qqnum", "x", "nghiêng ngả  khuỷu", ""]
    for name in ("syl", "chr", "seg"):
        ours = Block(name, {}, np.zeros(0)).analyzer
        theirs = _vectorizer(name, 1, None).build_analyzer()
        for text in texts:
            assert sorted(ours(text)) == sorted(theirs(text)), (name, text)
    assert set(BLOCK_TYPES) >= {"syl", "chr", "seg"}


def _reference_row(features: FeatureSet, doc: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """TF-IDF by the book, block by block: counts, vocabulary look-ups, sublinear tf x idf,
    L2 per block, columns ascending."""
    from collections import Counter

    cols_out, vals_out = [], []
    for block in features.blocks:
        counts = Counter(block.analyzer(doc[block.view]))
        common = sorted((block.vocabulary[t], n) for t, n in counts.items()
                        if t in block.vocabulary)
        if not common:
            continue
        cols = np.array([c for c, _ in common], np.int64)
        vals = (np.log(np.array([n for _, n in common], np.float32)) + 1.0) * block.idf[cols]
        cols_out.append(cols + block.offset)
        vals_out.append(vals / np.sqrt(np.dot(vals, vals)))
    return np.concatenate(cols_out), np.concatenate(vals_out).astype(np.float32)


def test_models_sharing_a_document_read_what_each_would_read_alone() -> None:
    # Two models with the same block types and different vocabularies (as the topic and
    # urgency models): one document counted once serves both, and a model first used
    # after the document was counted (its terms new to the lexicon) still reads its own.
    docs = _docs(segment=False)
    first, _ = FeatureSet.fit_transform(("syl", "chr_str"), docs[:3], min_df=1)
    shared = make_doc(normalize(TEXTS[4] + " " + TEXTS[0]), False)
    fresh = [make_doc(normalize(TEXTS[4] + " " + TEXTS[0]), False) for _ in range(2)]
    a = first.transform_one(shared)
    second, _ = FeatureSet.fit_transform(("syl", "chr_str"), docs[3:], min_df=1)
    b = second.transform_one(shared)
    for features, got, alone in ((first, a, fresh[0]), (second, b, fresh[1])):
        want = _reference_row(features, alone)
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(features.transform_one(alone)[1], want[1])
    assert len(b[0]) and set(second.feature_names()[i] for i in b[0]) & {"mất", "điện"}


def test_a_segmented_model_segments_a_shared_document_when_it_reads_it() -> None:
    docs = _docs(segment=True)
    features, _ = FeatureSet.fit_transform(FEATURE_SETS["union"], docs, min_df=1)
    norm = normalize(TEXTS[2])
    lazy, eager = make_doc(norm, False), make_doc(norm, True)
    assert "seg" not in lazy
    a, b = features.transform_one(lazy), features.transform_one(eager)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert lazy["seg_str"] == eager["seg_str"] and "_" in eager["seg"]
