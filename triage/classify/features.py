"""Feature blocks: TF-IDF over syllables, characters and (optionally) segmented words.

Each block reads one view of the normalised text (accented or accent-stripped) so that a
complaint typed without diacritics lands on features the model has seen. Fitting uses
scikit-learn's TfidfVectorizer; classifying one complaint does the same arithmetic by
hand (analyzer, dictionary look-up, sublinear tf x idf, L2 per block), which avoids the
per-call validation cost of ``transform`` on the hot path. A test checks both agree.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from itertools import pairwise, repeat
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



class Doc(dict[str, str]):
    """The views of one complaint that the blocks read ("acc", "str", and "seg", "seg_str"
    when segmented), with each block type's terms remembered once they are counted: every
    model that reads the same complaint (topic, urgency, conduct, agency) shares one
    analysis and only looks the terms up in its own vocabulary."""

    def __init__(self, views: dict[str, str], norm: NormalizedText | None = None) -> None:
        super().__init__(views)
        self.norm = norm
        self.terms: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}
        # What triage.classify.model._spelling found, and the views it reads.
        self.spellings: dict[str, str] = {}
        self.spelling_views: list[tuple[list[str], str]] | None = None

    def __missing__(self, key: str) -> str:
        # A segmented model reading a document made for unsegmented ones segments it here.
        if key not in SEGMENTED_VIEWS or self.norm is None:
            raise KeyError(key)
        self.update(_segmented(self.norm))
        return self[key]


_TOKEN_RE = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    # Keep words and masks; punctuation carries no topic.
    return _TOKEN_RE.findall(text)


def make_doc(norm: NormalizedText, segment: bool) -> Doc:
    """The views of one normalised complaint that the blocks read."""
    doc = Doc({"acc": " ".join(_tokens(norm.accented)),
               "str": " ".join(_tokens(norm.stripped))}, norm)
    if segment:
        doc.update(_segmented(norm))
    return doc


def _segmented(norm: NormalizedText) -> dict[str, str]:
    from underthesea import word_tokenize

    from triage.text.normalize import strip_accents

    seg = " ".join(w.replace(" ", "_") for w in word_tokenize(norm.accented) if _tokens(w))
    return {"seg": seg, "seg_str": strip_accents(seg)}


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

    @cached_property
    def columns(self) -> np.ndarray:
        """Per id of the block type's lexicon, this block's column (-1: not a term of it)."""
        return lexicon(self.name).register(self.vocabulary)


class Lexicon:
    """Every term that the loaded blocks of one block type know, one id each.

    Models that read the same view the same way (the topic, urgency, conduct and agency
    models all have "syl" blocks) look a complaint's terms up here once; each block maps
    the ids to its own columns with one array index. Ids only grow: a block loaded later
    adds its new terms, and term ids counted before that are counted again (``generation``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.ids: dict[str, int] = {}
        self.generation = 0
        self._shared = False  # ``ids`` is a block's vocabulary
        self._lock = threading.Lock()
        # Per word, the ids of its known character n-grams (char_wb blocks).
        self._words: dict[str, np.ndarray] = {}

    def register(self, vocabulary: dict[str, int]) -> np.ndarray:
        with self._lock:
            if not self.ids and _numbered(vocabulary):
                # The first block's own vocabulary serves as the lexicon (no copy) until
                # another block brings new terms; its ids are then its columns.
                self.ids = vocabulary
                self.generation += 1
                self._shared = True
                self._words = {}
                return np.arange(len(vocabulary), dtype=np.int64)
            ids = self.ids
            new = [t for t in vocabulary if t not in ids]
            if new:
                if self._shared:  # a block's vocabulary is never changed: copied first
                    ids = self.ids = dict(ids)
                    self._shared = False
                ids.update(zip(new, range(len(ids), len(ids) + len(new)), strict=True))
                self._words = {}
                self.generation += 1
            columns = np.full(len(ids), -1, dtype=np.int64)
            if vocabulary:
                columns[np.fromiter((ids[t] for t in vocabulary), np.int64, len(vocabulary))] = \
                    np.fromiter(vocabulary.values(), np.int64, len(vocabulary))
            return columns

    def count(self, block: Block, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Ids (ascending) and sublinear term frequencies (1 + log count) of the known terms
        of ``text`` as ``block`` cuts it."""
        _, kind, (lo, hi) = BLOCK_TYPES[block.name]
        if kind == "char_wb":
            words, cache = text.split(), self._words
            parts = []
            for word in words:
                found = cache.get(word)
                if found is None:
                    get = self.ids.get
                    grams = (get(g, -1) for g in _word_char_ngrams(word, lo, hi))
                    found = np.fromiter((i for i in grams if i >= 0), np.int64)
                    if len(cache) < 200_000:
                        cache[word] = found
                parts.append(found)
            if not parts:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            uids, counts = np.unique(np.concatenate(parts), return_counts=True)
            return uids, np.log(counts.astype(np.float32)) + 1.0
        counted = Counter(block.analyzer(text))
        uids = np.fromiter(map(self.ids.get, counted, repeat(-1)), np.int64, len(counted))
        counts = np.fromiter(counted.values(), np.float32, len(counted))
        known = uids >= 0
        uids, counts = uids[known], counts[known]
        order = np.argsort(uids)
        return uids[order], np.log(counts[order]) + 1.0


def _numbered(vocabulary: dict[str, int]) -> bool:
    """Whether the vocabulary's columns are 0 .. n-1 (as every fitted or loaded one's)."""
    values = vocabulary.values()
    return bool(vocabulary) and min(values) == 0 and max(values) == len(vocabulary) - 1 \
        and len(set(values)) == len(vocabulary)


_LEXICONS: dict[str, Lexicon] = {}


def lexicon(name: str) -> Lexicon:
    """The process's lexicon of block type ``name``."""
    found = _LEXICONS.get(name)
    if found is None:
        found = _LEXICONS.setdefault(name, Lexicon(name))
    return found


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


def fit_block(name: str, docs: Sequence[dict[str, str]], min_df: int = 2,
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
        self._joined_cache: tuple[np.ndarray, list[int], np.ndarray, np.ndarray] | None = None

    @classmethod
    def fit_transform(
        cls, names: Sequence[str], docs: Sequence[dict[str, str]], min_df: int = 2,
    ) -> tuple[FeatureSet, sp.csr_matrix]:
        fitted = [fit_block(name, docs, min_df) for name in names]
        X = sp.hstack([x for _, x in fitted], format="csr", dtype=np.float32)
        return cls([b for b, _ in fitted]), X

    def _joined(self) -> tuple[np.ndarray, list[int], np.ndarray, np.ndarray]:
        """Every block's columns end to end, indexed by lexicon id plus the block's start
        (-1: not a term of the block; else the column with the block's offset), those
        starts, the idf of every column, and the blocks' offsets. Registers the blocks'
        terms in their lexicons, before any of a document's terms are counted."""
        if self._joined_cache is None:
            columns = [b.columns for b in self.blocks]
            starts = [0]
            for c in columns[:-1]:
                starts.append(starts[-1] + len(c))
            joined = np.concatenate([np.where(c >= 0, c + b.offset, -1)
                                     for b, c in zip(self.blocks, columns, strict=True)]
                                    or [np.zeros(0, np.int64)])
            idf = np.concatenate([b.idf for b in self.blocks] or [np.zeros(0, np.float32)])
            offsets = np.array([b.offset for b in self.blocks], np.int64)
            self._joined_cache = (joined, starts, idf, offsets)
        return self._joined_cache

    def transform_one(self, doc: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and TF-IDF values of one document (the hot path): the terms of
        each block type counted once per document (``Doc.terms``, shared by the models
        that read it), then one look-up, sort and weighting for all blocks together."""
        joined, starts, idf, offsets = self._joined()
        terms = doc.terms if isinstance(doc, Doc) else {}
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for block, start in zip(self.blocks, starts, strict=True):
            lex = lexicon(block.name)
            seen = terms.get(block.name)
            if seen is None or seen[0] != lex.generation:
                generation = lex.generation
                seen = (generation, *lex.count(block, doc[block.view]))
                terms[block.name] = seen
            _, uids, tf = seen
            size = len(block.columns)
            if len(uids) and uids[-1] >= size:  # ids of blocks registered later
                inside = uids < size
                uids, tf = uids[inside], tf[inside]
            ids.append(uids + start)
            weights.append(tf)
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cols = joined[np.concatenate(ids)]
        known = cols >= 0
        # Columns in ascending order (block by block, as the blocks' columns follow one
        # another): the same sums, in the same order, in every process.
        cols, tf = cols[known], np.concatenate(weights)[known]
        order = np.argsort(cols)
        cols = cols[order]
        vals = tf[order] * idf[cols]
        bounds = [*np.searchsorted(cols, offsets).tolist(), len(cols)]
        for a, b in pairwise(bounds):  # L2 per block
            if a < b:
                seg = vals[a:b]
                seg /= np.sqrt(np.dot(seg, seg))
        return cols, vals.astype(np.float32, copy=False)

    def transform(self, docs: Iterable[dict[str, str]]) -> sp.csr_matrix:
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
