"""Training the conduct-kind model from the ``thai_do`` lines that carry ``conduct_kinds``.

Same steps as the urgency model: the corpus reader and its fixed hash split (the test cases
are never trained on), an accent-stripped copy of each training case, TF-IDF blocks from
triage.classify.features, the artifact written by ``Classifier.save``. Besides
data/corpus, the staged round data/corpus-staged (r15: conduct told without the usual
words) is read: its conduct labels are sound, only its topic effect was not a clear gain;
and data/conduct/train, lines written for this model.

The artifact is a ``Classifier`` with one placeholder topic (``thai_do``, probability 1)
and the four kinds as flags: one binary logistic regression per kind (a probability
already, so the Platt scaling is the identity), each with the threshold that gave the best
F1 over out-of-fold scores of the training split. Scores are given on the corpus test split
and on the hand-written evaluation set data/conduct/eval.jsonl, as written and
accent-stripped.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from triage.classify.conduct import FLAG, KINDS, ConductReader, load_cues, match_cues
from triage.classify.corpus import (
    Example,
    data_hash,
    dedupe,
    load_corpus,
    split,
)
from triage.classify.features import FeatureSet, make_doc
from triage.classify.model import Classifier
from triage.classify.train import augmented
from triage.settings import REPO_ROOT
from triage.text.normalize import normalize, strip_accents

# Syllable 1-2-grams as written and accent-stripped. Character n-grams (the topic model's
# third block) took up the vocabulary of any story told with quotes and questions ("nói",
# "hỏi", "gì", "đấy"): long letters telling a run-around where nobody was rude read as
# rude, and every kind scored lower on our own evaluation set with them.
BLOCKS = ("syl", "syl_str")
C = 4.0
SEED = 1022
CLASS_WEIGHT = "balanced"
STAGED_DIR = REPO_ROOT / "data" / "corpus-staged"
EVAL_PATH = REPO_ROOT / "data" / "conduct" / "eval.jsonl"
# Lines written for this model alone (corpus format, topic left "khac"): kinds the corpus
# has few of (not doing the job, several kinds in one complaint).
EXTRA_DIR = REPO_ROOT / "data" / "conduct" / "train"
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(13)]
# Candidates for the reader's fill floor (None: a complaint may get no kind at all).
FLOORS: list[float | None] = [None, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
FOLDS = 5
# How much lower a fill floor's out-of-fold mean F1 may be than no floor's and still be taken.
FLOOR_TIE = 0.001
# The weight of a corpus line (data/corpus, data/corpus-staged) against a line of
# data/conduct/train (1.0): corpus rounds come from other writers, with kind conventions
# of their own, in numbers that can swamp the lines written for this model. At 1.0, 0.5
# and 0.3 the 5-fold out-of-fold mean F1 was 0.847, 0.846, 0.842 and our evaluation set
# moved by 0.01 at most; at 1.0 a refusal to take a letter ("chỉ nói về đi") also read as
# rude (0.46 against 0.45), at 0.5 not: 0.5, the tie broken on our own clear cases.
CORPUS_WEIGHT = 0.5


@dataclass(frozen=True)
class Case:
    text: str
    kinds: tuple[str, ...]


# Staged rounds (ids' prefix) the conduct model does not read: measured on the real thai_do
# complaints, r18's 142 conduct lines made it worse (all 61 as written nhung_nhieu 0.81 ->
# 0.75, stripped mean F1 0.84 -> 0.82; held-out 18 nhung_nhieu 0.89 -> 0.80). r22 (written for
# the topic model's flags) has not been measured on the conduct model, so it stays out too.
# (r23, written for the topic model's weak topics, is in data/corpus as `topic_only` lines,
# which this model does not read either.)
STAGED_LEFT_OUT = ("r18-", "r22-")


def labelled(*dirs: Path) -> list[Example]:
    """thai_do lines with conduct_kinds from `dirs`, one copy of each text.

    Two folders may use one id for different lines (data/corpus/r15 and the staged r15 were
    written by two writers): a later folder's line whose id is taken gets the folder's name
    before its id, so that it is kept, not dropped as a copy (69 staged lines were lost so)."""
    found: list[Example] = []
    taken: set[str] = set()
    for d in dirs:
        if not d.is_dir():
            continue
        mine = [e for e in load_corpus(d).examples
                if FLAG in e.flags and e.conduct_kinds is not None and not e.topic_only
                and not (d == STAGED_DIR and e.id.startswith(STAGED_LEFT_OUT))]
        found += [replace(e, id=f"{d.name}/{e.id}") if e.id in taken else e for e in mine]
        taken |= {e.id for e in mine}
    return dedupe(found)


def read_eval(path: Path = EVAL_PATH) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(Case(row["text"], tuple(k for k in KINDS if k in row["kinds"])))
    return cases


def fold_of(example: Example) -> int:
    """The validation fold (0..FOLDS-1) of a training case, by a hash of its id."""
    digest = hashlib.sha256(f"conduct-valid:{example.id}".encode()).hexdigest()
    return int(digest[:8], 16) % FOLDS


def is_validation(example: Example) -> bool:
    return fold_of(example) == 0


def fit(train: Sequence[Example], version: str, thresholds: dict[str, float],
        fill_floor: float | None = None) -> Classifier:
    from sklearn.linear_model import LogisticRegression

    examples, texts, _ = augmented(train)
    docs = [make_doc(normalize(t), False) for t in texts]
    features, X = FeatureSet.fit_transform(BLOCKS, docs, min_df=2)
    extra = _extra_ids()
    sample_weight = np.array([1.0 if e.id in extra else CORPUS_WEIGHT for e in examples])
    weights = [np.zeros(X.shape[1])]
    bias = [0.0]
    for kind in KINDS:
        y = [int(kind in (e.conduct_kinds or ())) for e in examples]
        lr = LogisticRegression(C=C, max_iter=3000, class_weight=CLASS_WEIGHT,
                                random_state=SEED).fit(X, y, sample_weight=sample_weight)
        weights.append(lr.coef_[0])
        bias.append(float(lr.intercept_[0]))
    n = len(KINDS) + 1
    meta = {"version": version, "topics": [FLAG], "flags": list(KINDS),
            "flag_thresholds": {k: thresholds.get(k, 0.5) for k in KINDS},
            "fill_floor": fill_floor,
            "flag_nb_share": {k: 0.0 for k in KINDS}, "review_threshold": 0.0,
            "kind": "conduct", "blocks": list(BLOCKS), "C": C, "class_weight": CLASS_WEIGHT,
            "corpus_weight": CORPUS_WEIGHT}
    return Classifier(features, {
        "weights": np.stack(weights, axis=1).astype(np.float32),
        "bias": np.asarray(bias, np.float32),
        "platt_a": np.ones(n, np.float32), "platt_b": np.zeros(n, np.float32),
    }, meta)


@functools.cache
def _extra_ids() -> frozenset[str]:
    return frozenset(e.id for e in labelled(EXTRA_DIR))


def choose_thresholds(train: Sequence[Example]) -> tuple[dict[str, float], float | None]:
    """Per kind, the threshold of best F1 over out-of-fold scores: the training split cut
    in FOLDS parts by a hash of the id, each part read (as written and accent-stripped) by
    a model fitted on the others. One validation fifth alone gave thresholds that moved by
    0.2 from one added line to the next; every training case counted is steadier.
    Then the reader's fill floor (see ConductReader) of best mean F1 over the kinds, on the
    same scores with the cues the reader would find."""
    truth_rows: list[tuple[str, ...]] = []
    p_rows: list[list[float]] = []
    cued_rows: list[set[str]] = []
    cues = load_cues()
    for fold in range(FOLDS):
        part = [e for e in train if fold_of(e) != fold]
        valid = [e for e in train if fold_of(e) == fold]
        model = fit(part, "validation", {})
        texts = [e.text for e in valid] + [strip_accents(e.text) for e in valid]
        truth_rows += [e.conduct_kinds or () for e in valid] * 2
        p_rows += [[c.flag_scores.get(k, 0.0) for k in KINDS]
                   for c in model.classify_many(texts)]
        for text in texts:
            norm = normalize(text)
            cued_rows.append(set(match_cues(norm.stripped, cues, norm.accented)))
    p = np.array(p_rows)
    truth = np.array([[kind in w for kind in KINDS] for w in truth_rows])
    cued = np.array([[kind in c for kind in KINDS] for c in cued_rows])
    out = {}
    for j, kind in enumerate(KINDS):
        out[kind] = max(THRESHOLDS, key=lambda t: (_f1(p[:, j] >= t, truth[:, j]),
                                                   -abs(t - 0.5)))
    over = p >= np.array([out[k] for k in KINDS])

    def mean_f1(floor: float | None) -> float:
        got = over | cued
        if floor is not None:
            empty = ~got.any(axis=1) & (p.max(axis=1) >= floor)
            got[empty, p[empty].argmax(axis=1)] = True
        return float(np.mean([_f1(got[:, j], truth[:, j]) for j in range(len(KINDS))]))

    # A complaint about conduct reports at least one kind: a floor within FLOOR_TIE of the
    # best mean F1 is taken over no floor (the highest such floor). The out-of-fold mean
    # F1 of None and of 0.4 differed by 0.0001 and the choice flipped from one added line
    # to the next; on the real thai_do complaints the floor kept neglect told without the
    # usual words (vo_trach_nhiem 0.67/0.75 -> 0.71/0.79 written/stripped).
    means = {f: round(mean_f1(f), 4) for f in FLOORS}
    best = max(means.values())
    near = [f for f in FLOORS if f is not None and means[f] >= best - FLOOR_TIE]
    return out, max(near) if near else None


def _f1(got: np.ndarray, truth: np.ndarray) -> float:
    tp = float((got & truth).sum())
    return 2 * tp / max(float(got.sum() + truth.sum()), 1.0)


def scores(reader: ConductReader, cases: Sequence[Case], stripped: bool = False
           ) -> dict[str, Any]:
    """Precision, recall and F1 per kind; exact: the share of cases whose kinds all match."""
    got = [{k.kind for k in reader.read(strip_accents(c.text) if stripped else c.text)}
           for c in cases]
    out: dict[str, Any] = {"cases": len(cases)}
    for kind in KINDS:
        tp = sum(kind in g and kind in c.kinds for g, c in zip(got, cases, strict=True))
        n_got = sum(kind in g for g in got)
        n_want = sum(kind in c.kinds for c in cases)
        out[kind] = {"precision": round(tp / n_got, 4) if n_got else None,
                     "recall": round(tp / n_want, 4) if n_want else None,
                     "f1": round(2 * tp / (n_got + n_want), 4) if n_got + n_want else None,
                     "support": n_want}
    out["exact"] = round(sum(g == set(c.kinds) for g, c in zip(got, cases, strict=True))
                         / max(len(cases), 1), 4)
    return out


def cases_of(examples: Sequence[Example]) -> list[Case]:
    return [Case(e.text, e.conduct_kinds or ()) for e in examples]


def train_conduct(corpus_dir: Path, out: Path, staged_dir: Path = STAGED_DIR,
                  eval_path: Path = EVAL_PATH) -> dict[str, Any]:
    train, test = split(labelled(corpus_dir, staged_dir, EXTRA_DIR))
    # The lines written for this model fall on both sides of the split; the corpus's own
    # test cases are also scored apart, so that adding lines cannot flatter the score.
    extra_ids = _extra_ids()
    corpus_test = cases_of([e for e in test if e.id not in extra_ids])
    version = "conduct-" + data_hash(train)[:12]
    thresholds, floor = choose_thresholds(train)
    model = fit(train, version, thresholds, floor)
    cues = load_cues()
    reader, test_cases = ConductReader(model, cues), cases_of(test)
    metrics: dict[str, Any] = {
        "version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_cases": len(train), "test_cases": len(test),
        "extra_lines": len(extra_ids), "corpus_test_cases": len(corpus_test),
        "thresholds": model.meta["flag_thresholds"],
        "fill_floor": floor,
        "model_only": scores(ConductReader(model, ()), test_cases),
        "reader": scores(reader, test_cases),
        "reader_stripped": scores(reader, test_cases, stripped=True),
        "reader_corpus": scores(reader, corpus_test),
        "reader_corpus_stripped": scores(reader, corpus_test, stripped=True),
        "cues_only": scores(ConductReader(None, cues), test_cases),
    }
    if eval_path.exists():
        written = read_eval(eval_path)
        metrics["eval"] = scores(reader, written)
        metrics["eval_stripped"] = scores(reader, written, stripped=True)
    # The artifact is fitted on the training split only: its test scores stay honest.
    model.save(out)
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(card(metrics), encoding="utf-8")
    return metrics


def _row(label: str, m: dict[str, Any]) -> str:
    cells = [f"{m[k]['precision']} / {m[k]['recall']} / **{m[k]['f1']}**" for k in KINDS]
    return f"| {label} | {' | '.join(cells)} | {m['exact']:.1%} |"


def card(metrics: dict[str, Any]) -> str:
    rows = [_row(label, metrics[name]) for name, label in (
        ("reader", "model + cues (what the service uses)"),
        ("reader_stripped", "model + cues, accent-stripped"),
        ("reader_corpus", "model + cues, corpus cases only"),
        ("reader_corpus_stripped", "model + cues, corpus cases only, accent-stripped"),
        ("model_only", "model alone"), ("cues_only", "cues alone"))]
    evals = [_row(label, metrics[name]) for name, label in (
        ("eval", "as written"), ("eval_stripped", "accent-stripped")) if name in metrics]
    support = ", ".join(f"{k} {metrics['reader'][k]['support']}" for k in KINDS)
    eval_support = ", ".join(f"{k} {metrics['eval'][k]['support']}" for k in KINDS) \
        if "eval" in metrics else "none"
    thresholds = ", ".join(f"{k} {v}" for k, v in metrics["thresholds"].items())
    header = "| reader | " + " | ".join(KINDS) + " | exact |\n|" + " --- |" * (len(KINDS) + 2)
    return f"""# Model card: conduct kinds of 1022 complaints

