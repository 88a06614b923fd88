"""Vietnamese phone numbers: one canonical form (E.164) and one masked form for reports."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

# Phone numbers as people write them in free text: 0912 345 678, 0912.345.678,
# +84 912345678, + 84 912 345 678, 84912345678 (and full-width digits: \d matches them).
# Reports mask them and the retention purge erases them.
PHONE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+\s?84|84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_SEPARATORS = str.maketrans("", "", " .-()\u200b\u200c\u200d\ufeff\u00a0")


class InvalidPhone(ValueError):
    pass


def canonical_phone(raw: str) -> str:
    """Return +84… for any usual rendering of a valid Vietnamese number; raise InvalidPhone."""
    text = unicodedata.normalize("NFKC", raw).translate(_SEPARATORS)
    if not text or len(text) > 20:
        raise InvalidPhone(raw)
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_digits(e164: str) -> str:
    """+84912345678 -> 0912345678 for Vietnamese numbers; other countries unchanged."""
    if e164.startswith("+84"):
        return "0" + e164[3:]
    return e164


def mask_phone(e164: str | None) -> str:
    """The masked form used in every report: 09xx xxx 123."""
    if not e164:
        return ""
    digits = national_digits(e164)
    if len(digits) < 6:
        return "x" * len(digits)
    return f"{digits[:2]}xx xxx {digits[-3:]}"
