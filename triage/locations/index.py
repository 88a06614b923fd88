"""The place-name index: current wards, old units and old districts, keyed by folded tokens.

Built once from data/agencies/{wards,old_units,old_districts}.csv (written by
``python -m triage.agencies.build``). ``LocationIndex.scan`` walks the tokens of a text
left to right and reports every place name it sees: a ward or commune with its prefix
("xã", "x.", "phường", "p", "thị trấn", "tt."), an old district with its prefix
("huyện", "h.", "thành phố", "tp", "thị xã", "tx"), a province, or a bare name of at
least two syllables.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from triage.locations.tokens import Token, fold_words, has_accents, sig_words

HitKind = Literal["ward", "district", "province"]

WARD_PREFIXES: dict[tuple[str, ...], str] = {
    ("xa",): "xa", ("x",): "xa", ("phuong",): "phuong", ("p",): "phuong", ("ph",): "phuong",
    ("f",): "phuong", ("thi", "tran"): "thitran", ("thitran",): "thitran", ("tt",): "thitran",
}
DISTRICT_PREFIXES: dict[tuple[str, ...], str] = {
    ("huyen",): "huyen", ("h",): "huyen", ("thanh", "pho"): "thanhpho", ("tp",): "thanhpho",
    ("thi", "xa"): "thixa", ("tx",): "thixa",
}
PROVINCES: dict[tuple[str, ...], str] = {("tien", "giang"): "tiengiang", ("dong", "thap"): ""}
# Words after which a bare name is a hamlet, street, canal or person, not a commune.
BARE_BLOCKERS = frozenset({
    "ap", "khom", "to", "duong", "hem", "kenh", "rach", "song", "cau", "ong", "ba", "anh",
    "chi", "em", "co", "chu", "bac", "ten", "khu", "cum", "tuyen", "lo", "so",
})
URBAN = frozenset({"thanhpho", "thixa"})


@dataclass(frozen=True)
class WardInfo:
    code: str
    name: str
    type: str
    core: str
    region: str
    old_districts: frozenset[str]


@dataclass(frozen=True)
class DistrictInfo:
    key: str  # "province_key:district_key"
    name: str
    type: str
    core: str
    province_key: str
    sig: tuple[str, ...]


@dataclass(frozen=True)
class NameEntry:
    kind: Literal["new", "old"]
    unit_type: str
    sig: tuple[str, ...]
    name: str
    targets: tuple[str, ...]
    district: str | None = None
    province_key: str = ""
    split: bool = False
    note: str = ""


@dataclass(frozen=True)
class Hit:
    kind: HitKind
    first: int  # token index range [first, last)
    last: int
    start: int  # character span
    end: int
    prefix_type: str | None
    core: tuple[str, ...]
    accents_ok: bool
    wards: tuple[NameEntry, ...] = ()
    districts: tuple[DistrictInfo, ...] = ()
    province: str = ""

    @property
    def prefixed(self) -> bool:
        return self.prefix_type is not None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _variants(key: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Spellings that name the same place: "Quí"/"Quý" are written both ways."""
    swap = {"qui": "quy", "quy": "qui"}
    return {key, tuple(swap.get(w, w) for w in key)}