- Version: `{metrics['version']}`; trained {metrics['trained_at']} by `triage train-conduct`.
- Artifact: `model.json` + `model.npz` in the topic model's format (plain data, SHA-256 in
  `SHA256SUMS`, checked on load): a `Classifier` with one placeholder topic (`thai_do`) and
  the kinds `thieu_ton_trong`, `gay_kho_de`, `nhung_nhieu`, `vo_trach_nhiem` as flags.
- Model: one binary logistic regression per kind (C={C}, class weights {CLASS_WEIGHT}) over
  TF-IDF blocks {", ".join(BLOCKS)} (syllable 1-2-grams as written and accent-stripped; no
  character n-grams: through them the model took up the words of any story told with quotes
  and questions). Multi-label: every kind over its threshold is kept.
- Thresholds ({thresholds}): per kind, the best F1 over out-of-fold scores of the training
  split ({FOLDS} folds by a hash of the id, each read as written and accent-stripped by a
  model fitted on the other folds).
- Fill floor ({metrics.get('fill_floor')}): a complaint about conduct reports at least one
  kind; when no kind is over its threshold and no cue is found, the most likely kind is kept
  if it scores at least this much (None: never). Chosen on the same out-of-fold scores, as
  the best mean F1 over the kinds; praise lines keep it from going low. A floor within
  {FLOOR_TIE} of the best is taken over none (None and 0.4 were 0.0001 apart, and the
  choice flipped from one added line to the next).
