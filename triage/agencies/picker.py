"""Finding an agency by a few words typed in any case, with or without diacritics
("my hiep", "UBND MỸ HIỆP", "30112"): what the console's agency picker asks for."""

from __future__ import annotations

from functools import lru_cache

from triage.agencies.directory import Agency, load_directory
from triage.locations.tokens import fold_words


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[Agency, tuple[str, ...], str], ...]:
    """Each agency with the folded words of its name, aliases and code, and its folded
    name as one string (for ranking)."""
    rows = []
    for agency in load_directory().agencies.values():
        words: list[str] = []
        for part in (agency.name, *agency.aliases, agency.code):
            words.extend(fold_words(part))
        rows.append((agency, tuple(dict.fromkeys(words)), " ".join(fold_words(agency.name))))
    return tuple(rows)


def find_agencies(query: str, *, limit: int = 20) -> list[Agency]:
    """Agencies every typed word starts a word of (name, alias or code), the name that
    holds the typed words in a row first, then shorter names."""
    wanted = fold_words(query)
    if not wanted:
        return []
    phrase = " ".join(wanted)
    found = [(agency, name) for agency, words, name in _index()
             if all(any(w.startswith(q) for w in words) for q in wanted)]
    found.sort(key=lambda row: (phrase not in row[1], len(row[1]), row[1]))
    return [agency for agency, _ in found[:limit]]
