"""Personal data out of free text, in one place, for every text that leaves the staff's
view: report cells (phone numbers masked), the retention purge (phone numbers and the
caller's own name and address erased) and an answer an agency made public (all of that,
and any name of a person, place or company, house number and e-mail address)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from triage.text.normalize import EMAIL, mask_names
from triage.tickets.phones import PHONE_IN_TEXT, mask_phone

# Shorter names or addresses than this are not searched for in a text (too many false
# matches inside ordinary words).
MIN_VERBATIM = 4
HIDDEN = "***"
# "số 45", "số nhà 12/3", "nhà số 7A": the place names around them are masked as names.
_HOUSE_NUMBER = re.compile(r"(?<!\w)((?i:số nhà|nhà số|số))\s*\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*")
_SPACES = re.compile(r"[ \t]{2,}")


def _masked(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return mask_phone("+84" + digits[1:]) if digits.startswith("0") else "xxx"


def scrub_phones(text: str, replacement: str | None = None) -> str:
    """Every phone number written in free text masked (09xx xxx 678), or replaced by
    `replacement`."""
    if replacement is None:
        return PHONE_IN_TEXT.sub(_masked, text)
    return PHONE_IN_TEXT.sub(lambda _: replacement, text)


def erase_values(text: str, values: Iterable[str], replacement: str) -> str:
    """`text` with each of `values` (a name, an address as the caller gave it) replaced
    wherever it is written, in any case."""
    for value in values:
        value = value.strip()
        if len(value) >= MIN_VERBATIM:
            text = re.sub(re.escape(value), lambda _: replacement, text, flags=re.IGNORECASE)
    return text


def scrub_public(text: str, own: Iterable[str | None] = ()) -> str:
    """A text fit for anyone to read: `own` (the caller's name and address as given),
    phone numbers, e-mail addresses, names of people, places and companies and house
    numbers hidden."""
    text = scrub_phones(erase_values(text, [v for v in own if v], HIDDEN), HIDDEN)
    text = EMAIL.sub(HIDDEN, text)
    text = _HOUSE_NUMBER.sub(rf"\1 {HIDDEN}", mask_names(text, placeholder=HIDDEN))
    return _SPACES.sub(" ", text).strip()