- Cues: `data/conduct/cues.csv`, matched on the accent-stripped text word by word; a cue
  adds its kind (score 1.0), never removes one. A cue starting with "không" (not) also
  matches with "chẳng" or "chả" in its place. Each kind's cue names the phrase, or the
  three words that pushed the model hardest towards it.
- Runs only on complaints flagged `thai_do` (by the topic model or by a person).

## Data

`thai_do` lines with `conduct_kinds` in `data/corpus/*.jsonl`, `data/corpus-staged/*.jsonl`
(round r15: conduct told without the usual words) and `data/conduct/train/*.jsonl`
({metrics['extra_lines']} lines written for this model in every register: not doing the job,
being sent from desk to desk, needless papers, appointments put off again and again,
several kinds in one complaint, praise and other kinds as hard negatives; ct36-ct39:
neglect told inside a story of another kind, money hinted or typed without diacritics,
praise that speaks of money, refusals and run-arounds that are not rude; ct40-ct45: money
asked or hinted at checkpoints, wards, hospitals and schools, absence and lateness beside a
run-around, rude replies quoted without the usual words, longer stories where conduct is one
part, indignant stories where nobody was rude; ct46-ct53: papers lost, forgotten or never
handed out, letters never answered, a service halted while the one who signs is away,
care given carelessly, absence told with the citizen's own indignant questions, neglect
beside a run-around or a rude word, money at the roadside and on the water, fines and fees
without a decision or a receipt, aid kept back, praise that speaks of money, rude replies
and calm refusals without the usual words; ct54, ct56-ct62: papers lost, forgotten or never
handed out and dossiers left for months, an official away on other business and his
appointments broken, a service halted while the signer is away (a signer away as one excuse
in a run-around is gay_kho_de alone), care given without care beside a shout, force with a
slow follow-up (rudeness alone), money at the roadside in slang and the fine turned into
cash in hand, fees taken and never accounted for, a charge or a "fine" demanded before a
paper, money slipped in slang inside a run-around, pressure on parents to pay, aid held
back; praise that tells of money lost and found, praise typed without diacritics, lawful
fees and fines beside another kind, needless papers that speak of money), see
`data/corpus/GUIDE.md`; praise lines (`khen`) are cases with none of the four kinds. Split
by the corpus's fixed hash of the case id: {metrics['train_cases']} training cases
(plus an accent-stripped copy of each), {metrics['test_cases']} test cases never trained on
({support}); {metrics['corpus_test_cases']} of them are corpus lines (the rows "corpus cases
only"), the rest lines of `data/conduct/train`.

## Corpus test split: precision / recall / F1 per kind

{header}
{chr(10).join(rows)}

## Hand-written evaluation set (`data/conduct/eval.jsonl`)

Conduct complaints written for this evaluation only, in every register (operator notes,
letters, reader desks, portal records; with and without diacritics, abbreviations, typos),
none taken from the corpus (near duplicates checked by `tests/classify/test_conduct.py`);
support {eval_support}.

{header}
{chr(10).join(evals)}

## Limits

All labelled text here was written by this project; real complaints carry no conduct kinds
yet, so the scores above are an upper bound. An estimate on real text: the 61 complaints of
the real development file flagged `thai_do`, labelled by kind by hand (labels kept outside
the repository, never trained on; `triage evaluate-conduct FILE` measures any such file).
They were labelled six times (the labels were lost between sessions), each time with a
held-out third of its own (by a hash of the id) whose errors were not read. F1 per kind, as
written / accent-stripped.

Sixth labelling (16 thieu_ton_trong, 24 gay_kho_de, 17 nhung_nhieu, 17 vo_trach_nhiem,
5 praise; labelled before the reader's output was seen; held-out the same 18, sha1(id) %
3 == 0: 5 / 7 / 4 / 4; errors read on the other 43 only). Less neglect given than in the
fifth (a dossier held for hours beside a shout, a run-around of piecemeal papers left
unanswered, a demand for a paper that does not exist which the complainant calls "thiếu
trách nhiệm": gay_kho_de without vo_trach_nhiem here). Before and after a cue round, the
model unchanged (conduct-00299dcf3969):

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, before | 0.85 / 0.80 | 0.92 / 0.89 | 0.85 / 0.82 | 0.73 / 0.75 |
| all 61, now | 0.85 / 0.80 | 0.92 / 0.89 | 0.85 / 0.82 | 0.80 / 0.82 |
| read 43, before | 0.91 / 0.83 | 0.94 / 0.91 | 0.83 / 0.83 | 0.67 / 0.70 |
| read 43, now | 0.91 / 0.83 | 0.94 / 0.91 | 0.83 / 0.83 | 0.77 / 0.80 |
| held-out 18, before and now | 0.73 / 0.73 | 0.86 / 0.86 | 0.89 / 0.80 | 0.89 / 0.89 |

vo_trach_nhiem precision / recall on all 61 went from 0.75 / 0.71 (written) and
0.80 / 0.71 (stripped) to 0.78 / 0.82 and 0.82 / 0.82. The round: a cue starting with
"không" also matches with "chẳng" or "chả" ("ko", "k" are read as "không" already), and
six neglect cues (hồ sơ thất lạc, hồ sơ bị thất lạc, thất lạc hồ sơ, làm thất lạc, tán gẫu,
làm lơ). Over all our lines (both splits and the evaluation set, as written and stripped)
the new forms gave a kind the old cues did not to 22 readings (11 lines), 4 of them wrong: a
paper an official lost, labelled gay_kho_de or nhung_nhieu alone (the audit's convention
calls it neglect). On the corpus test split vo_trach_nhiem moved 0.862 / 0.853 -> 0.863 /
0.853 (corpus cases only 0.817 / 0.805 -> 0.814 / 0.802), the other kinds and our
evaluation set unchanged. Two real complaints of the 43 gained the kind: a dossier the
commune says was lost, and a doctor who "chẳng để tâm" to his patient. That phrase is one
the third labelling's cue audit dropped for reading like a read complaint; it comes back
through the general rule, which reads every "không" cue so. Without the rule vo_trach_nhiem
on all 61 reads 0.76 / 0.79. A fix beside it (triage.classify.cues): text typed bare with
an abbreviation read as "không" (k, ko) has that one word with diacritics, and a cue over it
was taken for other words ("k ai bat may" missed "không ai bắt máy"); words are now
compared one by one. On our evaluation set vo_trach_nhiem 0.872 / 0.873 -> 0.879 / 0.881,
nothing else moved. The conduct cues also raise the topic model's thai_do flag (with
review) when its score is near: on all 341 real complaints thai_do reads 0.817 / 0.800 ->
0.829 / 0.813 (two more found, through "chẳng ai bắt máy" and "chẳng có người trực", one
more given: fees taken "chẳng có biên lai"). Tried and not kept: quotation marks read as
spaces (a quoted
"ngâm" hồ sơ): on our lines the quoted word is mostly a dossier held for money (gay_kho_de
and nhung_nhieu, 6 of 8 readings wrong), and a quoted insult "đồ ngu" before "trong giờ"
read as sleeping in office hours stripped; cues bỏ quên (16 of 29 wrong: lost things
returned, in praise), không trả lời (half wrong), làm ngơ (mostly wrong), không nêu lý do (a
refusal without a reason, gay_kho_de: 16 of 18 wrong), nằm im, nằm yên, ngồi chơi; 35 new
lines (papers kept for years and never handed out, a service halted while the signer is
away, a dossier untouched for months, care given without care; money-seeking holds,
run-arounds and praise as hard negatives) and a 21-line part of them: vo_trach_nhiem on
real text unchanged or lower (0.80 / 0.80, 0.80 / 0.82), gay_kho_de on all 61 0.92 -> 0.89
written, the corpus test split's gay_kho_de stripped 0.804 -> 0.797 with the 21 lines;
the scores of the misses below did not move. Still missed on the 43: land titles kept for
years in an official's desk (0.38 against the threshold 0.55), a certification halted for
the day while the leaders meet (0.21; our lines tell such a halt inside a run-around as
gay_kho_de), a dossier "ngâm" (quoted) for months (0.23); false alarms: a dossier held for
hours beside a shout (0.59), a general remark on local officials slow and overbearing
(0.63 written), the "thiếu trách nhiệm" demand (the cue). The held-out thieu_ton_trong,
0.73, is the one kind under 0.80 on the 18 (5 cases), as it was before this round.

Fifth labelling (17 thieu_ton_trong, 25 gay_kho_de, 17 nhung_nhieu, 22 vo_trach_nhiem,
5 praise; held-out the same 18, sha1(id) % 3 == 0: 6 / 7 / 4 / 6, fixed before any
measuring; errors read on the other 43 only). More neglect given than in the fourth (a
dossier left untouched for months, a service halted for a meeting, a doctor who does not
care beside a shout). Before and after ct54, ct56-ct62 (227 lines, 61 without diacritics):

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, before (conduct-065277662101) | 0.86 / 0.81 | 0.92 / 0.92 | 0.81 / 0.79 | 0.68 / 0.76 |
| all 61, with ct55 (not kept) | 0.88 / 0.78 | 0.92 / 0.92 | 0.85 / 0.82 | 0.74 / 0.76 |
| all 61, now | 0.88 / 0.83 | 0.94 / 0.92 | 0.85 / 0.82 | 0.74 / 0.76 |
| read 43, before | 0.87 / 0.80 | 0.94 / 0.94 | 0.78 / 0.78 | 0.59 / 0.69 |
| read 43, now | 0.91 / 0.83 | 0.97 / 0.94 | 0.83 / 0.83 | 0.67 / 0.69 |
| held-out 18, before | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 0.91 / 0.91 |
| held-out 18, with ct55 (not kept) | 0.83 / 0.73 | 0.86 / 0.86 | 0.89 / 0.80 | 0.91 / 0.91 |
| held-out 18, now | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 0.91 / 0.91 |

Our evaluation set moved from 0.932/0.938, 0.910/0.915, 0.963/0.957, 0.879/0.887 to the
figures above (nhung_nhieu -0.011, vo_trach_nhiem -0.007/-0.014: the thresholds chosen out
of fold moved, nhung_nhieu 0.5 -> 0.45, vo_trach_nhiem 0.5 -> 0.55, gay_kho_de 0.5 -> 0.45;
the corpus split's gay_kho_de fell from 0.815/0.827 to 0.799/0.807 with it). ct55 (43
lines: an office empty told with indignant questions, force with a slow follow-up, a rude
remark where nobody is absent, a late procedure laid on a backlog) cost one held-out
complaint's thieu_ton_trong accent-stripped in every variant tried (all of it, without its
empty-office lines, only its rude-remark and backlog lines) and is left out. Earlier drafts
of these files also held lines close to complaints of the 61 (two told a read complaint's
story again, some were near held-out ones: a mistaken bank transfer recovered, extra
classes, aid signed for by others, a locked reception day); they were rewritten as other
situations before the figures above, and the held-out nhung_nhieu accent-stripped, 0.89
with them, went back to 0.80. Still missed on the 43 read: neglect told beside a run-around
(a lost dossier, months without an answer, a halted service; scores 0.15-0.30), "mãi lộ"
in a press account, money slipped in slang inside a long run-around; praise that tells of
lost money returned still reads as nhung_nhieu. One complaint moves a kind's F1 by
0.03-0.15.

