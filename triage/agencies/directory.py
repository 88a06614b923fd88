"""The agency directory (data/agencies/agencies.csv) and explicit agency mentions in text.

Commune-level units follow one code pattern, ``<kind>-<official ward code>``: ``ubnd-``
(the commune or ward People's Committee), ``ca-`` (its police), ``hcc-`` (its one-stop
desk, Trung tâm Phục vụ hành chính công).

``find_agency_mentions`` finds two kinds of mention:
- any alias of any agency ("Sở Y tế", "BVĐK Sa Đéc", "Dien luc Cao Lanh"), longest first;
- a commune-level kind ("UBND", "công an", "bộ phận một cửa", ...) followed by a place
  that resolves to one current unit, old names included ("công an xã Mỹ Long" is the
  police of today's xã Mỹ Hiệp).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from triage.locations.country import joined_spans
from triage.locations.index import Hit
from triage.locations.resolve import LocationMatch, Resolver, Scan, get_resolver
from triage.locations.tokens import Token, fold_words, sig_words
from triage.settings import REPO_ROOT
from triage.text.normalize import prepare

DEFAULT_PATH = REPO_ROOT / "data" / "agencies" / "agencies.csv"
COMMUNE_CODE = re.compile(r"^(ubnd|ca|hcc)-(\d+)$")
KIND_PHRASES: dict[tuple[str, ...], str] = {
    ("ubnd",): "ubnd", ("uy", "ban", "nhan", "dan"): "ubnd", ("uy", "ban"): "ubnd",
    ("ub",): "ubnd", ("ubnd", "va", "cong", "an"): "ca", ("cong", "an"): "ca", ("ca",): "ca",
    ("bo", "phan", "mot", "cua"): "hcc", ("mot", "cua"): "hcc",
    ("trung", "tam", "phuc", "vu", "hanh", "chinh", "cong"): "hcc",
    ("trung", "tam", "hanh", "chinh", "cong"): "hcc", ("trung", "tam", "pvhcc"): "hcc",
    ("bo", "phan", "tiep", "nhan", "va", "tra", "ket", "qua"): "hcc",
    ("tiep", "nhan", "va", "tra", "ket", "qua"): "hcc",
}
_KIND_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _kind in sorted(KIND_PHRASES.items(), key=lambda p: -len(p[0])):
    _KIND_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _kind))
# Words allowed between a kind and its place: "bộ phận một cửa (của) UBND xã X".
FILLERS = frozenset({"cua", "tai", "o", "thuoc", "ubnd", "ub"})


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    level: str
    parent: str | None
    aliases: tuple[str, ...]
    email: str | None = None
    webhook_url: str | None = None
    active_from: date | None = None
    active_to: date | None = None

    @property
    def ward_code(self) -> str | None:
        match = COMMUNE_CODE.match(self.code)
        return match.group(2) if match else None

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to)


@dataclass(frozen=True)
class AgencyMention:
    code: str | None  # None when the words fit several agencies equally
    name: str | None
    level: str | None
    matched: str
    start: int
    end: int
    via: Literal["alias", "commune"]
    candidates: tuple[str, ...] = ()


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value.strip() else None


def read_agencies(path: Path) -> list[Agency]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Agency(
            code=row["code"].strip(), name=row["name"].strip(), level=row["level"].strip(),
            parent=row["parent"].strip() or None,
            aliases=tuple(a.strip() for a in row["aliases"].split("|") if a.strip()),
            email=row["email"].strip() or None, webhook_url=row["webhook_url"].strip() or None,
            active_from=_date(row["active_from"]), active_to=_date(row["active_to"]),
        ) for row in csv.DictReader(handle)]


class Directory:
    def __init__(self, agencies: list[Agency], resolver: Resolver) -> None:
        self.agencies = {a.code: a for a in agencies}
        self.resolver = resolver
        # folded words -> (code, accent signature) of every alias spelled that way
        self.alias_index: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
        for agency in agencies:
            for alias in (agency.name, *agency.aliases):
                key, entry = fold_words(alias), (agency.code, sig_words(alias))
                entries = self.alias_index.setdefault(key, [])
                if key and entry not in entries:
                    entries.append(entry)
        # The lengths of the aliases that start with each word, longest first: an alias is
        # looked for only where one can start, and only at the lengths it can have.
        lengths: dict[str, set[int]] = {}
        for key in self.alias_index:
            lengths.setdefault(key[0], set()).add(len(key))
        self.alias_lengths = {w: tuple(sorted(n, reverse=True)) for w, n in lengths.items()}

    def get(self, code: str) -> Agency | None:
        return self.agencies.get(code)

    def name(self, code: str) -> str:
        agency = self.agencies.get(code)
        return agency.name if agency else code

    def commune_unit(self, kind: str, ward_code: str) -> Agency | None:
        return self.agencies.get(f"{kind}-{ward_code}")

    def region(self, code: str) -> str:
        """Old province an agency belongs to, for telling twin units apart."""
        agency = self.agencies.get(code)
        while agency is not None:
            if "Tiền Giang" in agency.name:
                return "tiengiang"
            agency = self.agencies.get(agency.parent) if agency.parent else None
        return "dongthap"

    def find_mentions(self, text: str, location: LocationMatch | None = None, *,
                      scan: Scan | None = None) -> list[AgencyMention]:
        """Agencies ``text`` (already prepared) names; its place-name scan is made here
        unless the caller has it."""
        if scan is None:
            scan = self.resolver.scan(text)
        tokens, hits = scan.tokens, scan.hits
        if location is None:
            location = self.resolver.resolve_hits(text, hits, scan.outside)
        found = self._alias_mentions(text, tokens, location)
        found += self._commune_mentions(text, tokens, hits)
        # "Công an xã Mỹ Hòa, huyện Thanh Chương" or "Bệnh viện Đa khoa tỉnh Nghệ An" name a
        # body of another province that shares a name with ours.
        found = [f for f in found if not any(
            joined_spans(text, tokens, (f[0], f[1]), (c.first, c.last)) for c in scan.outside)]
        return _non_overlapping(found)

    def _alias_mentions(self, text: str, tokens: list[Token], location: LocationMatch
                        ) -> list[tuple[int, int, AgencyMention]]:
        found = []
        for i in range(len(tokens)):
            for length in self.alias_lengths.get(tokens[i].folded, ()):
                if i + length > len(tokens):
                    continue
                span = tokens[i:i + length]
                entries = self.alias_index.get(tuple(t.folded for t in span))
                if entries:
                    sigs = tuple(t.sig for t in span)
                    exact = [c for c, sig in entries if sig == sigs]
                    codes = list(dict.fromkeys(exact or [c for c, _ in entries]))
                    mention = self._mention(text, span[0], span[-1], codes, location)
                    found.append((i, i + length, mention))
                    break
        return found

    def _mention(self, text: str, first: Token, last: Token, codes: list[str],
                 location: LocationMatch) -> AgencyMention:
        if len(codes) > 1 and location.region:
            codes = [c for c in codes if self.region(c) == location.region] or codes
        span = text[first.start:last.end]
        if len(codes) > 1:
            return AgencyMention(None, None, None, span, first.start, last.end, "alias",
                                 tuple(codes))
        agency = self.agencies[codes[0]]
        return AgencyMention(agency.code, agency.name, agency.level, span, first.start,
                             last.end, "alias")

    def _commune_mentions(self, text: str, tokens: list[Token], hits: list[Hit]
                          ) -> list[tuple[int, int, AgencyMention]]:
        places = {h.first: h for h in hits if h.kind == "ward"}
        found = []
        for i in range(len(tokens)):
            for phrase, kind in _KIND_BY_FIRST.get(tokens[i].folded, ()):
                j = i + len(phrase)
                if tuple(t.folded for t in tokens[i:j]) != phrase:
                    continue
                while j < len(tokens) and j not in places and tokens[j].folded in FILLERS:
                    j += 1
                mention = self._commune_mention(text, tokens[i], places.get(j), kind, hits)
                if mention is not None:
                    found.append((i, places[j].last, mention))
                break
        return found

    def _commune_mention(self, text: str, first: Token, place: Hit | None, kind: str,
                         hits: list[Hit]) -> AgencyMention | None:
        if place is None:
            return None
        context = [h for h in hits if h.kind != "ward"] + [place]
        match = self.resolver.resolve_hits(text, context)
        if match.status != "resolved" or match.ward_code is None:
            return None
        agency = self.commune_unit(kind, match.ward_code)
        if agency is None:
            return None
        return AgencyMention(agency.code, agency.name, agency.level, text[first.start:place.end],
                             first.start, place.end, "commune")


def _non_overlapping(found: list[tuple[int, int, AgencyMention]]) -> list[AgencyMention]:
    """Longest first, then earliest; an alias beats a commune reading of the same span."""
    chosen: list[tuple[int, int, AgencyMention]] = []
    for item in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0], f[2].via != "alias")):
        if all(item[1] <= c[0] or item[0] >= c[1] for c in chosen):
            chosen.append(item)
    return [m for _, _, m in sorted(chosen, key=lambda f: f[0])]


@lru_cache(maxsize=4)
def load_directory(path: Path = DEFAULT_PATH) -> Directory:
    return Directory(read_agencies(path), get_resolver())


def find_agency_mentions(text: str, location: LocationMatch | None = None) -> list[AgencyMention]:
    """Agencies of the directory that ``text`` names explicitly, in order of appearance."""
    return load_directory().find_mentions(prepare(text)[0], location)
