"""Input is normalised once, at the boundary: NFC, no NUL, no lone surrogates, no bidi
controls; other invisible characters that carry no meaning are dropped."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides/isolates can make text read differently from what is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Zero-width characters and soft hyphens; ZWJ is kept out of text fields too (emoji
# sequences still read as separate emoji).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnsafeText(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_text(value: str) -> str:
    """Return the NFC form with invisible and control characters removed; raise UnsafeText."""
    if "\x00" in value:
        raise UnsafeText("nul_character", "Văn bản chứa ký tự NUL không hợp lệ.")
    if _SURROGATE.search(value):
        raise UnsafeText("invalid_unicode", "Văn bản chứa ký tự Unicode không hợp lệ.")
    if _BIDI.search(value):
        raise UnsafeText(
            "bidi_control", "Văn bản chứa ký tự điều khiển hướng chữ (bidi) không được phép."
        )
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value)
    value = _CONTROL.sub(" ", value)
    return value.strip()