Fourth labelling (17 thieu_ton_trong, 25 gay_kho_de, 17 nhung_nhieu, 19 vo_trach_nhiem,
5 praise; held-out the same 18 as the third, sha1(id) % 3 == 0: 6 / 7 / 4 / 5, fixed before
any measuring; errors read on the other 43 only), before and after ct46-ct53 and the fill
floor's tie rule:

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, before (conduct-a0673bd59cb0) | 0.83 / 0.83 | 0.94 / 0.94 | 0.75 / 0.79 | 0.77 / 0.71 |
| all 61, main's data retrained (r17 in) | 0.86 / 0.81 | 0.92 / 0.94 | 0.75 / 0.79 | 0.75 / 0.71 |
| all 61, ct46-ct53 (floor chosen: none) | 0.88 / 0.85 | 0.94 / 0.94 | 0.80 / 0.80 | 0.67 / 0.75 |
| all 61, floor tie rule (a7d201bd727d) | 0.85 / 0.83 | 0.94 / 0.94 | 0.81 / 0.79 | 0.71 / 0.79 |
| all 61, + staged r18 (not kept) | 0.88 / 0.81 | 0.94 / 0.94 | 0.75 / 0.79 | 0.74 / 0.73 |
| all 61, ct38-020 rewritten (now) | 0.86 / 0.81 | 0.92 / 0.92 | 0.81 / 0.79 | 0.69 / 0.77 |
| held-out 18, before | 0.83 / 0.83 | 0.86 / 0.86 | 0.80 / 0.80 | 1.00 / 0.89 |
| held-out 18, main's data retrained | 0.83 / 0.83 | 0.86 / 0.86 | 0.80 / 0.80 | 1.00 / 0.89 |
| held-out 18, ct46-ct53 | 0.83 / 0.83 | 0.86 / 0.86 | 1.00 / 1.00 | 1.00 / 1.00 |
| held-out 18, floor tie rule | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 1.00 / 1.00 |
| held-out 18, + staged r18 (not kept) | 0.83 / 0.83 | 0.86 / 0.86 | 0.80 / 0.80 | 1.00 / 1.00 |
| held-out 18, ct38-020 rewritten (now) | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 1.00 / 1.00 |

