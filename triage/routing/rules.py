"""Routing rules as data (data/routing/rules.csv), following ../shared/taxonomy.md.

Rows are tried in file order; the first that matches decides, and its id is recorded
as the rule that fired. Columns:

- ``topics``: ``*`` or topic codes separated by ``|``;
- ``flags``: empty (any), ``any`` (tre_han or thai_do set), ``none``, or one flag code;
- ``requires``: empty; ``mention`` (an agency named in the text); ``desk_mention`` (a
  one-stop desk named); ``commune`` (the text's place resolved to one current unit);
  ``ambiguous_place`` (see below);
- ``cues`` / ``exclude``: folded phrases separated by ``|``; at least one cue must occur
  (when any are given) and no excluded phrase may;
- ``target``: an agency code; ``@mention`` (the most specific agency named);
  ``@commune`` (UBND of the resolved unit); ``@review`` (the operators' queue); a code
  containing ``{region}`` is filled with the old province of the place ("dongthap" when
  unknown), so power and water go to the company that serves it;
- a place in another province (``outside_province``) never satisfies ``commune``: the case
  falls through to the department of its topic, and the reason says where the place is;
- ``confident`` 1/0, and ``reason``: Vietnamese text with {agency}, {place}, {topic},
  {matched}, {candidates}.

A ``commune`` row that matches in everything but the place, because the place is
ambiguous (an old commune split in two, "Phường 1" with no town), does not fall
through to the department: the first ``ambiguous_place`` row decides instead, so the
case goes to review with the candidates named. Such rows are skipped otherwise.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from triage.agencies.directory import AgencyMention, Directory, load_directory
from triage.agencies.seed import PROVINCE_OFFICE
from triage.locations.resolve import LocationMatch
from triage.locations.tokens import fold
from triage.settings import REPO_ROOT
from triage.taxonomy import FLAGS, TOPICS, topic_name
from triage.text.normalize import prepare

DEFAULT_RULES = REPO_ROOT / "data" / "routing" / "rules.csv"
REVIEW = "@review"


@dataclass(frozen=True)
class RoutingDecision:
    agency_code: str | None
    agency_name: str | None
    rule: str
    reason: str
    confident: bool

    def as_dict(self) -> dict[str, str | bool | None]:
        """The ``agency`` object of ``triage classify`` output."""
        return {"code": self.agency_code, "name": self.agency_name, "rule": self.rule,
                "reason": self.reason, "confident": self.confident}


@dataclass(frozen=True)
class Rule:
    id: str
    step: int
    topics: frozenset[str]  # empty = every topic
    flags: str
    requires: str
    cues: tuple[str, ...]
    exclude: tuple[str, ...]
    target: str
    confident: bool
    reason: str

    def matches_case(self, topic: str, flags: frozenset[str], words: str) -> bool:
        if self.topics and topic not in self.topics:
            return False
        if not _flags_match(self.flags, flags):
            return False
        if self.cues and not any(f" {cue} " in words for cue in self.cues):
            return False
        return not any(f" {phrase} " in words for phrase in self.exclude)


def _flags_match(wanted: str, flags: frozenset[str]) -> bool:
    if wanted == "":
        return True
    if wanted == "any":
        return bool(flags)
    if wanted == "none":
        return not flags
    return wanted in flags


def _phrases(value: str) -> tuple[str, ...]:
    return tuple(" ".join(fold(p).split()) for p in value.split("|") if p.strip())


COLUMNS = ("id", "step", "topics", "flags", "requires", "cues", "exclude", "target",
           "confident", "reason")


def rule_from_row(row: dict[str, str]) -> Rule:
    """A rule from a row of rules.csv (or an admin's change, in the same columns)."""
    return Rule(
        id=row["id"].strip(), step=int(row["step"]),
        topics=frozenset() if row["topics"].strip() in ("", "*")
        else frozenset(t.strip() for t in row["topics"].split("|") if t.strip()),
        flags=row["flags"].strip(), requires=row["requires"].strip(),
        cues=_phrases(row["cues"]), exclude=_phrases(row["exclude"]),
        target=row["target"].strip(), confident=row["confident"].strip() == "1",
        reason=row["reason"].strip(),
    )


def rule_as_row(rule: Rule) -> dict[str, str]:
    """The rule in rules.csv's columns (cues and exclusions in their folded form)."""
    return {"id": rule.id, "step": str(rule.step),
            "topics": "|".join(sorted(rule.topics)) or "*", "flags": rule.flags,
            "requires": rule.requires, "cues": "|".join(rule.cues),
            "exclude": "|".join(rule.exclude), "target": rule.target,
            "confident": "1" if rule.confident else "0", "reason": rule.reason}


def read_rules(path: Path) -> list[Rule]:
    with path.open(encoding="utf-8", newline="") as handle:
        rules = [rule_from_row(row) for row in csv.DictReader(handle)]
    check_rules(rules)
    return rules


def check_rules(rules: list[Rule]) -> None:
    unknown = {t for r in rules for t in r.topics} - set(TOPICS)
    bad_flags = {r.flags for r in rules} - {"", "any", "none", *FLAGS}
    if unknown or bad_flags:
        raise ValueError(f"rules name unknown topics {unknown} or flags {bad_flags}")
    if not rules or rules[-1].requires or rules[-1].topics or rules[-1].cues:
        raise ValueError("the last rule must be a catch-all")
    if not any(r.requires == "ambiguous_place" for r in rules):
        raise ValueError("a rule for ambiguous places is required")


@dataclass(frozen=True)
class Case:
    topic: str
    flags: frozenset[str]
    words: str
    location: LocationMatch
    mentions: tuple[AgencyMention, ...]


class Router:
    def __init__(self, rules: list[Rule], directory: Directory) -> None:
        self.rules = rules
        self.directory = directory

    def decide(self, case: Case) -> RoutingDecision:
        for rule in self.rules:
            if rule.requires == "ambiguous_place" or not rule.matches_case(
                    case.topic, case.flags, case.words):
                continue
            if rule.requires == "commune" and case.location.status == "ambiguous":
                return self._ambiguous(case)
            decision = self._apply(rule, case)
            if decision is not None:
                return decision
        raise AssertionError("the catch-all rule always decides")

    def _apply(self, rule: Rule, case: Case) -> RoutingDecision | None:
        code, sure = self._target(rule, case)
        if code is None:
            return None
        if code == REVIEW:
            return self._decision(rule, None, case, confident=False)
        return self._decision(rule, code, case, confident=rule.confident and sure)

    def _target(self, rule: Rule, case: Case) -> tuple[str | None, bool]:
        """The agency a row points to in this case, and whether the pick is clear-cut."""
        if rule.requires in ("mention", "desk_mention"):
            named = [m.code for m in case.mentions if m.code]
            if rule.requires == "desk_mention":
                named = [c for c in named if c.startswith("hcc-")]
            return self._most_specific(named)
        if rule.requires == "commune":
            ward = case.location.ward_code if case.location.status == "resolved" else None
            unit = self.directory.commune_unit("ubnd", ward) if ward else None
            return (unit.code if unit else None), True
        if "{region}" in rule.target:
            return rule.target.replace("{region}", case.location.region or "dongthap"), True
        return rule.target, True

    def _most_specific(self, codes: list[str]) -> tuple[str | None, bool]:
        if not codes:
            return None, True
        ranked = sorted(dict.fromkeys(codes), key=self._rank)
        best = self._rank(ranked[0])
        tied = [c for c in ranked if self._rank(c) == best]
        return ranked[0], len(tied) == 1

    def _rank(self, code: str) -> int:
        """0 for a unit (commune body, hospital, power unit), 1 for a department, 2 office."""
        agency = self.directory.get(code)
        if agency is None or code == PROVINCE_OFFICE:
            return 2
        if agency.ward_code or (agency.parent and agency.parent != PROVINCE_OFFICE):
            return 0
        return 1

    def _ambiguous(self, case: Case) -> RoutingDecision:
        rule = next(r for r in self.rules if r.requires == "ambiguous_place")
        return self._decision(rule, None, case, confident=False)

    def _decision(self, rule: Rule, code: str | None, case: Case, confident: bool
                  ) -> RoutingDecision:
        name = self.directory.name(code) if code else None
        ward = case.location.ward_name or ""
        place = ward[:1].lower() + ward[1:]
        reason = rule.reason.format(
            agency=name or "", place=place, topic=topic_name(case.topic),
            matched=case.location.matched or "",
            candidates=", ".join(c.name for c in case.location.candidates))
        if case.location.status == "outside_province":
            reason = f"{outside_note(case.location)} {reason}"
        return RoutingDecision(code, name, rule.id, reason, confident)


def outside_note(location: LocationMatch) -> str:
    """Why no commune of ours was chosen for a place in another province."""
    province = location.province
    where = province[:1].lower() + province[1:] if province else "một tỉnh, thành khác"
    return f"Địa danh «{location.matched}» thuộc {where}, ngoài tỉnh Đồng Tháp:" \
           " không chuyển cho xã, phường của tỉnh."


@lru_cache(maxsize=4)
def load_router(path: Path = DEFAULT_RULES) -> Router:
    return Router(read_rules(path), load_directory())


@dataclass(frozen=True)
class Place:
    """What the rules read of a complaint, read once: its folded words, the commune or
    ward it names and the agencies it names."""

    words: str
    location: LocationMatch
    mentions: tuple[AgencyMention, ...]


def read_place(text: str, directory: Directory | None = None) -> Place:
    """Read ``text`` (already prepared by triage.text.normalize.prepare): tokenised once,
    its place names scanned once, for the place and the agency mentions alike."""
    directory = directory or load_directory()
    scan = directory.resolver.scan(text)
    location = directory.resolver.resolve_hits(text, scan.hits, scan.outside)
    mentions = directory.find_mentions(text, location, scan=scan)
    words = " " + " ".join(t.folded for t in scan.tokens) + " "
    return Place(words, location, tuple(mentions))


def decide_place(topic: str | None, flags: Iterable[str], place: Place,
                 router: Router | None = None) -> RoutingDecision:
    """Route one complaint: topic and flags from the classifier or an operator, and what
    its text says (``read_place``)."""
    case = Case(topic or "", frozenset(f for f in flags if f in FLAGS), place.words,
                place.location, place.mentions)
    return (router or load_router()).decide(case)


def decide(topic: str | None, flags: Iterable[str], text: str, *,
           directory: Directory | None = None, router: Router | None = None) -> RoutingDecision:
    """Route one complaint given as received (its text is prepared and read here;
    triage.understand does both once for the classifier, the place and the rules)."""
    if router is None:
        router = load_router() if directory is None \
            else Router(read_rules(DEFAULT_RULES), directory)
    place = read_place(prepare(text)[0], router.directory)
    return decide_place(topic, flags, place, router)
