"""Input is normalised once, at the boundary: NFC, no NUL, no lone surrogates, no bidi
controls; other invisible characters that carry no meaning are dropped."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides/isolates can make text read differently from what is stored.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Zero-width characters and soft hyphens carry no meaning in a complaint.
_INVISIBLE = re.compile("[\u200b\u200c\u2060\ufeff\u00ad]")
# ZWJ only means something inside an emoji sequence (👨‍👩‍👧); anywhere else it goes.
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f"
_STRAY_ZWJ = re.compile(f"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")
_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


# The same rules as JSON Schema patterns, so that the API description says what
# clean_text accepts (schemathesis checks both ways, E5).
_BIDI_CLASS = "\\u202a-\\u202e\\u2066-\\u2069"
_REFUSED = "\\u0000" + _BIDI_CLASS
_BLANK = "\\s\\u0000-\\u001f\\u007f\\u00ad\\u200b-\\u200d\\u2060\\ufeff" + _BIDI_CLASS
TEXT_PATTERN = f"^[^{_REFUSED}]*[^{_BLANK}][^{_REFUSED}]*$"
OPTIONAL_TEXT_PATTERN = f"^[^{_REFUSED}]*$"


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
    # Removal first, NFC last: a zero-width character between a letter and its accent
    # would otherwise leave the pair decomposed once it is gone.
    value = _INVISIBLE.sub("", value)
    value = _CONTROL.sub(" ", value)
    value = unicodedata.normalize("NFC", value)
    value = _STRAY_ZWJ.sub("", value)
    return value.strip()