One training line, ct38-020, paraphrased a real complaint of the 61 (29 % of its 4-word
runs; an overlap check of every data file against real-dev found no other): it is rewritten
as a new situation, and the figures marked "now" are the model without it. Its gay_kho_de
on all 61 (0.94 -> 0.92) and neglect as written (0.71 -> 0.69) had been lifted by that line.
The staged round r18 (data/corpus-staged, written for the topic model's flags) is left out
of this model (`STAGED_LEFT_OUT`): with its 142 conduct lines nhung_nhieu on all 61 fell to
0.75 as written and the stripped mean F1 from 0.84 to 0.82.

The staged round r17 (59 thai_do lines with kinds) came into the data after the shipped
model; retrained on main's data alone (conduct-898970da111a, floor 0.4) our evaluation set
reads 0.916/0.926, 0.922/0.927, 0.963/0.957, 0.879/0.873 and the corpus test split (549
cases) 0.827/0.828, 0.821/0.821, 0.935/0.929, 0.828/0.811: against it ct46-ct53 give
thieu_ton_trong +0.016/+0.012 and vo_trach_nhiem +0.007/+0.014 on our evaluation set,
gay_kho_de -0.005, and move the corpus split by -0.01 to +0.01 a kind. The floor rule
costs nhung_nhieu on the held-out 18 (one more kind given where none was over its
threshold) and gives vo_trach_nhiem on all 61 and on our evaluation set (0.879/0.873 ->
0.886/0.887); kept for the rule's reason (a conduct complaint reports a kind), not for the
18. vo_trach_nhiem written on the 43 read stays low (0.58; recall 7 of 14): neglect beside
a run-around (a lost dossier, a signer away, months with no answer) scores 0.15-0.30 because
many corpus lines tell such stories as gay_kho_de alone, and three new false positives are
borderline (a beating left unresolved, a dossier held for hours, officials "slow"). About
120 lines moved the real-text scores by one or two complaints a kind; the thresholds chosen
out of fold moved as much from line to line. Tried and dropped: 16 lines of force and
threats by officials (ct54: own test and evaluation sets lower, real text no better),
corpus weight 0.3, thresholds chosen with the cues or smoothed over neighbours (no change
beyond one complaint), the cue "mãi lộ" alone (nhung_nhieu on all 61 0.81 -> 0.85, one
complaint of the 43 read, but "mai lo", "tomorrow I'll see to it", has no diacritics to
tell it apart even in text typed with them).

Label audit of vo_trach_nhiem (tried, not applied). Neglect told beside a run-around scored
low, and many of our lines told such neglect without the kind, so our convention was checked
against the definition ("not doing the job" is vo_trach_nhiem, sending people around or
asking for needless papers gay_kho_de, both may apply). Shortlisted by keywords and an
out-of-fold vo_trach_nhiem score: 664 of the 3212 lines with kinds but without it, every one
read. It was added where the text tells the neglect itself, not a delay alone: 71 lines (48
corpus, 6 staged, 17 `data/conduct/train`; 27 letters or dossiers left unanswered or
untouched for months, 10 an official absent or the signer away and the service halted, 12
the signer away as one excuse among several in a run-around, 6 care withheld, 6 papers lost
or forgotten, 5 a personal phone or idling at the desk, 5 a report taken and nothing done).
Reverse: 99 lines with the kind and a low score read, 1 had nothing of it (a queue jumped
for acquaintances); 4 more carry it where no kind fits (signatures forged, a date backdated,
a hall lent out) and were left. Our evaluation set: 50 lines read, 3 added (2 without the
excuse case). The list is `data/conduct/audit-vo-2026-12.tsv`. Retrained on the relabelled
data (A1: all 71; A2: without the 12 excuse cases), F1 written / accent-stripped:

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, shipped model | 0.85 / 0.83 | 0.94 / 0.94 | 0.81 / 0.79 | 0.71 / 0.79 |
| all 61, A1 | 0.88 / 0.83 | 0.94 / 0.94 | 0.81 / 0.79 | 0.70 / 0.79 |
| all 61, A2 | 0.85 / 0.83 | 0.94 / 0.94 | 0.81 / 0.79 | 0.69 / 0.75 |
| held-out 18, shipped model | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 1.00 / 1.00 |
| held-out 18, A1 and A2 | 0.83 / 0.83 | 0.86 / 0.86 | 0.89 / 0.80 | 0.91 / 1.00 |

On our evaluation set vo_trach_nhiem reads 0.886/0.887 with the shipped model and its
labels as they were, 0.882/0.883 with the shipped model and the A1 labels (the convention
change alone), 0.873/0.871 with the A1 model (0.887/0.889 -> 0.859/0.870 for A2);
thieu_ton_trong accent-stripped 0.938 -> 0.932, the other kinds equal. On the 43 real
complaints read, the A1 score of the neglect beside a run-around rose for two (0.15 -> 0.28,
0.26 -> 0.34) and fell for two (0.25 -> 0.18, 0.16 -> 0.11), all under the threshold (0.5);
one more complaint of the 43 (pretexts "in a meeting, away on business" in a bribe story)
and one of the held-out 18 got the kind, and one told without the usual words gained it:
all 61 written, recall 12 -> 13 of 19, precision 0.80 -> 0.72. Neither variant was kept:
the labels and the model stay as they were.

Third labelling (18 thieu_ton_trong, 24 gay_kho_de, 17 nhung_nhieu, 16 vo_trach_nhiem,
5 praise; held-out by sha1(id) % 3 == 0, 18 cases: 6 / 7 / 4 / 4), before and after ct40-ct45
and six cues (đi làm muộn, đi làm trễ, cười khẩy, hất hàm, dập máy, tiền uống nước):

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, before ct40 | 0.83 / 0.86 | 0.92 / 0.92 | 0.75 / 0.75 | 0.84 / 0.77 |
| all 61, ct40-ct45 | 0.81 / 0.86 | 0.92 / 0.92 | 0.75 / 0.79 | 0.84 / 0.77 |
| all 61, now (cue audit) | 0.81 / 0.86 | 0.92 / 0.92 | 0.75 / 0.79 | 0.71 / 0.64 |
| held-out 18, before ct40 | 0.83 / 0.83 | 0.86 / 0.86 | 0.80 / 0.80 | 0.89 / 0.75 |
| held-out 18, now | 0.83 / 0.83 | 0.86 / 0.86 | 0.80 / 0.80 | 0.89 / 0.75 |

Cue audit: four cues whose wording read like real-dev's own (không hề có trong quy định,
chẳng có người trực, trong ngăn bàn, chẳng để tâm) were dropped from `data/conduct/cues.csv`.
Three were vo_trach_nhiem cues that fired on real complaints of the 43 whose errors had been
read: vo_trach_nhiem on all 61 falls to 0.71 / 0.64 (the honest figure; the held-out 18
are unchanged).

