"""How alike two reports are, whatever their accents and word order.

Both texts go through the one normaliser (``normalize(text).stripped``: repaired, lower
case, abbreviations and teen-code expanded, numbers and names masked, diacritics
removed) and are folded as typed, then become a set of tokens: content words (masks and
filler words dropped), the problems the text names ("#cay_nga", from the cue phrases of
data/cases/concepts.csv, each problem in a family of problems one event is named by),
and the places it names ("@my+thoi" after a place word, "@12" for "hẻm 12", "@=cho" for
a landmark; a text typed in lower case without diacritics by the two words after a place
word, "ap phu hoa" as "@phu+hoa"). A cue the list writes with diacritics must be typed
with them where the text has them ("sợ đổ" is no "sổ đỏ"), and capitalised names are
blanked before cues are read ("Tôn Đức Thắng" is no "đục"). The score is mostly whether
the two name the same problems (a problem of the same family counts half), counted once
their words overlap a little, less when one names a place the other never writes and not
at all when they name different places (also: a numbered alley against a report never
speaking of an alley, "Tân Đông A" against "tan dong b", a lower-case text opening with
"tinh my" against "ấp Tịnh Hưng"); a problem naming a service (the ferry, the bus: SUBJECTS)
agrees little when either names another problem beside it, and two naming nothing but the
service are scored on their words; the rest is the weighted Jaccard of the words,
each word weighted by its rarity in the complaint corpus (IDF, models/cases/idf.json,
built by ``build_idf``). Where the list has nothing to say (neither text names a known
problem, or only one does), the topic words decide on their own: the same Jaccard with
numbers left out, the words either text writes as a name ("^tan" for "Tân") or in a
place not counted and words the corpus never had (mostly names) at half weight, so that
shared place names link nothing. A cue of several words read with up to LOOSE_GAP words
between its words names its problem loosely ("%mat_nuoc"): only where the other text names
that problem by its cue and this one names none. One problem told twice (both name it, at most
one more in passing, no other place, and the same place or, for the report naming none, the
caller's home, "nhà tui", "@~nha") counts in full whatever the words share (see _one_problem,
_placed_at_home). Token sets ignore order; the stored form
of a ticket's set (``case_keys.words``) lets the lookup score candidates without
normalising their text again."""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.text.normalize import normalize, strip_accents

ROOT = Path(__file__).resolve().parents[2]
IDF_PATH = ROOT / "models" / "cases" / "idf.json"
CONCEPTS_PATH = ROOT / "data" / "cases" / "concepts.csv"
# A problem named (flooding, a pothole, noise) weighs as much as this many rare words:
# two reports of one event name the same problem in different words, and two reports
# of one street that name different problems are different events.
CONCEPT_WEIGHT = 8.0
# How much of the score is the problems named (the rest: the words shared).
PROBLEM_SHARE = 0.7
# How much of the problems' agreement is whether the two name one problem at all (the rest:
# the share of all the problems they name that agree).
BEST_SHARE = 0.5
# Two problems of one family ("cap_nuoc": a burst pipe, muddy water) agree this much.
FAMILY_CREDIT = 0.5
# The problems named count in full only once the texts share this much of their words
# (weighted): two reports of a fallen tree on two streets of one ward name the same
# problem, and only their places (the words) tell them apart. 0.15 until the alley rule
# (see other_places) took over the flooded street against the flooded alley off it.
GATE = 0.1
# What the problems named still count when the two texts name different places, and when
# one names a place the other never writes ("đường Phạm Văn Đồng" against "le van tam p11
# ngap"): one problem type on two streets of a ward is two events.
PLACE_CONFLICT = 0.0
PLACE_UNCONFIRMED = 0.7
# Texts naming no known problem are scored on their words alone: min(1, WORDS_ONLY x the
# weighted Jaccard of their topic words), where a word either text writes as a name
# ("Tân Quới", "Tràm Chim") or in a place it names weighs NAME_SHARE of its rarity, and a
# word the corpus never had UNSEEN_SHARE. Every report of one ward names the same places,
# and a place name is the rarest word there is (the corpus masks names, so a name written
# in lower case is most often a word it never had): shared names must not link two
# problems of one place. Chosen for precision on every labelled set, the fourth blind set
# included (see models/cases/MODEL_CARD.md): a looser 3.0 found more repeats and linked
# different problems of one school or one park.
WORDS_ONLY = 2.0
NAME_SHARE = 0.0
UNSEEN_SHARE = 0.5
# Problems of the list that name a service or a structure rather than what went wrong with it
# (the ferry, the bus, the river embankment: racing on it and rubbish thrown off it are no
# landslide): two reports naming only the ferry agree, but one naming the ferry and its fare
# against one naming the ferry and its missing life jackets are two problems of one ferry.
# Agreeing on the subject alone then counts SUBJECT_CREDIT (not 0: a folded "do ngang" or
# "chet may" may name a problem no one meant).
SUBJECTS = frozenset(["#ghe_dua_don", "#xe_buyt", "#pha", "#tram_bom", "#ke"])
SUBJECT_CREDIT = 0.25
# Two texts naming one problem (see _one_problem) may differ by this many problems named in
# passing and still be scored as naming the one.
ONE_EXTRA = 1
# A text of this many content words or more naming no place at all is an account of the
# caller's own street, not a one-liner whose place no rule reads (see _placed_at_home).
TOLD_WORDS = 12
SUBJECT_WORDS = 2.0
# Where each of the two names a problem of a family the other never names (besides any they
# share), the problems' agreement counts this much: "xưởng gỗ ... ồn, bụi" against "xe cát
# ... rơi vãi, bụi" agree on the dust only, two problems of one street. Chosen on the sets
# tuned on: 0.85 kept every one's recall but one pair of blind12 (0.8 cost blind2 a pair
# more, 0.7 and below 0.02 recall on several sets); 0.9 let a pair of blind12 through.
BOTH_BESIDE = 0.85
# A cue of several words with up to this many words between its words ("nước máy trên đường
# X yếu quá" for "nuoc may yeu") names the problem loosely ("%mat_nuoc"): where only one of two
# texts names a problem by its cue and the other names that one loosely, the two are scored
# as both naming it (else, scored as usual). Read only then: a loose cue is too loose to name
# a problem on its own (gapped cues read as problems cost recall on every set).
LOOSE_GAP = 3
# Token kinds that are not words of the text: problems named by a cue ("#ngap") or loosely
# ("%ngap"), places ("@my+thoi"), names written capitalised ("^tan"). (Numbers, "n12", are
# words to the overlap but no reason shown, see _number.)
MARKS = "#@^%"
# When only one of the two texts names a known problem (the other says it in words the
# list lacks), their topic words may still link them: min(1, ONE_SIDED x that Jaccard),
# if it scores above what the problems named give. As much as for two texts naming no
# problem (WORDS_ONLY; 1.5 until round 7): the list knowing one side's words must not make
# the two less alike than if it knew neither's (a pair where only one text names a
# problem never scores below the same pair naming none). On the sets before blind17:
# recall +0.01-0.02 on four, precision still >= 0.95 wherever it was (blind14 0.994 ->
# 0.983, blind4 0.991 -> 0.982).
ONE_SIDED = WORDS_ONLY
_WORD_RE = re.compile(r"[a-z]+")
# Words that name a place: a capitalised name after one of them is the place's name
# ("ấp Mỹ Thới", "đường Trần Phú"); a number after one of the numbered ones is its number
# ("hẻm 12", "số 45", "khóm 2", "ấp 3"). Lower-case text without diacritics names its
# places otherwise (see _LOWER_UNITS and _leading_street).
_NAMED_UNITS = frozenset(["ap", "khom", "hem", "duong", "cho", "cau", "rach", "kenh", "song",
                          "xom", "to", "ngo", "kiet", "tuyen"])
