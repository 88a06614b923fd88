"""Feature blocks: TF-IDF over syllables, characters and (optionally) segmented words.

Each block reads one view of the normalised text (accented or accent-stripped) so that a
complaint typed without diacritics lands on features the model has seen. Fitting uses
scikit-learn's TfidfVectorizer; classifying one complaint does the same arithmetic by
hand (analyzer, dictionary look-up, sublinear tf x idf, L2 per block), which avoids the
per-call validation cost of ``transform`` on the hot path. A test checks both agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from typing import Any

import numpy as np
import scipy.sparse as sp

from triage.text.normalize import NormalizedText

# Views of one complaint, by name. "seg" views need underthesea's word segmentation.
SEGMENTED_VIEWS = frozenset({"seg", "seg_str"})

# name -> (view, analyzer, ngram_range)
BLOCK_TYPES: dict[str, tuple[str, str, tuple[int, int]]] = {
    "syl": ("acc", "word", (1, 2)),
    "syl_str": ("str", "word", (1, 2)),
    "chr": ("acc", "char_wb", (2, 5)),
    "chr_str": ("str", "char_wb", (2, 5)),
    "seg": ("seg", "word", (1, 2)),
    "seg_str": ("seg_str", "word", (1, 2)),
}

# The feature sets compared at training time (see the model card).
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "raw": ("syl", "syl_str", "chr", "chr_str"),
    "seg": ("seg", "seg_str"),
    "union": ("syl", "syl_str", "chr", "chr_str", "seg", "seg_str"),
}

# Blocks whose terms a person can read: the explanation is taken from these.
READABLE_BLOCKS = frozenset({"syl", "syl_str", "seg", "seg_str"})

Doc = dict[str, str]


_TOKEN_RE = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    # Keep words and masks; punctuation carries no topic.
    return _TOKEN_RE.findall(text)


def make_doc(norm: NormalizedText, segment: bool) -> Doc:
    """The views of one normalised complaint that the blocks read."""
    from triage.text.normalize import strip_accents

    doc = {"acc": " ".join(_tokens(norm.accented)), "str": " ".join(_tokens(norm.stripped))}
    if segment:
        from underthesea import word_tokenize

        words = [w.replace(" ", "_") for w in word_tokenize(norm.accented) if _tokens(w)]
        doc["seg"] = " ".join(words)
        doc["seg_str"] = strip_accents(doc["seg"])
    return doc


def _vectorizer(name: str, min_df: int, max_features: int | None) -> Any:
    # Imported here: classifying never needs scikit-learn, and importing it costs ~0.5 s.
    from sklearn.feature_extraction.text import TfidfVectorizer

    _, analyzer, ngrams = BLOCK_TYPES[name]
    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        token_pattern=r"\S+" if analyzer == "word" else None,
        lowercase=False,
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
        dtype=np.float32,
    )


@dataclass(frozen=True)
class Block:
    name: str
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int = 0

    @property
    def view(self) -> str:
        return BLOCK_TYPES[self.name][0]

    @cached_property
    def analyzer(self) -> Callable[[str], list[str]]:
        """The same terms as scikit-learn's analyzer, without its per-call overhead."""
        _, kind, (lo, hi) = BLOCK_TYPES[self.name]
        if kind == "char_wb":
            return partial(char_wb_ngrams, lo=lo, hi=hi)
        return partial(word_ngrams, lo=lo, hi=hi)


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of whitespace-separated words, padded by a space;
    a word shorter than n is counted once, as a whole."""
    out: list[str] = []
    for word in text.split():
        out.extend(_word_char_ngrams(word, lo, hi))
    return out


@lru_cache(maxsize=200_000)
def _word_char_ngrams(word: str, lo: int, hi: int) -> tuple[str, ...]:
    # Words repeat from complaint to complaint: their n-grams are cut once per process.
    w = f" {word} "
    size = len(w)
    out: list[str] = []
    for n in range(lo, hi + 1):
        if size <= n:
            out.append(w)
            break
        out.extend([w[i : i + n] for i in range(size - n + 1)])
    return tuple(out)


def word_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """scikit-learn's word n-grams over whitespace tokens (token_pattern ``\\S+``)."""
    tokens = text.split()
    out = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        out.extend([" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)])
    return out


def fit_block(name: str, docs: Sequence[Doc], min_df: int = 2,
              max_features: int | None = None) -> tuple[Block, sp.csr_matrix]:
    """One fitted block and its TF-IDF matrix on ``docs`` (one pass over the text)."""
    vec = _vectorizer(name, min_df, max_features)
    X = vec.fit_transform([d[BLOCK_TYPES[name][0]] for d in docs])
    vocab = {t: int(i) for t, i in vec.vocabulary_.items()}
    return Block(name, vocab, vec.idf_.astype(np.float32)), X.tocsr()


class FeatureSet:
    """An ordered union of blocks with one global column index."""

    def __init__(self, blocks: Sequence[Block]) -> None:
        self.blocks: list[Block] = []
        offset = 0
        for block in blocks:
            self.blocks.append(replace(block, offset=offset))
            offset += len(block.vocabulary)
        self.n_features = offset
        self.segmented = any(b.view in SEGMENTED_VIEWS for b in blocks)
        self._names: list[str] | None = None

    @classmethod
    def fit_transform(
        cls, names: Sequence[str], docs: Sequence[Doc], min_df: int = 2,
    ) -> tuple[FeatureSet, sp.csr_matrix]:
        fitted = [fit_block(name, docs, min_df) for name in names]
        X = sp.hstack([x for _, x in fitted], format="csr", dtype=np.float32)
        return cls([b for b, _ in fitted]), X

    def transform_one(self, doc: Doc) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values of one document (the hot path)."""
        all_cols: list[np.ndarray] = []
        all_vals: list[np.ndarray] = []
        for block in self.blocks:
            counts = Counter(block.analyzer(doc[block.view]))
            vocab = block.vocabulary
            common = counts.keys() & vocab.keys()  # set intersection runs in C
            if not common:
                continue
            cols = np.array([vocab[t] for t in common], dtype=np.int64)
            tf = np.array([counts[t] for t in common], dtype=np.float32)
            vals = (np.log(tf) + 1.0) * block.idf[cols]
            all_cols.append(cols + block.offset)
            all_vals.append(vals / np.sqrt(np.dot(vals, vals)))
        if not all_cols:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(all_cols), np.concatenate(all_vals).astype(np.float32)

    def transform(self, docs: Iterable[Doc]) -> sp.csr_matrix:
        return self.stack([self.transform_one(doc) for doc in docs])

    def stack(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> sp.csr_matrix:
        """Rows from ``transform_one`` as one CSR matrix."""
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(idx) for idx, _ in rows])
        cols = np.concatenate([idx for idx, _ in rows]) if rows else np.zeros(0, np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
        return sp.csr_matrix((data, cols, indptr), shape=(len(rows), self.n_features))

    def feature_names(self) -> list[str]:
        if self._names is None:
            names = [""] * self.n_features
            for block in self.blocks:
                for term, col in block.vocabulary.items():
                    names[block.offset + col] = term
            self._names = names
        return self._names

    def block_of(self) -> np.ndarray:
        """Per column, the index of its block in ``self.blocks``."""
        out = np.zeros(self.n_features, dtype=np.int8)
        for i, block in enumerate(self.blocks):
            out[block.offset : block.offset + len(block.vocabulary)] = i
        return out

    # --- persistence: plain data, no pickle ---------------------------------------

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"blocks": [
            {"name": b.name, "terms": sorted(b.vocabulary, key=b.vocabulary.__getitem__)}
            for b in self.blocks
        ]}
        arrays = {f"idf_{b.name}": b.idf for b in self.blocks}
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> FeatureSet:
        blocks = []
        for item in meta["blocks"]:
            name, terms = item["name"], item["terms"]
            vocab = {t: i for i, t in enumerate(terms)}
            blocks.append(Block(name, vocab, arrays[f"idf_{name}"]))
        return cls(blocks)