The held-out third of this labelling is not clean of earlier reading: the earlier labellings
held out other thirds, so some of these 18 had their errors read before and cues were added
for them. The topic model's diacritics restorer (its guess mixed into the decision of a text
typed bare, half or whole) did not help here: no change on the real complaints stripped at
half, held-out thieu_ton_trong 0.83 -> 0.73 at whole, and our own set stripped lost up to
0.02 a kind; the model already reads an accent-stripped block and trains on a stripped copy
of each line.

Second labelling (18 thieu_ton_trong, 23 gay_kho_de, 18 nhung_nhieu, 19 vo_trach_nhiem,
5 praise; held-out 22: 7 / 10 / 9 / 7), before and after the ct36-ct39 lines, the new cues
and the "nhưng nhiều" guard:

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, before ct36 | 0.81 / 0.85 | 0.89 / 0.89 | 0.79 / 0.74 | 0.61 / 0.53 |
| all 61, now | 0.83 / 0.86 | 0.94 / 0.94 | 0.79 / 0.79 | 0.82 / 0.76 |
| held-out 22, before ct36 | 0.77 / 0.80 | 0.89 / 0.89 | 0.88 / 0.82 | 0.73 / 0.40 |
| held-out 22, now | 0.77 / 0.80 | 0.95 / 0.95 | 0.80 / 0.80 | 0.83 / 0.67 |

