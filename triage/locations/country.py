"""Places of the whole country, to tell a place outside Đồng Tháp from one inside it.

Citizens write addresses small to large: "xã Mỹ Hòa, huyện Thanh Chương, tỉnh Nghệ An",
"P.5, Q.11", "phường Linh Chiểu thuộc TP Thủ Đức (TP.HCM)". ``CountryIndex.chains`` finds
such runs of place names (names joined only by commas, brackets, dashes or words like
"thuộc", "nay là") and says which of today's provinces each run can lie in. The resolver
then reads a Đồng Tháp unit only where its run can be in Đồng Tháp: a name the province
shares with a commune of Nghệ An is not read as ours when "Nghệ An" or one of its districts
is written next to it. Data: ``data/agencies/country.csv`` (see ``triage.agencies.country``).
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from triage.locations.index import BARE_BLOCKERS, name_run
from triage.locations.tokens import Token, fold_words, sig_words

HOME = "tinhdongthap"
Level = Literal["province", "district", "ward"]

# Unit words before a name, by the level and type they announce. "thành phố" and "tp"
# announce a provincial city or a district-level one; "tx" a town.
PREFIXES: dict[tuple[str, ...], tuple[tuple[Level, str], ...]] = {
    ("tinh",): (("province", "tinh"),),
    ("thanh", "pho"): (("province", "thanhpho"), ("district", "thanhpho")),
    ("tp",): (("province", "thanhpho"), ("district", "thanhpho")),
    ("quan",): (("district", "quan"),), ("q",): (("district", "quan"),),
    ("huyen",): (("district", "huyen"),), ("h",): (("district", "huyen"),),
    ("thi", "xa"): (("district", "thixa"),), ("tx",): (("district", "thixa"),),
    ("phuong",): (("ward", "phuong"),), ("p",): (("ward", "phuong"),),
    ("f",): (("ward", "phuong"),),
    ("xa",): (("ward", "xa"),), ("x",): (("ward", "xa"),),
    ("thi", "tran"): (("ward", "thitran"),), ("tt",): (("ward", "thitran"),),
    ("dac", "khu"): (("ward", "dackhu"),),
}
# What may stand between two names of one address.
_JOINERS = frozenset({"thuoc", "tai", "o", "nay", "la", "cu", "moi", "truoc", "day", "va",
                      "cua", "thi", "ben", "tren"})
_GAP_RE = re.compile(r"[\s,()\[\]\-–—/:;]*")
_MAX_JOINERS = 3


@dataclass(frozen=True)
class Place:
    level: Level
    type: str
    province_key: str
    province: str
    sig: tuple[str, ...]


@dataclass(frozen=True)
class CountryHit:
    first: int  # token range [first, last)
    last: int
    start: int  # character span
    end: int
    prefixed: bool
    places: tuple[Place, ...]
    key: tuple[str, ...] = ()  # the name's folded words, without its unit word

    def provinces(self, level: Level | None = None) -> frozenset[str]:
        return frozenset(p.province_key for p in self.places if level in (None, p.level))


@dataclass(frozen=True)
class Chain:
    """One written address: its names in order and the provinces it can lie in."""

    hits: tuple[CountryHit, ...]
    provinces: frozenset[str]  # empty: nothing in the run says where it is
    province_name: str | None  # when exactly one province fits

    @property
    def first(self) -> int:
        return self.hits[0].first

    @property
    def last(self) -> int:
        return self.hits[-1].last

    @property
    def start(self) -> int:
        return self.hits[0].start

    @property
    def end(self) -> int:
        return self.hits[-1].end

    @property
    def outside(self) -> bool:
        return bool(self.provinces) and HOME not in self.provinces


class CountryIndex:
    def __init__(self, path: Path) -> None:
        self.names: dict[tuple[str, ...], list[Place]] = defaultdict(list)
        self.province_names: dict[str, str] = {}
        keys: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}  # core -> (key, sig)
        # Names written across a dash ("Bà Rịa - Vũng Tàu"): no other name runs across one
        # ("xã Tân Hòa - Tây Ninh" is Tân Hòa of Tây Ninh, not the commune Tân Hòa Tây).
        self.dashed: set[tuple[str, ...]] = set()
        seen: set[tuple[tuple[str, ...], Place]] = set()
        district_keys: dict[str, tuple[str, ...]] = {}
        ward_districts: list[tuple[tuple[str, ...], str, str]] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                core = row["core"]
                if core not in keys:
                    keys[core] = (fold_words(core), sig_words(core))
                key, sig = keys[core]
                if "-" in core or "–" in core:
                    self.dashed.add(key)
                place = Place(row["level"], row["type"], row["province_key"],  # type: ignore[arg-type]
                              row["province"], sig)
                self.province_names[row["province_key"]] = row["province"]
                if row["district_key"]:
                    if row["level"] == "district":
                        district_keys[row["district_key"]] = key
                    else:
                        ward_districts.append((key, row["district_key"], row["province_key"]))
                if key and (key, place) not in seen:
                    seen.add((key, place))
                    self.names[key].append(place)
        # Today's provinces where a commune of this name lay in an old district of that
        # name: "xã Đông Thạnh, huyện Châu Thành" is not ours when our Châu Thành had none.
        self.pairs: dict[tuple[tuple[str, ...], tuple[str, ...]], set[str]] = defaultdict(set)
        for key, district, province_key in ward_districts:
            if district in district_keys:
                self.pairs[key, district_keys[district]].add(province_key)
        self.max_len = max(len(k) for k in self.names)
        # Where a bare name (a province, or a district) can start, and its lengths.
        self.bare_lengths: dict[str, tuple[int, ...]] = {}
        for key, places in self.names.items():
            if any(p.level != "ward" for p in places):
                known = set(self.bare_lengths.get(key[0], ()))
                self.bare_lengths[key[0]] = tuple(sorted(known | {len(key)}, reverse=True))
        self._prefix_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for prefix in sorted(PREFIXES, key=len, reverse=True):
            self._prefix_first[prefix[0]].append(prefix)
        # The words a hit can start with (a unit word or a bare name): the others are
        # passed over with one set look-up.
        self.first_words = frozenset(self._prefix_first) | frozenset(self.bare_lengths)
        # Bare names by their first two words (one word: the word alone).
        bare = [key for key, places in self.names.items()
                if any(p.level != "ward" for p in places)]
        self._bare_pairs = frozenset(k[:2] for k in bare if len(k) >= 2)
        self._bare_single = frozenset(k[0] for k in bare if len(k) == 1)

    def add_home_pairs(self, pairs: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        """Our current units with the old districts they took communes from (a new name
        written with its old district, "xã Phong Hòa, huyện Lai Vung", is ours)."""
        for pair in pairs:
            self.pairs[pair].add(HOME)

    def has_ward(self, key: tuple[str, ...], provinces: frozenset[str],
                 unit_type: str | None = None) -> bool:
        """Whether one of ``provinces`` has (or had) a commune or ward of this name (of
        this type: "xa", "phuong", "thitran", when given)."""
        return any(p.level == "ward" and p.province_key in provinces
                   and unit_type in (None, p.type) for p in self.names.get(key, ()))

    # -- scanning ----------------------------------------------------------------------

    def scan(self, tokens: list[Token]) -> list[CountryHit]:
        hits: list[CountryHit] = []
        first_words = self.first_words
        i = 0
        while i < len(tokens):
            if tokens[i].folded not in first_words:
                i += 1
                continue
            hit = self._prefixed(tokens, i) or self._bare(tokens, i)
            if hit is None:
                i += 1
                continue
            hits.append(hit)
            i = hit.last
        return hits

    def _prefixed(self, tokens: list[Token], i: int) -> CountryHit | None:
        for prefix in self._prefix_first.get(tokens[i].folded, ()):
            j = i + len(prefix)
            if tuple(t.folded for t in tokens[i:j]) != prefix:
                continue
            kinds = PREFIXES[prefix]
            for length in range(name_run(tokens, j, self.max_len), 0, -1):
                span = tokens[j:j + length]
                found = self.names.get(tuple(t.folded for t in span))
                if not found or self._dash_inside(span):
                    continue
                levels = {level for level, _ in kinds}
                places = [p for p in found if (p.level, p.type) in kinds
                          or (p.level == "province" and p.type == "" and "province" in levels)]
                if not places:  # "quận Thủ Đức" became a city: same name, other unit word
                    places = [p for p in found if p.level in levels and p.level != "province"]
                places = _accent_filter(places, span)
                if places:
                    return CountryHit(i, j + length, tokens[i].start, span[-1].end, True,
                                      tuple(places), tuple(t.folded for t in span))
        return None

    def _bare(self, tokens: list[Token], i: int) -> CountryHit | None:
        """A name without its unit word: provinces (and, inside an address, districts).

        One-syllable names ("Huế") only where the text has their accents: folded, "hue" is
        also "Huệ" of a street name.
        """
        lengths = self.bare_lengths.get(tokens[i].folded)
        if lengths is None or tokens[i].folded.isdigit():
            return None
        if i > 0 and not tokens[i].after_break and _blocks(tokens[i - 1]):
            return None  # "đường Hòa Bình"; but "Đắk Song, Đắk Nông" (a comma between)
        if tokens[i].folded not in self._bare_single and (
                i + 1 >= len(tokens)
                or (tokens[i].folded, tokens[i + 1].folded) not in self._bare_pairs):
            return None  # no name starts with these words
        accented = any(t.sig != t.folded for t in tokens[i:i + self.max_len])
        run = name_run(tokens, i, self.max_len)
        for length in (n for n in lengths if n <= run):
            span = tokens[i:i + length]
            found = self.names.get(tuple(t.folded for t in span))
            if not found or self._dash_inside(span):
                continue
            # Without diacritics a bare district ("dan phuong") is too often plain words.
            places = [p for p in found if p.level == "province"
                      or (p.level == "district" and accented)]
            exact = [p for p in places if p.sig == tuple(t.sig for t in span)]
            # One syllable: a province written with its accents ("Huế", not the "huệ" of a
            # street name), or a short form that has none to write ("TPHCM", "HCM", "BRVT").
            if length == 1 and not any(
                    p.level == "province" and (span[0].sig != span[0].folded
                                               or p.sig == (span[0].folded,)) for p in exact):
                continue
            places = _accent_filter(places, span)
            if places:
                return CountryHit(i, i + length, tokens[i].start, span[-1].end, False,
                                  tuple(places), tuple(t.folded for t in span))
        return None

    def _dash_inside(self, span: list[Token]) -> bool:
        """A dash inside the span of a name that has none."""
        return any(t.after_dash for t in span[1:]) and \
            tuple(t.folded for t in span) not in self.dashed

    # -- addresses ---------------------------------------------------------------------

    def chains(self, text: str, tokens: list[Token]) -> list[Chain]:
        hits = self.scan(tokens)
        runs: list[list[CountryHit]] = []
        for hit in hits:
            if runs and _joined(text, tokens, runs[-1][-1], hit):
                runs[-1].append(hit)
            elif runs and (bridge := self._bridge(text, tokens, runs[-1][-1], hit)):
                runs[-1] += [bridge, hit]
            else:
                runs.append([hit])
        return [self._chain(run) for run in runs]

    def _bridge(self, text: str, tokens: list[Token], left: CountryHit, right: CountryHit
                ) -> CountryHit | None:
        """A district written bare and without diacritics between a name and its province
        ("xa Tan Huong, Ninh Giang, tinh Hai Duong"): alone such words are too often plain
        words to be read as a district, but between two names of one address, naming a
        district of the province written after it, they are one."""
        if not 0 < right.first - left.last <= self.max_len + _MAX_JOINERS:
            return None  # most names of a text are far apart: nothing to bridge
        provinces = right.provinces("province")
        if not provinces or not _gap_joins(text, tokens, right.first, right.first):
            return None
        # The district may follow a joining word ("thuộc Ninh Giang") or start with a word
        # that is one ("Bến Cát").
        for first in range(left.last, min(left.last + _MAX_JOINERS, right.first) + 1):
            if first > left.last and tokens[first - 1].folded not in _JOINERS:
                break
            length = right.first - first
            if not 0 < length <= self.max_len or tokens[first].folded.isdigit():
                continue
            span = tokens[first:right.first]
            places = [p for p in self.names.get(tuple(t.folded for t in span), ())
                      if p.level == "district" and p.province_key in provinces]
            places = _accent_filter(places, span)
            if places and not self._dash_inside(span) \
                    and not any(t.after_break for t in span[1:]) \
                    and _gap_joins(text, tokens, left.last, first):
                return CountryHit(first, right.first, span[0].start, span[-1].end, False,
                                  tuple(places), tuple(t.folded for t in span))
        return None

    def _chain(self, run: list[CountryHit]) -> Chain:
        """Where a run of names lies: the larger units after the first name decide.

        Each later name narrows the provinces ("Thanh Chương" alone is in Nghệ An); a
        name that would make the run impossible is read as a name of ours instead of a
        container and ignored. A run of one name says where it is only when the name is a
        district or province, or a prefixed commune the country has in one province only.
        """
        if len(run) == 1 and not (run[0].prefixed or run[0].provinces("province")):
            return Chain(tuple(run), frozenset(), None)  # a bare district name alone
        possible: frozenset[str] | None = None
        # The containers are the names after the commune, or before it where the address
        # is written large to small ("Tỉnh Vĩnh Long - TT Tam Bình", "Tại Gia Lai, xã …").
        at = next((i for i, h in enumerate(run) if all(p.level == "ward" for p in h.places)), 0)
        after = run[at + 1:]
        containers = run if len(run) == 1 else after if any(
            any(p.level != "ward" for p in h.places) for h in after) else run[:at] + after
        for hit in containers:
            levels = {p.level for p in hit.places}
            if len(run) > 1 and levels == {"ward"}:
                continue
            wanted = hit.provinces("province") or hit.provinces("district") \
                if levels != {"ward"} else hit.provinces()
            if len(run) == 1 and levels == {"ward"} and len(wanted) != 1:
                wanted = frozenset()
            if not wanted:
                continue
            narrowed = wanted if possible is None else possible & wanted
            possible = narrowed or possible
        # A commune written with its district: only the provinces where a commune of that
        # name lay in a district of that name (when the country knows any).
        for ward, district in pairwise(run):
            if ward.prefixed and any(p.level == "district" for p in district.places):
                fits = self.pairs.get((ward.key, district.key))
                if fits and possible and possible & fits:
                    possible = possible & frozenset(fits)
                break
        provinces = possible or frozenset()
        name = None
        if len(provinces) == 1:
            key = next(iter(provinces))
            name = next(p.province for h in run for p in h.places if p.province_key == key)
        return Chain(tuple(run), provinces, name)


# Words after which a name is a street, a hamlet, a person or a market: "đường Hòa Bình",
# "ông Nam Định". With accents they are told apart from words that fold alike ("Bắc").
_BLOCKER_SIGS = frozenset(sig_words(
    "đường hẻm ngõ ngách kiệt phố ấp khóm tổ cầu chợ kênh rạch sông ông bà anh chị em cô chú "
    "bác cụ tên khu cụm tuyến lô số"))


def _blocks(previous: Token) -> bool:
    if previous.sig != previous.folded:  # written with diacritics
        return previous.sig in _BLOCKER_SIGS
    return previous.folded in BARE_BLOCKERS


def _accent_filter(places: list[Place], span: list[Token]) -> list[Place]:
    """Where the text has diacritics they must agree ("Tân Thành" is not "Tân Thạnh")."""
    if all(t.sig == t.folded for t in span):
        return places
    sigs = tuple(t.sig for t in span)
    return [p for p in places if p.sig == sigs]


def _joined(text: str, tokens: list[Token], left: CountryHit, right: CountryHit) -> bool:
    return _gap_joins(text, tokens, left.last, right.first)


def joined_spans(text: str, tokens: list[Token], a: tuple[int, int], b: tuple[int, int]
                 ) -> bool:
    """Whether two token ranges overlap or belong to one written address."""
    if a[0] < b[1] and b[0] < a[1]:
        return True
    first, second = (a, b) if a[1] <= b[0] else (b, a)
    return _gap_joins(text, tokens, first[1], second[0])


def _gap_joins(text: str, tokens: list[Token], last: int, first: int) -> bool:
    """Only punctuation and a few joining words between token ``last - 1`` and ``first``."""
    between = tokens[last:first]
    if len(between) > _MAX_JOINERS or any(t.folded not in _JOINERS for t in between):
        return False
    cursor = tokens[last - 1].end
    for token in between:
        if not _GAP_RE.fullmatch(text, cursor, token.start):
            return False
        cursor = token.end
    return _GAP_RE.fullmatch(text, cursor, tokens[first].start) is not None
