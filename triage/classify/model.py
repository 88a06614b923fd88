"""The trained classifier: loading the artifact and classifying complaints.

The artifact is plain data: ``model.json`` (vocabularies, labels, thresholds) and
``model.npz`` (numbers, read with ``allow_pickle=False``), both listed with their SHA-256
in ``SHA256SUMS`` and checked on load. Loading it cannot run code. Beside them, optional
``restore.json`` (triage.text.diacritics) puts diacritics back on a complaint typed
without them, for the accented view of the features; listed and checked the same way.

Scores: one linear model per output (17 topics one-vs-rest, one per flag). Topic
probabilities are a softmax of the decisions with a temperature, flag probabilities a
Platt sigmoid, both fitted on out-of-fold decision values. A complaint goes to review when the
joint confidence (topic probability times the certainty of each flag decision) is under
the threshold chosen at training time for 95% precision of what is routed automatically.
"""

from __future__ import annotations

import hashlib
import json
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from triage.classify.features import BLOCK_TYPES, READABLE_BLOCKS, Doc, FeatureSet, make_doc
from triage.text.diacritics import Restorer, bare_typed
from triage.text.normalize import MASKS, PROBLEMS, NormalizedText, analyze, strip_accents

T = TypeVar("T")

MODEL_FILES = ("model.json", "model.npz")
RESTORE_FILE = "restore.json"  # optional: the diacritics restorer of the topic model
# A text typed without diacritics is scored on its words as typed and on the restorer's
# guess of their marks, this share to the guess. Trained on the corpus without its test
# split: real complaints stripped of their marks 0.791 / 0.818 / 0.825 topic macro-F1 at
# 0 / 0.5 / 1, our own lines typed without marks 0.929 / 0.924 / 0.908 (informal text the
# guess reads less well); half and half keeps most of the gain and little of the loss.
RESTORED_SHARE = 0.5
EXPLAIN_TERMS = 6


class ModelNotTrained(Exception):
    """No usable model artifact: the service cannot classify until one is trained."""

    status_code = 503

    def __init__(self, path: Path, detail: str = "") -> None:
        self.path = path
        message = f"Chưa có mô hình phân loại tại {path}. Hãy chạy lệnh `triage train`."
        if detail:
            message = f"Mô hình phân loại tại {path} không dùng được ({detail}). " \
                      "Hãy chạy lại lệnh `triage train`."
        super().__init__(message)


REVIEW_REASONS: dict[str, str] = {
    **PROBLEMS,
    "low_confidence": "Độ tin cậy thấp: cần tổng đài viên xem lại.",
    "uncertain_topic": "Chưa chắc chắn về lĩnh vực.",
    "uncertain_tre_han": "Chưa chắc chắn có trễ hạn giải quyết hồ sơ hay không.",
    "uncertain_thai_do": "Chưa chắc chắn có phản ánh thái độ công chức hay không.",
    "conduct_cue": "Có cụm từ về thái độ công chức (đòi tiền, hạch sách, đùn đẩy…) mà mô "
                   "hình chưa nhận ra: cần xác nhận dấu hiệu thái độ.",
    "lateness_cue": "Có cụm từ về hồ sơ trễ hẹn (quá hẹn, hẹn lần hẹn lữa, đi lại nhiều "
                    "lần…) mà mô hình chưa nhận ra: cần xác nhận dấu hiệu trễ hạn.",
    "truncated": "Nội dung quá dài, chỉ phần đầu được dùng để phân loại.",
}


@dataclass(frozen=True)
class Classification:
    topic: str
    topic_confidence: float
    topic_scores: dict[str, float]
    flags: list[str]
    flag_scores: dict[str, float]
    needs_review: bool
    review_reasons: list[str]
    explanation: list[str]
    model_version: str
    joint_confidence: float = field(default=0.0)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with fixed zip timestamps, so that retraining on the same
    data gives the same bytes (and the same SHA-256)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(arrays[name]), allow_pickle=False)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


