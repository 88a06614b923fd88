"""Putting diacritics back on a complaint typed without them, for the classifier's accented view.

About one complaint in six reaches a hotline typed without diacritics ("ho so dat cua toi
bi tre hen"). The classifier reads an accented and an accent-stripped view of every text;
without diacritics the accented view holds bare syllables that mean several things at
once ("ban" is bàn, bán, bạn, bản, ban), and the model scores such text worse than the
same words typed with their marks. ``Restorer`` guesses the marks back: for each bare
syllable, the accented forms our own corpus writes for it, chosen with the syllable
before it (a bigram model decoded with Viterbi). It is fitted on the training text of the
model it serves and saved beside it (``restore.json``), so ``triage train`` rebuilds it
deterministically. On the real-complaint yardstick with every diacritic stripped it gets
about 85 % of syllables right, enough for the topic macro-F1 of stripped text to reach
that of the text as written.

Only the classifier's features use the guess; places, agencies and what people see read
the text as it was typed.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from triage.text.normalize import strip_accents

START = "<s>"
CANDIDATES = 8  # accented forms kept per bare syllable, most frequent first
BIGRAM_WEIGHT = 0.95  # share of the bigram estimate where the previous syllable was seen
BEAM = 4  # forms of each word kept while decoding
MIN_BIGRAM = 2  # bigrams seen fewer times are dropped (they decide little and weigh a lot)
# A text is restored when fewer of its words than this carry a diacritic; Vietnamese typed
# with its marks has ~70 % such words, typed without them 0 %.
MAX_MARKED_SHARE = 0.15


class Restorer:
    """Accented forms per bare syllable, and per (previous accented syllable, bare one)."""

    def __init__(self, unigrams: dict[str, list[tuple[str, int]]],
                 bigrams: dict[str, dict[str, list[tuple[str, int]]]]) -> None:
        self.unigrams = unigrams  # bare -> [(accented, count)], most frequent first
        self.bigrams = bigrams  # previous accented -> bare -> [(accented, count)]
        # log P(form | bare), and log P(form | previous form, bare) where the pair was seen
        # (interpolated with the first), as (form, log-probability) pairs to decode with.
        self._log_uni: dict[str, tuple[tuple[str, float], ...]] = {
            bare: tuple((acc, math.log(c / total)) for acc, c in forms)
            for bare, forms in unigrams.items()
            for total in [sum(c for _, c in forms)]
        }
        self._steps: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
            prev: {bare: self._interpolated(bare, forms) for bare, forms in row.items()}
            for prev, row in bigrams.items()
        }

    def _interpolated(self, bare: str, forms: list[tuple[str, int]]
                      ) -> tuple[tuple[str, float], ...]:
        total = sum(c for _, c in forms)
        seen = dict(forms)
        return tuple((form, math.log(BIGRAM_WEIGHT * seen.get(form, 0) / total
                                     + (1.0 - BIGRAM_WEIGHT) * math.exp(log_uni)))
                     for form, log_uni in self._log_uni[bare])

    # --- fitting and persistence ---------------------------------------------------

    @classmethod
    def fit(cls, views: Iterable[str]) -> Restorer:
        """From the classifier's "acc" views of training texts (space-separated lower-case
        words). Only views typed with their diacritics are read: a text typed without
        them (whose view may still hold a few marked words, from expanded abbreviations
        like "ko" -> "không") would teach that bare words stay bare."""
        uni: dict[str, Counter[str]] = defaultdict(Counter)
        bi: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for view in views:
            words = view.split()
            if bare_typed(words):
                continue
            prev = START
            for word in words:
                bare = strip_accents(word)
                uni[bare][word] += 1
                bi[prev, bare][word] += 1
                prev = word
        # A syllable our text only ever writes bare ("xa" in "xa lộ" is "xa") needs no guess.
        unigrams = {bare: _top(forms) for bare, forms in sorted(uni.items())
                    if set(forms) != {bare}}
        bigrams: dict[str, dict[str, list[tuple[str, int]]]] = {}
        for (prev, bare), forms in sorted(bi.items()):
            if bare in unigrams and sum(forms.values()) >= MIN_BIGRAM:
                bigrams.setdefault(prev, {})[bare] = _top(forms)
        return cls(unigrams, bigrams)

    def to_json(self) -> str:
        return json.dumps({"unigrams": self.unigrams, "bigrams": self.bigrams},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Restorer:
        data = json.loads(text)
        return cls({k: [(a, int(c)) for a, c in v] for k, v in data["unigrams"].items()},
                   {p: {k: [(a, int(c)) for a, c in v] for k, v in row.items()}
                    for p, row in data["bigrams"].items()})

    @classmethod
    def load(cls, path: Path) -> Restorer:
        return cls.from_json(path.read_text(encoding="utf-8"))

    # --- restoring --------------------------------------------------------------------

    def restore(self, words: Sequence[str]) -> list[str]:
        """The likeliest accented words; a word typed with marks, or one our text never
        wrote with marks, is kept as it is."""
        # Viterbi: per word, form -> (log-probability of the best path to it, previous form),
        # keeping the BEAM best forms of each word.
        path: list[dict[str, tuple[float, str]]] = []
        row: dict[str, tuple[float, str]] = {START: (0.0, "")}
        uni, steps = self._log_uni, self._steps
        for word in words:
            bare = strip_accents(word)
            forms = uni.get(bare) if bare == word else None
            if forms is None:
                best = max(row.items(), key=_score)
                row = {word: (best[1][0], best[0])}
            else:
                new: dict[str, tuple[float, str]] = {}
                for prev, (score, _) in row.items():
                    after = steps.get(prev)
                    pairs = (after.get(bare) if after else None) or forms
                    for form, step in pairs:
                        total = score + step
                        held = new.get(form)
                        if held is None or total > held[0]:
                            new[form] = (total, prev)
                row = new if len(new) <= BEAM else dict(
                    sorted(new.items(), key=_score, reverse=True)[:BEAM])
            path.append(row)
        out: list[str] = []
        form = max(row.items(), key=_score)[0] if path else ""
        for step_row in reversed(path):
            out.append(form)
            form = step_row[form][1]
        return out[::-1]


def _score(item: tuple[str, tuple[float, str]]) -> float:
    return item[1][0]


def bare_typed(words: Sequence[str]) -> bool:
    """Whether a text of these words was typed (almost) without diacritics."""
    if not words:
        return False
    marked = sum(strip_accents(w) != w for w in words)
    return marked < MAX_MARKED_SHARE * len(words)


def _top(forms: Counter[str]) -> list[tuple[str, int]]:
    # Most frequent first; ties by the word itself, so refitting gives the same file.
    return sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))[:CANDIDATES]
