"""Offset-preserving folding and tokenisation for place and agency names.

Matching works on tokens of the lower-cased, accent-stripped text ("Phường Mỹ Thọ" ->
``phuong my tho``) so that text typed without diacritics still matches. Each token
also keeps a tone-placement-insensitive signature of its accented form, so that where
the writer did type diacritics they can tell "Mỹ Tho" from "Mỹ Thọ", and "Hoà" equals
"Hòa". Folding is one character to one character, so token offsets point into the
text it is given and the matched span can be shown as written. That text is the one
normaliser's repaired form (``triage.text.normalize.prepare``: NFC, legacy TCVN3/VNI
decoded), the same the classifier starts from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from triage.text.normalize import prepare

_TONE_MARKS = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0xC0, 0x1F00):
        char = chr(code)
        parts = unicodedata.normalize("NFD", char)
        base = "".join(c for c in parts if not unicodedata.combining(c))
        if len(base) == 1 and base != char and base.isascii():
            table[code] = base.lower()
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case and strip Vietnamese diacritics, keeping the length unchanged."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.translate(_FOLD)


@lru_cache(maxsize=8192)
def signature(word: str) -> str:
    """Accent signature of one lower-case word: letters with vowel marks, then its tone.

    "hoà" and "hòa" give the same signature; "tho" and "thọ" do not.
    """
    tone = ""
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", word):
        if char in _TONE_MARKS:
            tone = _TONE_MARKS[char]
        else:
            letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters)) + tone


class Token(NamedTuple):
    folded: str
    sig: str
    start: int
    end: int
    # Punctuation other than a hyphen or a full stop stands before this token: a name does not
    # run across it ("phường Tân Hòa, Thành phố …" is not "Tân Hòa Thành").
    after_break: bool = False
    # A dash stands before this token ("xã Tân Hòa - Tây Ninh"): the country has names
    # written across one ("Bà Rịa - Vũng Tàu"), the province's units have none.
    after_dash: bool = False


# What may stand between two words of one name: spaces, a full stop ("P.5"), a hyphen.
_SOFT_GAP = " \t\n\r\f\v\xa0\u2009\u200a\u202f\u3000.-–"


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text`` (already prepared): letters and digits split apart ("p1" -> p, 1)."""
    folded = fold(text)
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = folded
    tokens: list[Token] = []
    append, make = tokens.append, Token._make
    previous_end = 0  # 0 before the first token: no token ends at 0
    for match in _TOKEN_RE.finditer(folded):
        start, end = match.span()
        word = match.group()
        after_break = after_dash = False
        if previous_end:
            gap = text[previous_end:start]
            if gap != " ":
                after_break = gap.strip(_SOFT_GAP) != ""
                after_dash = "-" in gap or "–" in gap
        previous_end = end
        if word[0] <= "9":  # a run of digits ([a-z]+ or [0-9]+)
            word = word.lstrip("0") or "0"
            append(make((word, word, start, end, after_break, after_dash)))
        else:
            append(make((word, signature(lowered[start:end]), start, end, after_break,
                         after_dash)))
    return tokens


def fold_words(text: str) -> tuple[str, ...]:
    """The folded token tuple of a name, as used for index keys."""
    return tuple(t.folded for t in tokenize(prepare(text)[0]))


def sig_words(text: str) -> tuple[str, ...]:
    return tuple(t.sig for t in tokenize(prepare(text)[0]))


def has_accents(tokens: list[Token] | tuple[Token, ...]) -> bool:
    return any(t.sig != t.folded for t in tokens)