# The place words a lower-case text names a place after, and the words after them that
# describe the place rather than name it.
_LOWER_UNITS = frozenset(["ap", "khom", "hem", "duong", "dg", "cho", "rach", "kenh", "xom",
                          "tuyen", "kdc"])
_NOT_NAMES_TEXT = """
dal dan be tong nhua dat sinh nat bet xuong cap hu hong lon nho chinh noi bo nay kia sau
truoc gan canh ngap lay lun sut nuoc rac toi sang tren duoi giua ngoai dau cuoi doan khuc
cong moi cu ben phia hai so nguoi dan ca xa huyen tinh thi tran phuong nha di ngang qua
bi luon hoai het ngay dem khi mua chay dong nguy hiem vo tung pho khu
tha rong can dai du ruot sua chet
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Family names streets are named after ("Lê Duẩn", "Trần Hưng Đạo"), those whose folded
# form is seldom an everyday word at the start of a complaint.
_FAMILY_NAMES = frozenset(["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vo", "do",
                           "ngo", "ly", "ton", "hung", "mac"])
# Words that follow a street's name rather than belong to it ("le duan truoc sieu thi").
_AFTER_STREET = frozenset(["truoc", "sau", "gan", "doan", "khuc", "mua", "ngap", "cay", "den",
                           "rac", "nuoc", "so", "toi", "sang", "troi", "dem", "chieu", "ngay",
                           "hu", "bi", "nga", "duong", "hem", "cho", "cau"])
_NUMBERED_UNITS = frozenset(["hem", "so", "nha", "khom", "ap", "to", "ngo", "kiet", "tuyen",
                             "lo"])
# Landmarks a report places its problem by, as typed (with diacritics) and as folded
# text writes them (where a folded word is ambiguous, "cho" for chợ/cho/chó/chỗ, only
# the contexts that make it a place): two reports of one ward's toilets, one at the
# school and one at the market, are two problems.
_LANDMARKS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (name, re.compile(accented), re.compile(folded)) for name, accented, folded in (
        ("truong", r"\btrường (?!hợp)",
         r"\btruong (?:hoc|tieu hoc|thcs|thpt|mam non|mau giao|cap)\b"),
        ("cho", r"\bchợ\b", r"\b(?:o|tai|truoc|gan|cong|trong|khu|quan ly|hop|nha long) cho\b"),
        ("benh_vien", r"\b(?:bệnh viện|trạm y tế)\b", r"\b(?:benh vien|tram y te|bv)\b"),
        ("chua", r"\b(?:chùa|nhà thờ|thánh thất)\b", r"\b(?:truoc|gan|canh|o) chua\b|\bnha tho\b"),
        ("ngan_hang", r"\bngân hàng\b", r"\bngan hang\b"),
        ("ben_do", r"\bbến (?:đò|phà|xe|tàu)\b", r"\bben (?:do|pha|xe|tau)\b"),
        ("nha_van_hoa", r"\bnhà văn hóa\b", r"\bnha van hoa\b"),
        ("uy_ban", r"\b(?:ủy ban|ubnd)\b", r"\b(?:uy ban|ubnd)\b"),
        ("nga_ba", r"\bngã (?:ba|3)\b", r"\bnga (?:ba|3)\b"),
        ("nga_tu", r"\bngã (?:tư|4)\b", r"\bnga (?:tu|4)\b"),
        ("buu_dien", r"\bbưu điện\b", r"\bbuu dien\b"),
        ("cong_vien", r"\b(?:công viên|khu vui chơi|sân chơi)\b",
         r"\b(?:cong vien|khu vui choi|san choi)\b"),
        ("san_bong", r"\b(?:sân bóng|sân vận động)\b", r"\b(?:san bong|san van dong)\b"),
        ("cay_xang", r"\b(?:cây xăng|trạm xăng)\b", r"\b(?:cay xang|tram xang)\b"),
        ("nghia_trang", r"\b(?:nghĩa trang|nghĩa địa)\b", r"\b(?:nghia trang|nghia dia)\b"),
    ))
# The words of each landmark's name ("trường THCS", "trạm y tế"): where a report places its
# problem, not what it reports, so two problems of one school share them and they link
# nothing on their own (see _topic_overlap).
_LANDMARK_WORDS = {
    "truong": "truong hoc tieu thcs thpt mam non mau giao cap",
    "cho": "cho",
    "benh_vien": "benh vien tram te bv",
    "chua": "chua nha tho thanh that",
    "ngan_hang": "ngan hang",
    "ben_do": "ben",
    "nha_van_hoa": "nha van hoa",
    "uy_ban": "uy ban ubnd",
    "buu_dien": "buu dien",
    "cong_vien": "cong vien khu vui choi san",
    "san_bong": "san bong van dong",
    "cay_xang": "cay xang tram",
    "nghia_trang": "nghia trang dia",
}
# A problem placed in a numbered alley ("hẻm 7", "kiệt 12", "hẻm số 3"): against a report that
# never speaks of an alley it is another place (a flooded street and a flooded alley off it).
_ALLEY_RE = re.compile(r"\b(?:hem|hxh|kiet)\s+(?:so\s+)?\d")
# A text speaks of an alley by these words, or by a numbered "kiệt" (alone, "kiet" is as
# often the end of "Lý Thường Kiệt").
_ALLEY_WORDS = frozenset(["hem", "hxh", "@~hem"])
# A report that places its problem at the caller's own home ("nhà tui", "xóm tui", "kế bên",
# "hàng xóm", "trước cửa"), as folded text writes it: "@~nha". Such a report names no other
# place, so against one naming the street or hamlet it is no sign of a second place (see
# _placed_at_home). "trước nhà 45" is a numbered place, not the caller's home.
_HOME_RE = re.compile(
    r"\b(?:nha|xom|vuon|ruong|ao|hem|ben|ghe) (?:tui|toi|tao|minh|em|to|chung toi|bon toi)\b"
    r"|\bhang xom\b|\bnha ben\b|\b(?:ke|sat|canh) (?:ben|vach|nha)\b"
    r"|\b(?:truoc|doi dien|canh|sat) (?:nha|cua)\b(?! (?:so )?\d)")
# The letter that tells two places of one name apart ("khóm Tân Đông A" and "Tân Đông B",
# "xã Mỹ An Hưng B"): after two capitalised words, or in lower-case text after two words
# that follow a place word or open the text ("tan dong b duong dal lun").
_DESIGNATOR_RE = re.compile(r"(?<![\w])[A-ZĐ][^\W\d_]* [A-ZĐ][^\W\d_]* ([A-E])(?![\w])")
_LOWER_DESIGNATOR_RE = re.compile(
    r"(?:^|\b(?:ap|khom|xa|phuong)\s+)[a-z]{2,} [a-z]{2,} ([a-e])(?=\s|[,.;:]|$)")
# House, alley and route numbers, read from the text before the normaliser masks them.
_NUMBER_RE = re.compile(r"(?<![\w/])(\d{1,4})(?![\d/])")
# Words every complaint uses; they say nothing about which event it reports.
_FILLER_TEXT = """
a ai anh bi cac cai can cho chi chua co con cua da dang de den di dia danh do duoc gi
giup hay het ho hoai khi khong la lai lam len luc ma may minh mot nay nen nguoi nhieu
nhung nho o oi qua qq ra rat roi sao se tai the thi thu tu toi tren trong tu va vao ve
vi voi xin xa phuong ap khom xe nay kia do day nua luon van con cung moi
phan anh de nghi kiem tra xu ly giai quyet ko k kh dc j ng tui em ong ba bac
qqnum qqplace qqname qqorg qqphone qqdate qqurl qqemail qqticket
"""
FILLERS = frozenset(_FILLER_TEXT.split())


@dataclass(frozen=True)
class Score:
    value: float
    shared: tuple[str, ...]  # the rarest shared words, for the reason shown to people


@dataclass(frozen=True)
class Concept:
    name: str
    pattern: re.Pattern[str]  # the folded cue phrases
    # Folded cue -> the ways the list writes it with diacritics ("so do" -> {"sổ đỏ"}); a
    # cue the list writes only folded is not here and matches however it is typed.
    written: dict[str, frozenset[str]]
    # The cues of several words the list writes only folded, with up to LOOSE_GAP words
    # between any two of them ("nuoc may ... yeu"): read only against a text naming the
    # problem by its cue (see score), None where the problem has no such cue.
    loose: re.Pattern[str] | None = None
    # The words of each cue: a text lacking a word of every cue cannot match (each word of
    # a cue, gapped or not, is a whole word of the text it matches); None where a cue has
    # a word that is not a plain word, the patterns then always being read.
    cue_words: tuple[frozenset[str], ...] | None = None


_TOKEN_RE = re.compile(r"\w+")


def _cue_words(plains: Iterable[str]) -> tuple[frozenset[str], ...] | None:
    out = []
    for plain in plains:
        parts = plain.replace("~", " ").split()
        if not all(_TOKEN_RE.fullmatch(w) for w in parts):
            return None
        out.append(frozenset(parts))
    return tuple(out)


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """The problems people name, each with its cue phrases (data/cases/concepts.csv)."""
    out = []
    with CONCEPTS_PATH.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            phrases = [" ".join(c.strip().lower().split()) for c in row["cues"].split("|")
                       if c.strip()]
            forms: dict[str, set[str]] = {}
            for phrase in phrases:
                forms.setdefault(strip_accents(phrase), set()).add(phrase)
            cues = "|".join(_cue_regex(plain) for plain in sorted(forms, key=len, reverse=True))
            written = {plain: frozenset(ws) for plain, ws in forms.items() if plain not in ws}
            gapped = [_loose_regex(plain) for plain in sorted(forms, key=len, reverse=True)
                      if plain in forms[plain] and len(plain.replace("~", " ").split()) > 1]
            loose = re.compile(rf"\b(?:{'|'.join(gapped)})\b") if gapped else None
            out.append(Concept(row["concept"], re.compile(rf"\b(?:{cues})\b"), written, loose,
                               _cue_words(forms)))
    return tuple(out)


@lru_cache(maxsize=1)
def _cue_index() -> tuple[dict[str, tuple[tuple[int, frozenset[str]], ...]], frozenset[int]]:
    """Each cue's words under its longest word (the concept's index in `concepts()` with
    them), and the concepts whose patterns are always read (`Concept.cue_words` None): a
    text's candidate problems are then found from its own words, not by trying every cue
    of the list."""
    index: dict[str, list[tuple[int, frozenset[str]]]] = {}
    always = set()
    for i, c in enumerate(concepts()):
        if c.cue_words is None:
            always.add(i)
            continue
        for cue in c.cue_words:
            index.setdefault(max(sorted(cue), key=len), []).append((i, cue))
    return {w: tuple(v) for w, v in index.items()}, frozenset(always)


def _may_match(tokens: frozenset[str]) -> set[int]:
    """The indices of the concepts worth reading on a text of these words (`_TOKEN_RE`)."""
    index, always = _cue_index()
    out = set(always)
    for w in tokens:
        for i, cue in index.get(w, ()):
            if i not in out and cue <= tokens:
                out.add(i)
    return out


def _loose_regex(plain: str) -> str:
    """A folded cue of several words with up to LOOSE_GAP words between any two of them."""
    return rf"(?:\s+\w+){{0,{LOOSE_GAP}}}\s+".join(
        re.escape(w) for w in plain.replace("~", " ").split())


def _cue_regex(plain: str) -> str:
    """A folded cue as a pattern: "cho ~ can" is "cho", up to three words, then "can"
    ("chó nhà ai đó rượt cắn")."""
    return r"(?:\s+\w+){0,3}\s+".join(re.escape(" ".join(part.split()))
                                     for part in plain.split("~"))


def _names_concept(concept: Concept, folded: str, accented: str) -> bool:
    """Whether the text names the problem: a cue found in the folded text, and where the
    text was typed with diacritics there and the list writes the cue with them, typed as
    the list writes it ("sợ đổ" is no "sổ đỏ", "Đức" no "đục"). `accented` is the text
    `folded` was folded from, letter for letter."""
    for m in concept.pattern.finditer(folded):
        forms = concept.written.get(" ".join(m.group().split()))
        span = accented[m.start():m.end()] if len(accented) == len(folded) else ""
        if not forms or not span or _typed_as(" ".join(span.split()), m.group(), forms):
            return True
    return False


def _typed_as(span: str, folded: str, forms: frozenset[str]) -> bool:
    """Whether the span is the cue as the list writes it: typed without diacritics, as
    written, or for a cue of several words with one letter's mark left out ("ngâp nước").
    A one-word cue the list writes with diacritics needs them: folded, "duc",
    "muoi" and "bui" are as often a name, "mười" and "bùi" ("đục", "muỗi", "bụi")."""
    if span in forms:
        return True
    if " " not in folded:
        return False
    return span == folded or any(_one_mark_missing(span, form) for form in forms)


def _one_mark_missing(span: str, form: str) -> bool:
    """The span is the form with a mark left out of one letter ("ngâp" for "ngập"), not
    another mark put in its place ("mặt nước" is no "mất nước")."""
    if len(span) != len(form):
        return False
    diff = [(x, y) for x, y in zip(span, form, strict=True) if x != y]
    if len(diff) != 1:
        return False
    typed, written = (unicodedata.normalize("NFD", c)[1:] for c in diff[0])
    return set(typed) < set(written)


@lru_cache(maxsize=1)
def families() -> dict[str, str]:
    """Problem ("#cay_nga") -> its family ("cay"): the problems one event is named by."""
    with CONCEPTS_PATH.open(encoding="utf-8") as f:
        return {"#" + row["concept"]: row["family"] for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def concept_names() -> dict[str, str]:
    with CONCEPTS_PATH.open(encoding="utf-8") as f:
        return {"#" + row["concept"]: row["name"] for row in csv.DictReader(f)}


def describe(shared: tuple[str, ...]) -> str:
    """The shared problems by their names, then the other shared words as the index keeps
    them (accent-folded, said so), leaving out words a named problem already covers:
    "cùng nói về: ngập nước; từ chung (không dấu): duan, cong"."""
    names = concept_names()
    problems = [names[w] for w in shared if w in names]
    covered = set(strip_accents(" ".join(problems).lower()).split())
    plain = [w for w in shared if w not in names and w not in covered and len(w) > 2]
    parts = [f"cùng nói về: {', '.join(problems)}"] if problems else []
    if plain:
        parts.append(f"từ chung (không dấu): {', '.join(plain)}")
    return "; ".join(parts)


def words(text: str) -> frozenset[str]:
    """The content words of a complaint, accent-folded, and the problems it names
    ("#ngap") (see the module's note)."""
    # The text as typed, folded: the place names and numbers the normaliser masks
    # ("ấp An Thạnh", "hẻm 12") are what tell two reports of one problem apart.
    raw = strip_accents(text.lower())
    norm = normalize(text)
    stripped, accented = norm.stripped, norm.accented
    # Names written capitalised say where, not what ("Tôn Đức Thắng" names no muddy water).
    blanked = _blank_names(text).lower()
    folded = strip_accents(blanked)
    # Only the problems with a cue all of whose words are words of the text are read.
    in_stripped = frozenset(_TOKEN_RE.findall(stripped))
    in_folded = frozenset(_TOKEN_RE.findall(folded))
    found: set[str] = set()
    s_may, f_may = _may_match(in_stripped), _may_match(in_folded)
    for i, c in enumerate(concepts()):
        s_ok, f_ok = i in s_may, i in f_may
        if (s_ok and _names_concept(c, stripped, accented)) \
                or (f_ok and _names_concept(c, folded, blanked)):
            found.add("#" + c.name)
        elif c.loose and ((s_ok and c.loose.search(stripped))
                          or (f_ok and c.loose.search(folded))):
            found.add("%" + c.name)
    plain = {w for text_ in (stripped, raw) for w in _WORD_RE.findall(text_)
             if len(w) > 1 and w not in FILLERS}
    numbers = {"n" + n.lstrip("0") for n in _NUMBER_RE.findall(raw) if n.strip("0")}
    lowered = text.lower()
    marks = {"@=" + name for name, with_marks, without in _LANDMARKS
             if with_marks.search(lowered) or without.search(raw)}
    if _ALLEY_RE.search(raw):
        marks.add("@~hem")
    if _HOME_RE.search(raw):
        marks.add("@~nha")
    marks |= {"@$" + m.lower() for m in _DESIGNATOR_RE.findall(text)}
    if strip_accents(text) == text or text == text.lower():
        marks |= {"@$" + m for m in _LOWER_DESIGNATOR_RE.findall(raw)}
    return frozenset(found | plain | numbers | places(text) | marks | names(text))


_NAME_TOKEN_RE = re.compile(r"[^\W\d_]+|[.!?:;()\n]")


def _name_spans(text: str) -> Iterable[re.Match[str]]:
    """The words a text writes capitalised away from a sentence's start."""
    start = True
    for m in _NAME_TOKEN_RE.finditer(text):
        token = m.group()
        if token in ".!?:;()\n":
            start = True
            continue
        if not start and token[0].isupper() and not token.isupper():
            yield m
        start = False


def _blank_names(text: str) -> str:
    """The text with its names (see names()) blanked, letter for letter."""
    chars = list(text)
    for m in _name_spans(text):
        chars[m.start():m.end()] = " " * (m.end() - m.start())
    return "".join(chars)


def names(text: str) -> set[str]:
    """The words a text writes capitalised away from a sentence's start, folded, as
    "^tan", "^quoi": the names of places (and people) the other text may write in lower
    case ("tan quoi"); they tell where, not what."""
    return {"^" + strip_accents(m.group().lower()) for m in _name_spans(text)}


def places(text: str) -> set[str]:
    """The places a text names, as "@my+thoi", "@12" (see _NAMED_UNITS)."""
    tokens = re.findall(r"[^\W\d_]+|\d+", text)
    folded = [strip_accents(t.lower()) for t in tokens]
    # A text typed in lower case without diacritics ("ap phu hoa ko co xe rac") names its
    # places in the two words after a place word, unless they describe it ("duong dal").
    lower_case = strip_accents(text) == text and not any(True for _ in _name_spans(text))
    marked = strip_accents(text) != text
    out: set[str] = set()
    for i, unit in enumerate(folded[:-1]):
        nxt = tokens[i + 1]
        if nxt.isdigit():
            if unit in _NUMBERED_UNITS:
                out.add("@" + (nxt.lstrip("0") or "0"))
            continue
        if unit not in _NAMED_UNITS or (marked and tokens[i].lower() == unit):
            # Typed bare in a text typed with diacritics: "cho Trạm Y tế" (for) is no "chợ".
            continue
        name = []
        for token, fold in zip(tokens[i + 1:i + 4], folded[i + 1:i + 4], strict=False):
            if not token[0].isupper() or token.isdigit():
                break
            name.append(fold)
        if name:
            out.add("@" + "+".join(name))
        elif lower_case and unit in _LOWER_UNITS:
            name = folded[i + 1:i + 3]
            if len(name) == 2 and not any(w.isdigit() or w in FILLERS or w in _NOT_NAMES
                                          for w in name):
                out.add("@" + "+".join(name))
    street = _leading_street(tokens, folded, lower_case)
    if street:
        out.add(street)
    elif lower_case and not out and len(folded) > 2 and all(
            w.isalpha() and w not in FILLERS for w in folded[:2]) and folded[1] not in _NOT_NAMES:
        # "tinh my ko co xe rac": the two words a lower-case text opens with may be its
        # place; kept apart ("@?") and read only against a place the other text names.
        out.add("@?" + "+".join(folded[:2]))
    return out


def _leading_street(tokens: list[str], folded: list[str], lower_case: bool) -> str | None:
    """A text that opens with a street named after a person, without the word "đường"
    ("le duan truoc sieu thi mua la ngap", "Tôn Đức Thắng cây bật rễ"): a family name and
    the one or two words after it (capitalised, or any in lower-case text) that are no
    description, as "@le+duan"."""
    if len(tokens) < 2 or folded[0] not in _FAMILY_NAMES:
        return None
    name = [folded[0]]
    for token, fold in zip(tokens[1:3], folded[1:3], strict=False):
        if token.isdigit() or (fold in FILLERS and fold not in ("van", "thi")) \
                or fold in _AFTER_STREET or fold in _NAMED_UNITS \
                or not (lower_case or token[0].isupper()):
            break
        name.append(fold)
    return "@" + "+".join(name) if len(name) > 1 else None


def _named_in(place: str, other: frozenset[str]) -> bool:
    """Whether the other text names the place too (as a place, or in its words)."""
    name = place[1:]
    if place in other or name.isdigit():
        return place in other or "n" + name in other
    return all(w in other or w in FILLERS for w in name.split("+"))


def other_places(a: frozenset[str], b: frozenset[str]) -> bool:
    """Both texts name places and neither names one of the other's: two reports of
    one problem at two places of a ward. So is a problem placed in a numbered alley
    ("hẻm 7 Chu Văn An") against a report that never speaks of an alley ("đường Chu Văn
    An ngập"): the street and the alley off it."""
    at_a, at_b = _at(a), _at(b)
    if not at_a and not at_b:
        return False
    if ("@~hem" in a and not _ALLEY_WORDS & b and not _home_only(b)) \
            or ("@~hem" in b and not _ALLEY_WORDS & a and not _home_only(a)):
        return True
    if _opening_differs(at_a, b, at_b, a) or _opening_differs(at_b, a, at_a, b):
        return True
    if _name_differs(at_a, a, at_b, b) or _name_differs(at_b, b, at_a, a):
        return True
    for kind in ("@$", "@="):
        ka = {w for w in at_a if w[:2] == kind}
        kb = {w for w in at_b if w[:2] == kind}
        if ka and kb and not ka & kb:
            return True
    na = {w for w in at_a if w[1:].isdigit()}
    nb = {w for w in at_b if w[1:].isdigit()}
    if na and nb and not na & nb:
        return True
    pa = [w for w in at_a if w[1] not in "=~$?"]
    pb = [w for w in at_b if w[1] not in "=~$?"]
    return bool(pa and pb) and not any(_named_in(p, b) for p in pa) \
        and not any(_named_in(p, a) for p in pb)


def _opening_differs(at_a: Sequence[str], b: frozenset[str], at_b: Sequence[str],
                     a: frozenset[str]) -> bool:
    """The lower-case text `b` opens with a name sharing its first word with a place `a`
    names and not its second ("tinh my ..." against "ấp Tịnh Hưng"), neither text writing
    the other's second word: two hamlets of one name's family. `at_a`, `at_b`: the places
    ("@...") of `a` and `b`."""
    for guess in (w for w in at_b if w[:2] == "@?"):
        first, second = guess[2:].split("+")
        for place in (w for w in at_a if w[1] not in "=~$?"):
            parts = place[1:].split("+")
            if len(parts) >= 2 and parts[0] == first and parts[1] != second \
                    and second not in a and parts[1] not in b:
                return True
    return False


def _name_differs(at_a: Sequence[str], a: frozenset[str], at_b: Sequence[str],
                  b: frozenset[str]) -> bool:
    """`a` names a place by a capitalised name ("ấp Mỹ Thạnh", or "ap my thanh" in a text
    typed all in lower case) whose first word `b` writes capitalised, without its second
    ("cầu khỉ bên Mỹ Hưng"), and the two share no place: two hamlets of one name's family,
    the second named without a place word."""
    own, theirs = _by_name(at_a), _by_name(at_b)
    if any(_named_in(p, b) for p in own) or any(_named_in(p, a) for p in theirs):
        return False
    # A text that writes no name capitalised ("ap my thanh cau go muc") names its place in
    # lower case: its first word is then read as written.
    lower = not any(w[0] == "^" for w in a)
    for place in own:
        parts = place[1:].split("+")
        if len(parts) >= 2 and ("^" + parts[0] in a or lower) and "^" + parts[0] in b \
                and parts[1] not in b and "^" + parts[1] not in b:
            return True
    return False


def _by_name(places: Iterable[str]) -> list[str]:
    """The places named by their name: no landmark, alley, service or number ("@my+thoi",
    not "@=cho" or "@12")."""
    return [w for w in places if w[1] not in "=~$?" and not w[1:].isdigit()]


def _number(w: str) -> bool:
    return w[0] == "n" and w[1:].isdigit()


def same_place(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether the two name one place by its name, or neither names one: a place one names
    ("ấp Tân Lợi") that the other never writes leaves the place unconfirmed. A landmark or
    a number alone ("ở chợ", "khóm 4") confirms nothing and leaves nothing unconfirmed."""
    pa, pb = _by_name(_at(a)), _by_name(_at(b))
    if not pa and not pb:
        return True
    return any(_named_in(p, b) for p in pa) or any(_named_in(p, a) for p in pb)


# Facts of one text's word set that every comparison reads; the new text's are then read
# once a lookup, not once a candidate (those weighed by the IDF table are forgotten with it,
# see _clear).
@lru_cache(maxsize=4096)
def _at(words_: frozenset[str]) -> tuple[str, ...]:
    """The places a text names ("@...")."""
    return tuple(w for w in words_ if w[0] == "@")


@lru_cache(maxsize=4096)
def _problems(words_: frozenset[str]) -> tuple[str, ...]:
    """The problems a text names ("#...")."""
    return tuple(w for w in words_ if w[0] == "#")


@lru_cache(maxsize=4096)
def _mass(words_: frozenset[str]) -> float:
    """The summed IDF of a text's words (marks left out)."""
    table, unseen = idf_table()
    return sum(table.get(w, unseen) for w in words_ if w[0] not in MARKS)


@lru_cache(maxsize=4096)
def _topic_mass(words_: frozenset[str]) -> float:
    return sum(_topic_weight(w) for w in words_)


@lru_cache(maxsize=4096)
def _names_of(words_: frozenset[str]) -> frozenset[str]:
    """The words a text writes as a name or in a place it names."""
    return frozenset({w[1:] for w in words_ if w[0] == "^"} | {
        part for w in words_ if w[0] == "@" and w[1:2] not in "=~$?"
        for part in w[1:].split("+")})


def _clear() -> None:
    for cached in (idf_table, _mass, _topic_mass):
        cached.cache_clear()


def stored(words_: Iterable[str]) -> str:
    return " ".join(sorted(words_))


def parse(value: str) -> frozenset[str]:
    return frozenset(value.split())


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """Word -> IDF, and the weight of a word the corpus never had (the rarest)."""
    if not IDF_PATH.exists():
        return {}, 1.0
    data = json.loads(IDF_PATH.read_text(encoding="utf-8"))
    return dict(data["idf"]), float(data["unseen"])


def weight(word: str) -> float:
    if word.startswith("#"):
        return CONCEPT_WEIGHT
    table, unseen = idf_table()
    return table.get(word, unseen)


def score(a: frozenset[str], b: frozenset[str]) -> Score:
    """Mostly whether the two name the same problems, then how many rare words they
    share; texts naming no known problem are compared on their topic words alone, and
    so may be two where only one names a problem (see the module's note)."""
    if not a or not b:
        return Score(0.0, ())
    shared = a & b
    conflict = other_places(a, b)
    value = _value(a, b, conflict)
    if not conflict:
        loose = _loosely_named(a, b)
        if loose:
            value = max(value, _value(a | loose, b | loose, conflict))
    # The shared words name the reason shown to people; none is read below this score.
    reasons = [w for w in shared if (w[0] == "#" or w[0] not in MARKS) and not _number(w)]
    rarest = tuple(sorted(reasons, key=lambda w: (-weight(w), w))[:4]) if value >= 0.2 else ()
    return Score(round(value, 4), rarest)


def _loosely_named(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """Where only one of the two names problems by their cues, those of them (not subjects)
    the other names loosely ("#mat_nuoc" against "%mat_nuoc"); else nothing."""
    ca, cb = _problems(a), _problems(b)
    if bool(ca) == bool(cb):
        return frozenset()
    named, other = (ca, b) if ca else (cb, a)
    return frozenset(w for w in named if w not in SUBJECTS and "%" + w[1:] in other)


def _value(a: frozenset[str], b: frozenset[str], conflict: bool) -> float:
    """The score of two token sets (see score), `conflict` whether they name other places."""
    ca, cb = _problems(a), _problems(b)
    inter = _mass(a & b)
    total = _mass(a) + _mass(b) - inter  # the union's, each text's summed once a lookup
    text = inter / total if total else 0.0
    if ca or cb:
        placed = conflict or same_place(a, b)
        if not conflict and ca and cb and _one_problem(ca, cb, text) \
                and (placed or _placed_at_home(a, b) or _placed_at_home(b, a)):
            # One problem told twice, in words that need not overlap: the gate is waived
            # and a problem named in passing beside it left out (see _one_problem).
            named = 1.0
        else:
            named = _named(ca, cb, a, b)
            named *= min(1.0, text / GATE) if GATE else 1.0
        if conflict:
            named *= PLACE_CONFLICT
        elif not placed:
            named *= PLACE_UNCONFIRMED
        value = PROBLEM_SHARE * named + (1 - PROBLEM_SHARE) * min(1.0, 2 * text)
        if ca and cb and set(ca) | set(cb) <= SUBJECTS:
            # Both name only the service (the bus, the ferry), not what went wrong with
            # it: what they say decides, as for texts naming no problem.
            value = min(value, 0.0 if conflict
                        else min(1.0, SUBJECT_WORDS * _topic_overlap(a, b)))
        if bool(ca) != bool(cb) and not conflict:
            value = max(value, min(1.0, ONE_SIDED * _topic_overlap(a, b)))
    else:
        value = 0.0 if conflict else min(1.0, WORDS_ONLY * _topic_overlap(a, b))
    return value


def _one_problem(ca: Sequence[str], cb: Sequence[str], text: float) -> bool:
    """Whether the two name one problem (not a service), one naming nothing the other does
    not, the other at most one problem in passing beside it ("cúp điện ... tủ lạnh hư đồ ăn"
    beside "mất điện"), or more once their words overlap past the gate (`text`, a long
    letter naming the rubbish on the canal bank among the smell and the dead rats): one
    event, however differently the two tell it. Two naming a problem each beside the one
    they share are left to the usual rule (a cue read by mistake in a long letter names its
    problem among several)."""
    sa, sb = set(ca) - SUBJECTS, set(cb) - SUBJECTS
    both = sa & sb
    return bool(both) and (sa <= sb or sb <= sa) \
        and (len(sa | sb) - len(both) <= ONE_EXTRA or text >= GATE)


def _placed_at_home(a: frozenset[str], b: frozenset[str]) -> bool:
    """`b` names a place by its name and `a` none: no capitalised name, no place mark but the
    caller's home ("nhà tui", "@~nha") or a landmark `b` names too ("cổng chợ" against "chợ
    Mỹ Phú"), and one of those, or no place mark at all in an account (see _told). The caller
    then speaks of the place the other names, as far as the words tell."""
    if not _by_name(_at(b)) or _has_names(a):
        return False
    home = False
    for w in _at(a):
        if w == "@~nha" or (w[:2] == "@=" and w in b):
            home = True
        else:
            return False
    return home or (not _at(a) and _told(a))


@lru_cache(maxsize=4096)
def _told(words_: frozenset[str]) -> bool:
    """Whether a text is an account (TOLD_WORDS content words or more), not a one-liner: a
    one-liner naming no place most often opens with one in lower case that no rule reads
    ("ton duc thang cay bật rễ"), an account naming none speaks of the caller's own street."""
    return sum(1 for w in words_ if w[0] not in MARKS and not _number(w)) >= TOLD_WORDS


def _home_only(words_: frozenset[str]) -> bool:
    """Whether a text places its problem at the caller's home ("nhà kế bên", "@~nha") and
    nowhere else: no capitalised name, no other place mark. Against an alley it names no
    street the alley is off ("hẻm 17 Hùng Vương" against "nhà kế bên xây lấn qua đất tui")."""
    return "@~nha" in words_ and not _has_names(words_) and all(
        w == "@~nha" or w[:2] == "@=" for w in _at(words_))


@lru_cache(maxsize=4096)
def _has_names(words_: frozenset[str]) -> bool:
    """Whether a text writes a name capitalised ("^tan")."""
    return any(w[0] == "^" for w in words_)


def _topic_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The weighted Jaccard of the words of two texts naming no known problem: numbers
    left out, a word either writes as a name (or in a place it names) weighing
    NAME_SHARE and one the corpus never had UNSEEN_SHARE, so that what the two say
    happened decides, not where."""
    shared = a & b
    named = _names_of(a) | _names_of(b)
    # Both placing it at one school or market: the landmark's words say where, not what.
    named |= {part for w in shared if w[:2] == "@=" for part in
              _LANDMARK_WORDS.get(w[2:], "").split()}

    def weigh(w: str) -> float:
        return _topic_weight(w) * (NAME_SHARE if w in named else 1.0)

    # The union's weight from each text's (read once a lookup for the new text), less
    # what the names take off.
    total = _topic_mass(a) + _topic_mass(b) - sum(_topic_weight(w) for w in shared) \
        - (1.0 - NAME_SHARE) * sum(_topic_weight(w) for w in named if w in a or w in b)
    return sum(weigh(w) for w in shared) / total if total > 1e-9 else 0.0


def _topic_weight(w: str) -> float:
    if w[0] in MARKS or _number(w):
        return 0.0
    table, unseen = idf_table()
    return table[w] if w in table else unseen * UNSEEN_SHARE


def _named(ca: Sequence[str], cb: Sequence[str], a: frozenset[str], b: frozenset[str]
           ) -> float:
    """How far the problems two texts name agree: BEST_SHARE whether they name one problem
    at all (FAMILY_CREDIT for one family), the rest the share of all the problems they name
    that agree (see _agree), so that a wording naming a second problem in passing ("ngập ... kẹt
    xe") still reads as the same report, and one naming only that second problem less so."""
    if not ca or not cb:
        return 0.0
    family = families()
    best = 1.0 if set(ca) & set(cb) else FAMILY_CREDIT if (
        {family.get(w) for w in ca} & {family.get(w) for w in cb}) else 0.0
    both = set(ca) & set(cb)
    if both and both <= SUBJECTS and (_problem_beside(ca, cb) or _problem_beside(cb, ca)):
        best = min(best, SUBJECT_CREDIT)
    share = (_agree(ca, b) + _agree(cb, a)) / (len(ca) + len(cb))
    value = BEST_SHARE * best + (1 - BEST_SHARE) * share
    return value * BOTH_BESIDE if _problem_beside(ca, cb) and _problem_beside(cb, ca) \
        else value


def _problem_beside(named: Sequence[str], other: Sequence[str]) -> bool:
    """Whether one text names a problem (not a subject) of a family the other never names:
    "đò ... tăng giá vé" beside "đò ... không có áo phao" is another problem of one ferry."""
    family = families()
    theirs = {family.get(w) for w in other}
    return any(w not in SUBJECTS and family.get(w) not in theirs for w in named)


def _agree(named: Sequence[str], other: frozenset[str]) -> float:
    """How many of the problems one text names the other names too (a problem of the
    same family counts FAMILY_CREDIT)."""
    family = families()
    theirs = {family.get(w) for w in other if w[0] == "#"}
    return sum(1.0 if w in other else FAMILY_CREDIT if family.get(w) in theirs else 0.0
               for w in named)


def build_idf(texts: Iterable[str], path: Path = IDF_PATH, min_df: int = 2) -> int:
    """Write the IDF table of `texts` (the complaint corpus); returns the word count."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        df.update(words(text))
        n += 1
    idf = {w: round(math.log((n + 1) / (c + 1)) + 1, 4) for w, c in df.items() if c >= min_df}
    unseen = round(math.log((n + 1) / (min_df + 1)) + 1, 4)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"documents": n, "unseen": unseen, "idf": dict(sorted(idf.items()))},
                               ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    _clear()
    return len(idf)
