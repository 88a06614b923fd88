"""Find the commune or ward a complaint names and resolve it to the current unit.

``resolve_location(text)`` returns a ``LocationMatch``:

- ``resolved``: one current unit, with the span that matched, the old name if the text
  used one (before 1 July 2025), the old district if the text gave it, and a confidence;
- ``ambiguous``: the text names a place that maps to several current units (an old
  commune split between two new ones, "Phường 1" with no town, an old district alone),
  listed in ``candidates``; nothing is guessed;
- ``outside_province``: the text's place lies in another province ("xã Mỹ Hòa, huyện
  Thanh Chương, tỉnh Nghệ An", "P.5, Q.11"), with that province when the text says it; a
  Đồng Tháp unit that shares the name is never chosen;
- ``not_found``: no place of the province in the text.

How a name is read: an old district in the text ("huyện Cao Lãnh", "TP Mỹ Tho", or a
bare "Sa Đéc") selects among old units of that name; without one, a current unit of
that name wins over old units elsewhere that had the same name; an old name used in
several old districts is ambiguous unless all of them went into the same new unit.

Each name is read with the address it is written in (``country.py``): a name whose
district or province lies elsewhere is left out, so that in "tôi ở xã X, tỉnh Đồng Tháp,
con tôi làm ở phường Y, quận Z, TP.HCM" only xã X counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from triage.locations.country import HOME, Chain, CountryIndex, joined_spans
from triage.locations.index import (
    DistrictInfo,
    Hit,
    LocationIndex,
    NameEntry,
    district_matches,
)
from triage.locations.tokens import Token, fold_words, has_accents, tokenize
from triage.settings import REPO_ROOT
from triage.text.normalize import prepare

Status = Literal["resolved", "ambiguous", "outside_province", "not_found"]
DATA_DIR = REPO_ROOT / "data" / "agencies"


@dataclass(frozen=True)
class WardRef:
    code: str
    name: str


@dataclass(frozen=True)
class LocationMatch:
    status: Status
    ward_code: str | None = None
    ward_name: str | None = None
    matched: str | None = None
    old_name: str | None = None
    district: str | None = None
    confidence: float = 0.0
    candidates: tuple[WardRef, ...] = ()
    region: str | None = None  # old province of the unit ("dongthap", "tiengiang")
    province: str | None = None  # another province, for ``outside_province``

    def as_dict(self) -> dict[str, Any]:
        """The ``location`` object of ``triage classify`` output."""
        return {"ward_code": self.ward_code, "ward_name": self.ward_name,
                "matched": self.matched, "old_name": self.old_name, "status": self.status,
                "district": self.district, "confidence": round(self.confidence, 2),
                "candidates": [c.code for c in self.candidates], "province": self.province}


NOT_FOUND = LocationMatch("not_found")


@dataclass
class Context:
    """What the whole text says about old districts and the old province."""

    districts: set[str] = field(default_factory=set)
    district_names: list[str] = field(default_factory=list)
    prefixed_districts: list[Hit] = field(default_factory=list)
    province: str = ""
    named_provinces: list[Hit] = field(default_factory=list)  # "Đồng Tháp", "Tiền Giang"


@dataclass(frozen=True)
class Reading:
    """One ward mention read against the context."""

    hit: Hit
    targets: tuple[str, ...]
    entries: tuple[NameEntry, ...]
    confidence: float


@dataclass(frozen=True)
class Scan:
    """A text's province place names, with those written as part of an address elsewhere
    set apart (``outside``: the other provinces' addresses, in order)."""

    text: str
    tokens: list[Token]
    hits: list[Hit]
    outside: list[Chain]


class Resolver:
    def __init__(self, index: LocationIndex, country: CountryIndex | None = None) -> None:
        self.index = index
        self.country = country

    def resolve(self, text: str) -> LocationMatch:
        """``text`` is already prepared (``triage.text.normalize.prepare``)."""
        scan = self.scan(text)
        return self.resolve_hits(scan.text, scan.hits, scan.outside)

    def scan(self, text: str) -> Scan:
        """Place names of ``text`` (already prepared), tokenised and scanned once."""
        tokens = tokenize(text)
        hits = self.index.scan(tokens)
        if any(map(str.isupper, text)):
            # In text that uses capitals a place name is written with them: lower-case "an
            # cư" or "thành công" are words, not the communes An Cư and Thành Công.
            hits = [h for h in hits if h.prefixed or all(
                text[t.start].isupper() or t.folded.isdigit() for t in tokens[h.first:h.last])]
        if self.country is None:
            return Scan(text, tokens, hits, [])
        chains = self.country.chains(text, tokens)
        outside = [c for c in chains if c.outside]
        if outside:
            home = [c for c in chains if HOME in c.provinces and len(c.hits) > 1]

            def joined(hit: Hit, group: list[Chain]) -> bool:
                return any(joined_spans(text, tokens, (hit.first, hit.last), (c.first, c.last))
                           for c in group)

            # A bare name of ours that is there the district or province of the address
            # ("tỉnh Phú Thọ", "huyện Châu Thành") is not one of our communes: it goes, and
            # the commune of that name written elsewhere in the text stays ours.
            spans = [(h.first, h.last) for c in outside for h in c.hits
                     if any(p.level != "ward" for p in h.places)]

            def container(hit: Hit) -> bool:
                return not hit.prefixed and any(a < hit.last and hit.first < b
                                                for a, b in spans)

            # A name once written with another province's address means that place when it
            # comes again ("… ngụ xã Hòa Bình (Chợ Mới, An Giang) … thuộc xã Hòa Bình"),
            # unless it is written with our province too, or is plainly another name: other
            # diacritics ("Phú Hựu" is not "Phú Hữu") or another unit word ("xã Long
            # Khánh" is not "phường Long Khánh").
            elsewhere = [h for h in hits if joined(h, outside) and not container(h)]
            hits = [h for h in hits if not container(h) and (
                not any(_same_name(tokens, h, o) for o in elsewhere)
                or (joined(h, home) and not joined(h, outside)))]
            # A press dateline ("NGHỆ AN - Người dân xã Mỹ Hòa …", "Thanh Chương (Nghệ An):
            # …", "Tại Nghệ An, …") places the whole text: a commune that province has is
            # its commune, unless the text names our province too.
            lead = _dateline(text, tokens, chains)
            if lead is not None and not any(HOME in c.provinces for c in chains):
                country = self.country
                hits = [h for h in hits if h.kind != "ward"
                        or not country.has_ward(h.core, lead.provinces, h.prefix_type)]
        return Scan(text, tokens, hits, outside)

    def resolve_hits(self, text: str, hits: list[Hit], outside: list[Chain] | None = None
                     ) -> LocationMatch:
        context = self.context(hits)
        ward_hits = [h for h in hits if h.kind == "ward" and h.prefixed] \
            or [h for h in hits if h.kind == "ward"]
        readings = [r for r in (self.read(h, context) for h in ward_hits) if r is not None]
        match = NOT_FOUND
        if readings:
            match = self.combine(text, readings, context)
        elif context.prefixed_districts:
            match = self.district_only(text, context)
        # Another province's address beats a weak reading of ours: a bare name, a number
        # ("P.5" with "Q.1" written elsewhere), a commune called a ward.
        if outside and (match.status == "not_found" or not _home_evidence(hits)):
            return self.elsewhere(text, outside, context)
        return match

    def elsewhere(self, text: str, outside: list[Chain], context: Context) -> LocationMatch:
        """Another province's place, unless the text also says it is in ours."""
        if any(h for h in context.named_provinces):
            return NOT_FOUND
        chain = outside[0]
        names = {c.province_name for c in outside}
        province = chain.province_name if len(names) == 1 else None
        return LocationMatch("outside_province", matched=text[chain.start:chain.end],
                             confidence=0.9 if province else 0.7, province=province)

    def context(self, hits: list[Hit]) -> Context:
        context = Context()
        for hit in hits:
            if hit.kind == "province":
                context.named_provinces.append(hit)
                if hit.province:
                    context.province = hit.province
        for hit in hits:
            if hit.kind != "district":
                continue
            places = [d for d in hit.districts if district_matches(d, hit.prefix_type)]
            if context.province:
                places = [d for d in places if d.province_key == context.province] or places
            context.districts.update(d.key for d in places)
            if len(places) == 1:
                context.district_names.append(places[0].name)
            if hit.prefixed and places:
                context.prefixed_districts.append(hit)
        return context

    def read(self, hit: Hit, context: Context) -> Reading | None:
        entries = [e for e in hit.wards if type_matches(e, hit.prefix_type)]
        confidence = 0.95 if hit.prefixed else 0.75
        if not entries:
            entries, confidence = list(hit.wards), confidence - 0.15
        if not hit.accents_ok:
            confidence -= 0.1
        old = [e for e in entries if e.kind == "old"]
        new = [e for e in entries if e.kind == "new"]
        if context.districts:
            in_district = [e for e in old if e.district in context.districts]
            new_here = [e for e in new if self.index.wards[e.targets[0]].old_districts
                        & context.districts]
            if in_district or new_here:
                chosen = in_district or new_here
                return Reading(hit, targets_of(chosen), tuple(chosen), confidence)
        if new:
            clash = any(set(e.targets) != set(new[0].targets) for e in old)
            return Reading(hit, targets_of(new), tuple(new), confidence - (0.1 if clash else 0))
        if context.province:
            old = [e for e in old if e.province_key == context.province] or old
        if not old:
            return None
        return Reading(hit, targets_of(old), tuple(old), confidence - 0.05)

    def combine(self, text: str, readings: list[Reading], context: Context) -> LocationMatch:
        single = [r for r in readings if len(r.targets) == 1]
        codes = {r.targets[0] for r in single}
        if len(codes) == 1:
            code = codes.pop()
            if all(code in r.targets for r in readings):
                return self.resolved(text, single[0], code, context)
        if not single and len({r.targets for r in readings}) == 1:
            return self.ambiguous(text, readings[0], readings[0].targets, context)
        union = tuple(dict.fromkeys(c for r in readings for c in r.targets))
        return self.ambiguous(text, readings[0], union, context)

    def resolved(self, text: str, reading: Reading, code: str, context: Context) -> LocationMatch:
        ward = self.index.wards[code]
        old = [e for e in reading.entries if e.kind == "old"]
        old_name = old[0].name if old and len({e.name for e in old}) == 1 else None
        if old_name == ward.name:
            old_name = None
        district = self.district_name(old, context)
        return LocationMatch("resolved", code, ward.name, text[reading.hit.start:reading.hit.end],
                             old_name, district, round(max(reading.confidence, 0.3), 2),
                             region=ward.region or None)

    def ambiguous(self, text: str, reading: Reading, codes: tuple[str, ...],
                  context: Context) -> LocationMatch:
        old = [e for e in reading.entries if e.kind == "old"]
        old_name = old[0].name if old and len({e.name for e in old}) == 1 else None
        candidates = tuple(WardRef(c, self.index.wards[c].name) for c in codes)
        return LocationMatch("ambiguous", None, None, text[reading.hit.start:reading.hit.end],
                             old_name, self.district_name(old, context), 0.3,
                             candidates=candidates)

    def district_name(self, old: list[NameEntry], context: Context) -> str | None:
        districts = {e.district for e in old if e.district}
        if len(districts) == 1:
            info: DistrictInfo = self.index.districts[districts.pop()]
            if info.key in context.districts:
                return info.name
        return context.district_names[0] if len(set(context.district_names)) == 1 else None

    def district_only(self, text: str, context: Context) -> LocationMatch:
        hit = context.prefixed_districts[0]
        codes: set[str] = set()
        for key in context.districts:
            codes |= self.index.district_wards.get(key, set())
        candidates = tuple(WardRef(c, self.index.wards[c].name) for c in sorted(codes))
        district = context.district_names[0] if len(set(context.district_names)) == 1 else None
        return LocationMatch("ambiguous", None, None, text[hit.start:hit.end], None, district,
                             0.2, candidates)


_DATELINE_END = re.compile(r"\s*\)?\s*[-–—:]")
_LEAD_WORDS = frozenset({"tai", "o"})


def _dateline(text: str, tokens: list[Token], chains: list[Chain]) -> Chain | None:
    """The text's first address when it opens the text as a dateline: another province
    (or a district with it) and no commune, then a dash or colon ("NGHỆ AN - …",
    "Thanh Chương (Nghệ An): …"), or after "Tại"/"Ở", a comma ("Tại Nghệ An, …")."""
    lead = chains[0] if chains else None
    if lead is None or not lead.outside or any(
            all(p.level == "ward" for p in h.places) for h in lead.hits):
        return None
    before = tokens[:lead.first]
    if len(before) > 1 or any(t.folded not in _LEAD_WORDS for t in before):
        return None
    if _DATELINE_END.match(text, lead.end) or (before and text.startswith(",", lead.end)):
        return lead
    return None


def _same_name(tokens: list[Token], a: Hit, b: Hit) -> bool:
    """Whether two mentions can name one place: the same words, the same diacritics where
    both have them, the same unit word where both have one."""
    if a is b:
        return True
    if a.core != b.core or (a.prefixed and b.prefixed and a.prefix_type != b.prefix_type):
        return False
    a_words = tokens[a.last - len(a.core):a.last]
    b_words = tokens[b.last - len(b.core):b.last]
    if has_accents(a_words) and has_accents(b_words):
        return all(x.sig == y.sig for x, y in zip(a_words, b_words, strict=True))
    return True


def _home_evidence(hits: list[Hit]) -> bool:
    """A district or province of ours, or a unit named with its own unit word (a number,
    "Phường 5", is a name every town has)."""
    return any(h.kind != "ward" or (h.prefixed and not h.core[0].isdigit() and any(
        type_matches(e, h.prefix_type) for e in h.wards)) for h in hits)


def type_matches(entry: NameEntry, prefix_type: str | None) -> bool:
    return prefix_type is None or entry.unit_type == prefix_type


def targets_of(entries: list[NameEntry]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code for e in entries for code in e.targets))


@lru_cache(maxsize=4)
def get_resolver(data_dir: Path = DATA_DIR) -> Resolver:
    index = LocationIndex(data_dir)
    country = None
    if (data_dir / "country.csv").exists():
        country = CountryIndex(data_dir / "country.csv")
        country.add_home_pairs([(fold_words(ward.core), fold_words(index.districts[d].core))
                                for ward in index.wards.values() for d in ward.old_districts
                                if d in index.districts])
    return Resolver(index, country)


def resolve_location(text: str) -> LocationMatch:
    """The current commune/ward ``text`` names, or why there is none (see module doc)."""
    return get_resolver().resolve(prepare(text)[0])