class LocationIndex:
    def __init__(self, data_dir: Path) -> None:
        self.wards: dict[str, WardInfo] = {}
        self.districts: dict[str, DistrictInfo] = {}
        self.ward_names: dict[tuple[str, ...], list[NameEntry]] = defaultdict(list)
        self.district_names: dict[tuple[str, ...], list[DistrictInfo]] = defaultdict(list)
        self.district_wards: dict[str, set[str]] = defaultdict(set)
        self._load_wards(_read(data_dir / "wards.csv"))
        self._load_districts(_read(data_dir / "old_districts.csv"))
        self._load_old_units(_read(data_dir / "old_units.csv"))
        self.max_len = max(len(k) for k in [*self.ward_names, *self.district_names])
        # Lengths of the names (of two words or more) that start with each word: a bare
        # name is looked for only where a name can start, and only at lengths it can have.
        self.bare_lengths: dict[str, tuple[int, ...]] = {}
        for key in [*self.ward_names, *self.district_names]:
            if len(key) >= 2:
                known = set(self.bare_lengths.get(key[0], ()))
                self.bare_lengths[key[0]] = tuple(sorted(known | {len(key)}, reverse=True))
        # The words a place name or its unit word can start with: most tokens are none of
        # them and are passed over with one set look-up.
        self.first_words = frozenset().union(
            _by_first_word(DISTRICT_PREFIXES), _by_first_word(WARD_PREFIXES),
            _by_first_word(PROVINCES), self.bare_lengths)
        # First words of the names, and first two words of those a bare name can be.
        self._name_first = {"ward": frozenset(k[0] for k in self.ward_names),
                            "district": frozenset(k[0] for k in self.district_names)}
        self._bare_pairs = frozenset(k[:2] for k in [*self.ward_names, *self.district_names]
                                     if len(k) >= 2)

    def _load_wards(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            info = WardInfo(row["code"], row["name"], row["type"], row["core"], row["region"],
                            frozenset(filter(None, row["old_districts"].split("|"))))
            self.wards[info.code] = info
            entry = NameEntry("new", info.type, sig_words(info.core), info.name, (info.code,),
                              province_key=info.region)
            self._add_ward_name(info.core, entry)

    def _load_districts(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            info = DistrictInfo(f"{row['province_key']}:{row['key']}", row["name"], row["type"],
                                row["core"], row["province_key"], sig_words(row["core"]))
            self.districts[info.key] = info
            for key in _variants(fold_words(info.core)):
                self.district_names[key].append(info)

    def _load_old_units(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            district = f"{row['old_province_key']}:{row['old_district_key']}"
            targets = tuple(row["new_ward_codes"].split())
            core = row["old_ward"].split(" ", 2)[-1] if row["old_ward_type"] == "thitran" \
                else row["old_ward"].split(" ", 1)[-1]
            entry = NameEntry("old", row["old_ward_type"], sig_words(core), row["old_ward"],
                              targets, district, row["old_province_key"], row["split"] == "1",
                              row["note"])
            self._add_ward_name(core, entry)
            self.district_wards[district].update(targets)

    def _add_ward_name(self, core: str, entry: NameEntry) -> None:
        for key in _variants(fold_words(core)):
            if entry not in self.ward_names[key]:
                self.ward_names[key].append(entry)

    # -- scanning -------------------------------------------------------------------------

    def scan(self, tokens: list[Token]) -> list[Hit]:
        hits: list[Hit] = []
        first_words = self.first_words
        i = 0
        while i < len(tokens):
            if tokens[i].folded not in first_words:
                i += 1
                continue
            hit = (self._prefixed(tokens, i, DISTRICT_PREFIXES, "district")
                   or self._prefixed(tokens, i, WARD_PREFIXES, "ward")
                   or self._province(tokens, i) or self._bare(tokens, i))
            if hit is None:
                i += 1
                continue
            hits.append(hit)
            i = hit.last
        return hits

    def _prefixed(self, tokens: list[Token], i: int, prefixes: dict[tuple[str, ...], str],
                  kind: HitKind) -> Hit | None:
        # Most tokens start no prefix: a first-word lookup skips them cheaply.
        for prefix, prefix_type in _by_first_word(prefixes).get(tokens[i].folded, ()):
            j = i + len(prefix)
            if tuple(t.folded for t in tokens[i:j]) != prefix:
                continue
            if prefix == ("f",) and not (j < len(tokens) and tokens[j].folded.isdigit()):
                continue
            hit = self._core(tokens, i, j, kind, prefix_type, min_len=1)
            if hit is not None:
                return hit
        return None

    def _core(self, tokens: list[Token], i: int, j: int, kind: HitKind,
              prefix_type: str | None, min_len: int,
              lengths: tuple[int, ...] | None = None) -> Hit | None:
        if j >= len(tokens) or tokens[j].folded not in self._name_first[kind]:
            return None
        run = name_run(tokens, j, self.max_len, home=True)
        for length in range(run, min_len - 1, -1) if lengths is None else \
                (n for n in lengths if n <= run):
            span = tokens[j:j + length]
            core = tuple(t.folded for t in span)
            last = j + length
            if kind == "ward" and core in self.ward_names:
                found = self.ward_names[core]
                sigs = tuple(t.sig for t in span)
                exact = [e for e in found if e.sig == sigs]
                return Hit(kind, i, last, tokens[i].start, tokens[last - 1].end, prefix_type,
                           core, bool(exact) or not has_accents(span), wards=tuple(exact or found))
            if kind == "district" and core in self.district_names:
                places = self.district_names[core]
                sigs = tuple(t.sig for t in span)
                same = [d for d in places if d.sig == sigs]
                return Hit(kind, i, last, tokens[i].start, tokens[last - 1].end, prefix_type,
                           core, bool(same) or not has_accents(span),
                           districts=tuple(same or places))
        return None

    def _province(self, tokens: list[Token], i: int) -> Hit | None:
        for key, province in _by_first_word(PROVINCES).get(tokens[i].folded, ()):
            if tuple(t.folded for t in tokens[i:i + len(key)]) == key:
                last = i + len(key)
                return Hit("province", i, last, tokens[i].start, tokens[last - 1].end, None, key,
                           True, province=province)
        return None

    def _bare(self, tokens: list[Token], i: int) -> Hit | None:
        if tokens[i].folded not in self.bare_lengths:
            return None
        if i > 0 and not tokens[i].after_break and tokens[i - 1].folded in BARE_BLOCKERS:
            return None
        if i + 1 >= len(tokens) or (tokens[i].folded, tokens[i + 1].folded) not in self._bare_pairs:
            return None  # no name of two words or more starts here
        lengths = self.bare_lengths[tokens[i].folded]
        district = self._core(tokens, i, i, "district", None, 2, lengths)
        ward = self._core(tokens, i, i, "ward", None, 2, lengths)
        best = max((h for h in (district, ward) if h is not None and h.accents_ok),
                   key=lambda h: (h.last, h.kind == "district"), default=None)
        return best


# Unit words that start the next name of an address: a name does not run into them
# ("P Tân Hòa thành phố Biên Hòa" is not the commune "Tân Hòa Thành"). No place name has
# these pairs inside it.
UNIT_PAIRS = frozenset({("thanh", "pho"), ("thi", "xa"), ("thi", "tran")})
_PAIR_FIRST = frozenset(first for first, _ in UNIT_PAIRS)
# One-word unit words, as written with their accents: none is inside a name of the
# province (the country has a few: "Tứ Xã", "Phước Tỉnh", so it reads them only as pairs).
HOME_UNIT_SIGS = frozenset(sig_words("xã phường huyện quận tỉnh"))


def name_run(tokens: list[Token], j: int, limit: int, home: bool = False) -> int:
    """How many tokens from ``j`` on (at most ``limit``) a name can span: up to the next
    punctuation break or unit word; for the province's own names (``home``) also up to
    a dash or a one-word unit word."""
    if j >= len(tokens):
        return 0
    end = min(j + limit, len(tokens))
    k = j + 1
    while k < end:
        token = tokens[k]
        if token.after_break or (home and (token.after_dash or token.sig in HOME_UNIT_SIGS)):
            break
        if token.folded in _PAIR_FIRST and k + 1 < len(tokens) \
                and (token.folded, tokens[k + 1].folded) in UNIT_PAIRS:
            break
        k += 1
    return k - j


def district_matches(info: DistrictInfo, prefix_type: str | None) -> bool:
    if prefix_type is None:
        return True
    if prefix_type in URBAN:
        return info.type in URBAN
    return info.type == prefix_type


_FIRST_WORD: dict[int, dict[str, list[tuple[tuple[str, ...], str]]]] = {}


def _by_first_word(table: dict[tuple[str, ...], str]
                   ) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The table's entries grouped by first word, longest first (built once per table)."""
    grouped = _FIRST_WORD.get(id(table))
    if grouped is None:
        grouped = {}
        for key, value in sorted(table.items(), key=lambda p: -len(p[0])):
            grouped.setdefault(key[0], []).append((key, value))
        _FIRST_WORD[id(table)] = grouped
    return grouped
