"""One understanding of a complaint: the text normalised once, and every step (classifier,
place, agencies, rules) reading that same repaired form."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from triage.classify.model import get_classifier
from triage.db import session_scope, utcnow
from triage.intake import service as intake
from triage.intake.schemas import ComplaintIn
from triage.locations import resolve_location
from triage.pipeline import tasks
from triage.text import legacy
from triage.tickets.models import Ticket
from triage.understand import service
from triage.understand.service import understand

COMPLAINTS = [
    "Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư cả tuần nay, ban đêm tối om, đề nghị sửa giúp.",
    "Rác thải ở phường Mỹ Phú không được thu gom cả tuần, mùi hôi nồng nặc.",
    "Tôi ở xã Gáo Giồng, huyện Cao Lãnh, đường vào ấp bị ngập sâu, xe không qua được.",
]


def to_tcvn3(text: str) -> str:
    """The text as the old .VnTime fonts stored it (no upper-case toned letters)."""
    table = {letter: glyph for glyph, letter in legacy.TCVN3_TABLE.items()}
    return "".join(table.get(c) or table.get(c.lower()) or c for c in text)


def to_vni(text: str) -> str:
    """The text as the VNI fonts stored it: a base letter and its mark glyphs."""
    table: dict[str, str] = {}
    for same_case in (True, False):
        for glyphs, letter in legacy.VNI_TABLE.items():
            if not same_case or all(g.islower() == letter.islower() for g in glyphs
                                    if g.isalpha()):
                table.setdefault(letter, glyphs)
    return "".join(table.get(c, c) for c in text)


@pytest.mark.parametrize("encode", [to_tcvn3, to_vni], ids=["tcvn3", "vni"])
@pytest.mark.parametrize("text", COMPLAINTS)
def test_legacy_encoded_complaint_resolves_its_place_like_the_unicode_text(
        encode: Callable[[str], str], text: str) -> None:
    pasted = encode(text)
    assert pasted != text
    unicode_place, pasted_place = resolve_location(text), resolve_location(pasted)
    assert unicode_place.status != "not_found"
    assert (pasted_place.status, pasted_place.ward_code, pasted_place.candidates) == \
        (unicode_place.status, unicode_place.ward_code, unicode_place.candidates)
    classifier = get_classifier()
    plain, old = understand(text, classifier), understand(pasted, classifier)
    assert old.normalized.lower() == plain.normalized.lower()
    assert old.location == plain.location
    assert old.classification is not None and plain.classification is not None
    assert (old.topic, old.flags) == (plain.topic, plain.flags)
    assert old.decision == plain.decision


def test_the_text_is_normalised_once_for_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = service.prepare

    def counted(text: str) -> tuple[str, str | None]:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(service, "prepare", counted)
    for module in ("triage.routing.rules", "triage.locations.resolve",
                   "triage.agencies.directory"):
        monkeypatch.setattr(f"{module}.prepare",
                            lambda _, where=module: pytest.fail(f"{where} normalised again"))
    seen = understand(COMPLAINTS[0], get_classifier())
    assert calls == [COMPLAINTS[0]]
    assert seen.location.ward_code == "30112" and seen.decision.agency_code


def test_labels_a_person_set_decide_the_route_without_a_classifier() -> None:
    seen = understand(COMPLAINTS[1], topic="moi_truong", flags=[])
    assert seen.classification is None
    assert (seen.topic, seen.flags) == ("moi_truong", [])
    assert seen.decision.rule and seen.location.ward_code == "29888"


def test_the_pipeline_keeps_the_normalised_text_of_a_legacy_complaint(database: str) -> None:
    # VNI: the intake boundary drops soft hyphens, which TCVN3 uses for the letter "ư".
    with session_scope() as s:
        ticket = intake.submit(s, ComplaintIn(text=to_vni(COMPLAINTS[0]), channel="web"),
                               actor="test", now=utcnow()).ticket
    tasks.process_ticket(ticket.id)
    with session_scope() as s:
        stored = s.get_one(Ticket, ticket.id)
        assert stored.normalized_text is not None
        assert stored.normalized_text.lower() == COMPLAINTS[0].lower()
        assert stored.location["ward_code"] == "30112"
