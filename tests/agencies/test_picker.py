"""The agency picker's search: every typed word starts a word of the name, an alias or the
code, in any case and with or without diacritics; the closest names first."""

from __future__ import annotations

from triage.agencies.picker import find_agencies


def test_folded_words_find_the_agency_first() -> None:
    for typed in ("my hiep", "MỸ HIỆP", "Mỹ Hiệp", "ubnd my hiep", "xa my hi"):
        assert find_agencies(typed)[0].code == "ubnd-30112", typed


def test_every_word_must_match() -> None:
    found = find_agencies("cong an my hiep")
    assert found and all("30112" in a.code for a in found)
    assert found[0].code.startswith("ca-")


def test_nothing_typed_finds_nothing() -> None:
    assert find_agencies("") == []
    assert find_agencies("  - ") == []
    assert find_agencies("zzzzqqq") == []