First labelling (16 / 21 / 18 / 18, 5 praise; held-out 23), the models before ct36:

| | thieu_ton_trong | gay_kho_de | nhung_nhieu | vo_trach_nhiem |
| --- | --- | --- | --- | --- |
| all 61, first measured | 0.68 / 0.65 | 0.80 / 0.77 | 0.65 / 0.63 | 0.55 / 0.57 |
| all 61, ct35 | 0.78 / 0.81 | 0.88 / 0.88 | 0.82 / 0.74 | 0.71 / 0.69 |
| all 61, r15/r16 corrected | 0.80 / 0.79 | 0.88 / 0.88 | 0.79 / 0.74 | 0.69 / 0.69 |
| held-out 23, ct35 | 0.77 / 0.77 | 0.86 / 0.86 | 0.86 / 0.75 | 0.71 / 0.71 |
| held-out 23, r15/r16 corrected | 0.83 / 0.67 | 0.86 / 0.86 | 0.86 / 0.75 | 0.71 / 0.71 |

With 7-23 cases a kind one complaint moves F1 by 0.03-0.15, and the two labellings differ
(the second gives neglect beside another kind more often). vo_trach_nhiem is still the
weak kind accent-stripped (recall about 0.7: neglect told beside a run-around, a service
halted because the one who signs is in a meeting); nhung_nhieu misses money hinted in a
few words (money "put in the box") and a fee demanded before a paper, and praise that
speaks much of money (lost money returned) can read as nhung_nhieu. A cue file entry fixes
a phrase the model keeps missing.
"""