class Classifier:
    def __init__(
        self, features: FeatureSet, arrays: dict[str, np.ndarray], meta: dict[str, Any]
    ) -> None:
        self.features = features
        self.meta = meta
        self.version: str = meta["version"]
        self.topics: list[str] = meta["topics"]
        self.flags: list[str] = meta["flags"]
        self.flag_thresholds = np.asarray(
            [meta["flag_thresholds"][f] for f in self.flags], dtype=np.float32
        )
        self.review_threshold: float = meta["review_threshold"]
        self.weights = arrays["weights"].astype(np.float32)  # (n_features, n_outputs)
        self.bias = arrays["bias"].astype(np.float32)
        self.platt_a = arrays["platt_a"].astype(np.float32)
        self.platt_b = arrays["platt_b"].astype(np.float32)
        blocks = features.block_of()
        readable = [i for i, b in enumerate(features.blocks) if b.name in READABLE_BLOCKS]
        self._readable = np.isin(blocks, readable)
        self.restorer: Restorer | None = None  # set by load or by training

    def guessed(self, doc: Doc) -> Doc | None:
        """For a text typed (almost) without diacritics, its views with the restorer's
        guess of them as the accented view; None for any other text, or with no restorer."""
        if self.restorer is None:
            return None
        words = doc["acc"].split()
        if doc["acc"] != doc["str"] and not bare_typed(words):
            return None
        guess = Doc({**doc, "acc": " ".join(self.restorer.restore(words))}, doc.norm)
        # The terms of the other views, counted already, are the same.
        guess.terms = {name: seen for name, seen in doc.terms.items()
                       if BLOCK_TYPES[name][0] != "acc"}
        return guess

    def _decision(self, doc: Doc, idx: np.ndarray, val: np.ndarray,
                  rows: np.ndarray | None = None) -> np.ndarray:
        """The decision values of one text's feature row (``idx``, ``val`` of ``doc``;
        ``rows``: ``self.weights[idx]`` when the caller has it), mixed with those of its
        guessed diacritics where it was typed without them."""
        decision = val @ (self.weights[idx] if rows is None else rows) + self.bias
        guess = self.guessed(doc)
        return decision if guess is None else self._with_guess(decision, guess)

    def _with_guess(self, decision: np.ndarray, guess: Doc) -> np.ndarray:
        g_idx, g_val = self.features.transform_one(guess)
        return ((1.0 - RESTORED_SHARE) * decision
                + RESTORED_SHARE * (g_val @ self.weights[g_idx] + self.bias))

    def flag_mix(self) -> np.ndarray:
        """The NB-SVM share of each flag's decision (see fitting.choose_mix)."""
        return np.array([self.meta["flag_nb_share"][f] for f in self.flags])

    def decisions(self, texts: Sequence[str]) -> np.ndarray:
        """Raw decision values (rows = texts), before any scaling."""
        return self._decisions([make_doc(analyze(t)[0], self.features.segmented)
                                for t in texts])[0]

    def _decisions(self, docs: Sequence[Doc]
                   ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Decision values of documents (one matrix product), a text typed without
        diacritics mixed with its guess as ``_decision`` mixes it; and their feature rows."""
        rows = [self.features.transform_one(doc) for doc in docs]
        decisions = np.asarray(self.features.stack(rows) @ self.weights) + self.bias
        for k, doc in enumerate(docs):
            guess = self.guessed(doc)
            if guess is not None:
                decisions[k] = self._with_guess(decisions[k], guess)
        return decisions, rows

    # --- persistence ----------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> Classifier:
        path = Path(path)
        sums = path / "SHA256SUMS"
        if not sums.exists() or not all((path / name).exists() for name in MODEL_FILES):
            raise ModelNotTrained(path)
        expected: dict[str, str] = {}
        for line in sums.read_text().splitlines():
            digest, _, name = line.partition("  ")
            expected[name.strip()] = digest
        for name in MODEL_FILES:
            if expected.get(name) != _sha256(path / name):
                raise ModelNotTrained(path, f"sai mã kiểm tra SHA-256 của {name}")
        restore = path / RESTORE_FILE
        if restore.exists() and expected.get(RESTORE_FILE) != _sha256(restore):
            raise ModelNotTrained(path, f"sai mã kiểm tra SHA-256 của {RESTORE_FILE}")
        meta = json.loads((path / "model.json").read_text(encoding="utf-8"))
        with np.load(path / "model.npz", allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        classifier = cls(FeatureSet.from_state(meta["features"], arrays), arrays, meta)
        if restore.exists():
            classifier.restorer = Restorer.load(restore)
        return classifier

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        feat_meta, feat_arrays = self.features.to_state()
        meta = {**self.meta, "features": feat_meta}
        (path / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        # float16 halves the artifact; scores move by about 1e-3, far below any threshold.
        arrays: dict[str, np.ndarray] = {
            "weights": self.weights.astype(np.float16), "bias": self.bias,
            "platt_a": self.platt_a, "platt_b": self.platt_b, **feat_arrays,
        }
        _write_npz(path / "model.npz", arrays)
        names = list(MODEL_FILES)
        if self.restorer is not None:
            (path / RESTORE_FILE).write_text(self.restorer.to_json(), encoding="utf-8")
            names.append(RESTORE_FILE)
        else:
            (path / RESTORE_FILE).unlink(missing_ok=True)
        lines = [f"{_sha256(path / name)}  {name}" for name in names]
        (path / "SHA256SUMS").write_text("\n".join(lines) + "\n")

    # --- scoring --------------------------------------------------------------------

    def probabilities(self, decision: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (topic, flag) probabilities from raw decision values (rows = cases)."""
        n = len(self.topics)
        scaled = decision * self.platt_a + self.platt_b
        topic = np.exp(scaled[:, :n] - scaled[:, :n].max(axis=1, keepdims=True))
        return topic / topic.sum(axis=1, keepdims=True), _sigmoid(scaled[:, n:])

    def joint_confidence(self, topic_p: np.ndarray, flag_p: np.ndarray) -> np.ndarray:
        certainty = np.where(flag_p >= self.flag_thresholds, flag_p, 1.0 - flag_p)
        return topic_p.max(axis=1) * certainty.prod(axis=1)

    def classify(self, text: str, prepared: tuple[str, str | None] | None = None,
                 analyzed: tuple[NormalizedText, str | None] | None = None,
                 doc: Doc | None = None) -> Classification:
        """``prepared``: the text's ``prepare`` form when the caller has it already;
        ``analyzed``: its ``analyze`` result, when another model reads the same text;
        ``doc``: ``make_doc`` of that result, shared with the other models (each block
        type's terms are then counted once for all of them)."""
        norm, problem = analyzed or analyze(text, prepared=prepared)
        if problem is not None:
            return self._unclassifiable(problem)
        if doc is None:
            doc = make_doc(norm, self.features.segmented)
        idx, val = self.features.transform_one(doc)
        rows = self.weights[idx]  # gathered once, for the decision and the explanation
        return self._result(self._decision(doc, idx, val, rows), idx, val, doc,
                            norm.truncated, rows)

    def classify_many(self, texts: Sequence[str]) -> list[Classification]:
        """Same results as ``classify`` one by one; the scoring is one matrix product."""
        analyzed = [analyze(t) for t in texts]
        ok = [i for i, (_, problem) in enumerate(analyzed) if problem is None]
        docs = [make_doc(analyzed[i][0], self.features.segmented) for i in ok]
        results = {i: self._unclassifiable(p) for i, (_, p) in enumerate(analyzed) if p}
        if docs:
            decisions, rows = self._decisions(docs)
            for k, i in enumerate(ok):
                idx, val = rows[k]
                results[i] = self._result(
                    decisions[k], idx, val, docs[k], analyzed[i][0].truncated
                )
        return [results[i] for i in range(len(texts))]

    def _unclassifiable(self, problem: str) -> Classification:
        return Classification(
            topic="khac", topic_confidence=0.0, topic_scores={}, flags=[], flag_scores={},
            needs_review=True, review_reasons=[problem], explanation=[],
            model_version=self.version,
        )

    def _result(
        self, decision: np.ndarray, idx: np.ndarray, val: np.ndarray, doc: Doc, truncated: bool,
        rows: np.ndarray | None = None,
    ) -> Classification:
        topic_p, flag_p = self.probabilities(decision[None, :])
        topic_p, flag_p = topic_p[0], flag_p[0]
        best = int(topic_p.argmax())
        raised = flag_p >= self.flag_thresholds
        joint = float(self.joint_confidence(topic_p[None], flag_p[None])[0])
        reasons = self._review_reasons(float(topic_p[best]), flag_p, joint)
        if truncated:
            reasons.append("truncated")
        outputs = [best] + [len(self.topics) + int(j) for j in np.flatnonzero(raised)]
        return Classification(
            topic=self.topics[best],
            topic_confidence=round(float(topic_p[best]), 4),
            topic_scores={t: round(p, 4) for t, p, shown in zip(
                self.topics, topic_p.tolist(), (topic_p >= 0.01).tolist(), strict=True) if shown},
            flags=[f for f, r in zip(self.flags, raised.tolist(), strict=True) if r],
            flag_scores={f: round(p, 4) for f, p in zip(self.flags, flag_p.tolist(), strict=True)},
            needs_review=bool(reasons),
            review_reasons=reasons,
            explanation=self.explain(idx, val, outputs, doc, rows),
            model_version=self.version,
            joint_confidence=round(joint, 4),
        )

    def _review_reasons(self, topic_conf: float, flag_p: np.ndarray, joint: float) -> list[str]:
        if joint >= self.review_threshold:
            return []
        parts = {"uncertain_topic": topic_conf}
        for flag, p, thr in zip(self.flags, flag_p, self.flag_thresholds, strict=True):
            parts[f"uncertain_{flag}"] = float(p if p >= thr else 1.0 - p)
        weak = [code for code, c in parts.items() if c < self.review_threshold]
        return ["low_confidence", *(weak or [min(parts, key=parts.__getitem__)])]

    def explain(
        self, idx: np.ndarray, val: np.ndarray, outputs: Sequence[int], doc: Doc,
        rows: np.ndarray | None = None,
    ) -> list[str]:
        """The readable terms that pushed hardest towards the chosen topic and flags
        (``rows``: ``self.weights[idx]`` when the caller has it).

        Terms of the accent-stripped blocks are shown as the complaint spelled them (of a
        text typed without diacritics, the words as typed, not the restorer's guess).
        """
        keep = self._readable[idx]
        idx, val = idx[keep], val[keep]
        # Only the columns of the outputs explained: (terms, outputs).
        cols = list(outputs)
        weights = rows[keep][:, cols] if rows is not None else self.weights[idx[:, None], cols]
        names = self.features.feature_names()
        terms: dict[str, str] = {}  # accent-stripped form -> term shown
        for k in range(len(outputs)):
            contrib = val * weights[:, k]
            top = np.argsort(-contrib)[:EXPLAIN_TERMS]
            for column, c in zip(idx[top].tolist(), contrib[top].tolist(), strict=True):
                if c <= 0:
                    break
                name = names[column]
                name = _spelling(doc, name)
                term = " ".join(MASKS.get(w, w) for w in name.replace("_", " ").split())
                terms.setdefault(strip_accents(term), term)
        return list(terms.values())[: EXPLAIN_TERMS + 2 * (len(outputs) - 1)]


def _spelling(doc: Doc, name: str) -> str:
    """A stripped unigram or bigram as the complaint wrote it, where it does: its first
    occurrence in the stripped words (then in the segmented ones) read in the accented
    words. Looked up only for the terms an explanation shows, remembered per document."""
    memo = doc.spellings if isinstance(doc, Doc) else {}
    found = memo.get(name)
    if found is None:
        found = name
        for acc, bare in _spelling_views(doc):
            at = bare.find(f" {name} ")
            if at >= 0:
                first = bare.count(" ", 0, at)  # words are one space apart
                found = " ".join(acc[first:first + name.count(" ") + 1])
                break
        memo[name] = found
    return found


def _spelling_views(doc: Doc) -> list[tuple[list[str], str]]:
    """(accented words, " stripped words ") of the views whose words align one to one."""
    views = getattr(doc, "spelling_views", None)
    if views is None:
        views = []
        for accented, stripped in (("acc", "str"), ("seg", "seg_str")):
            acc, bare = doc.get(accented, "").split(), doc.get(stripped, "").split()
            if len(acc) == len(bare):
                views.append((acc, " " + " ".join(bare) + " "))
        if isinstance(doc, Doc):
            doc.spelling_views = views
    return views

class PerFolder(Generic[T]):
    """What is loaded from a model folder, once per process and folder (the topic model,
    and the readers of the small models beside it); ``clear`` forgets it, e.g. after a new
    artifact was promoted."""

    def __init__(self, load: Callable[[Path], T]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._cached: dict[Path, T] = {}

    def get(self, path: Path | str) -> T:
        if not isinstance(path, Path):  # settings hold Paths: no new one per call
            path = Path(path)
        with self._lock:
            if path not in self._cached:
                self._cached[path] = self._load(path)
            return self._cached[path]

    def clear(self) -> None:
        with self._lock:
            self._cached.clear()


def load_if_trained(path: Path) -> Classifier | None:
    """The artifact in ``path``, or None where there is none (a reader then decides by its
    cue file alone)."""
    try:
        return Classifier.load(path)
    except ModelNotTrained:
        return None


_classifiers: PerFolder[Classifier] = PerFolder(Classifier.load)


def get_classifier() -> Classifier:
    """The classifier in settings.model_dir, loaded once per process."""
    from triage.settings import get_settings

    return _classifiers.get(get_settings().model_dir)


def reset_classifier_cache() -> None:
    """Forget loaded models, e.g. after a new one was promoted."""
    _classifiers.clear()
