"""Vietnamese text handling shared by the classifier and anything that reads complaints."""

from triage.text.normalize import (
    PROBLEMS,
    NormalizedText,
    analyze,
    check_text,
    normalize,
    strip_accents,
)

__all__ = ["PROBLEMS", "NormalizedText", "analyze", "check_text", "normalize", "strip_accents"]
