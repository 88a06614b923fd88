"""Text as it may appear in a report cell: never a formula, never a caller's phone number.

Spreadsheets treat a cell starting with = + - @ (and, in some, a leading tab, CR or NUL)
as a formula; such text gets a leading apostrophe (ASVS 1.2.10), so the reader still sees
the Vietnamese text and no program evaluates it."""

from __future__ import annotations

import re

from triage.scrub import scrub_phones

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Control characters XML 1.0 cannot carry (XLSX), plus NUL (CSV readers choke on it).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
SUMMARY_CHARS = 240


def xml_text(value: str) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return _ILLEGAL.sub("", value)


def neutralise(value: str) -> str:
    """Drop characters XML forbids, then prefix formula-like text with an apostrophe (in
    the other order "\x01=1+1" would lose its control character and become a formula)."""
    value = xml_text(value)
    if value.startswith(TRIGGERS):
        value = "'" + value
    return value


def initials(name: str) -> str:
    parts = name.split()
    return " ".join(p[0] + "." for p in parts) if parts else ""


def summary(text: str, caller_name: str | None = None, limit: int = SUMMARY_CHARS) -> str:
    """One line of the complaint for a list: phones masked, the caller's name as initials."""
    line = _SPACES.sub(" ", text).strip()
    if caller_name and len(caller_name.strip()) > 3 and caller_name.strip() in line:
        line = line.replace(caller_name.strip(), initials(caller_name))
    line = scrub_phones(line)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line
