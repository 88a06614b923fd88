"""Synthetic history for demos and benchmarks: complaints spread over topics, agencies,
channels and wards, some flagged, some answered late, some re-routed after their first
agency held them past the deadline, and recent cases the system is unsure of waiting in
the review queue with their reasons, written with bulk inserts."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.agencies.directory import DEFAULT_PATH, read_agencies
from triage.agencies.models import AgencyRow
from triage.reports import demo_text as words
from triage.reports.demo_bulk import BulkWriter
from triage.reports.demo_rows import DemoTicket, UnsureTicket, Ward, review_rows, ticket_rows
from triage.routing import deadlines, overlay
from triage.routing.rules import Router
from triage.settings import REPO_ROOT, get_settings
from triage.tickets.models import CodeCounter
from triage.tickets.period import Period
from triage.tickets.service import local_tz
from triage.understand.service import understand

CHUNK = 5000
WARDS = REPO_ROOT / "data" / "agencies" / "wards.csv"


def load_agencies(session: Session) -> set[str]:
    """Agency codes in the database; the default directory is loaded when it is empty."""
    codes = set(session.scalars(select(AgencyRow.code)))
    if codes:
        return codes
    for agency in read_agencies(DEFAULT_PATH):
        session.add(AgencyRow(code=agency.code, name=agency.name, level=agency.level,
                              parent_code=agency.parent, aliases=list(agency.aliases),
                              email=agency.email, active_from=agency.active_from,
                              active_to=agency.active_to))
    session.flush()
    return set(session.scalars(select(AgencyRow.code)))


def load_wards() -> list[Ward]:
    import csv

    with WARDS.open(encoding="utf-8", newline="") as handle:
        return [Ward(r["code"], r["name"], r["region"]) for r in csv.DictReader(handle)]


@lru_cache(maxsize=65536)
def deadline(start: date, topic: str, flags: tuple[str, ...]) -> datetime:
    days = deadlines.get_deadlines().working_days(topic, flags)
    return datetime.combine(deadlines.add_working_days(start, days), deadlines.DUE_TIME,
                            tzinfo=deadlines.TZ).astimezone(UTC)


def _received(rng: random.Random, period: Period) -> datetime:
    day = rng.randrange((period.last_day - period.first_day).days + 1)
    # Office hours mostly; some calls at night and on the last minutes of the month.
    hour = rng.choice((7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 21, 23))
    local = datetime.combine(period.first_day + timedelta(days=day), datetime.min.time(),
                             tzinfo=local_tz())
    return (local + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(UTC)


class DemoFactory:
    def __init__(self, rng: random.Random, agencies: set[str], wards: list[Ward],
                 now: datetime) -> None:
        self.rng, self.agencies, self.wards, self.now = rng, agencies, wards, now
        self.topics = list(words.TOPIC_WEIGHTS)
        self.topic_w = list(words.TOPIC_WEIGHTS.values())
        self.channels = list(words.CHANNEL_WEIGHTS)
        self.channel_w = list(words.CHANNEL_WEIGHTS.values())

    def agency_for(self, topic: str, flags: tuple[str, ...], ward: Ward) -> str:
        rng = self.rng
        if flags and rng.random() < 0.7:
            code = f"{rng.choice(('hcc', 'ubnd'))}-{ward.code}"
        elif topic in words.COMMUNE_TOPICS and rng.random() < 0.5:
            code = f"ubnd-{ward.code}"
        else:
            code = words.TOPIC_AGENCY[topic].replace("{region}", ward.region)
        return code if code in self.agencies else "vp-ubnd-tinh"

    def lateness(self, agency: str) -> float:
        """Each agency has its own habit: between 2% and 30% of answers late."""
        return 0.02 + random.Random(agency).random() * 0.28

    def make(self, period: Period) -> DemoTicket:
        rng = self.rng
        topic = rng.choices(self.topics, self.topic_w)[0]
        roll = rng.random()
        flags = ("tre_han",) if roll < 0.06 else ("thai_do",) if roll < 0.10 else ()
        ward = rng.choice(self.wards)
        received = _received(rng, period)
        return DemoTicket(topic=topic, flags=flags, ward=ward, received=received,
                          channel=rng.choices(self.channels, self.channel_w)[0],
                          agency=self.agency_for(topic, flags, ward))


def _allocate_codes(session: Session, period: Period, count: int) -> int:
    """Reserve `count` ticket numbers of the month; returns the first.

    The counter row is what intake uses on SQLite; on PostgreSQL intake numbers from a
    per-month sequence when one exists, so that sequence is moved past the range too."""
    key = f"{period.year:04d}{period.month:02d}"
    counter = session.get(CodeCounter, key)
    if counter is None:
        counter = CodeCounter(period=key, last=0)
        session.add(counter)
    first = counter.last + 1
    sequence = f"ticket_code_{key}"
    on_pg = session.get_bind().dialect.name == "postgresql"
    if on_pg and session.scalar(select(func.to_regclass(sequence))) is not None:
        first = max(first, int(session.scalar(select(func.nextval(sequence))) or 0))
    counter.last = first + count - 1
    if on_pg and session.scalar(select(func.to_regclass(sequence))) is not None:
        session.execute(select(func.setval(sequence, counter.last)))
    session.flush()
    return first


def unsure_cases(rng: random.Random, count: int, now: datetime, router: Router | None = None
                 ) -> list[UnsureTicket]:
    """`count` cases of the last three days waiting in the review queue, each read by the
    rules (those of `router`) as the pipeline reads them (place, route, reason)."""
    read = {}
    for text, topic, _confidence, flags, _reasons in words.UNSURE:
        seen = understand(text, topic=topic, flags=list(flags), router=router)
        location = seen.location.as_dict()
        if seen.decision.agency_code:
            location["suggested_agency"] = seen.decision.agency_code
        read[text] = (location, seen.decision)
    cases = []
    for i in range(count):
        text, topic, confidence, flags, reasons = words.UNSURE[i % len(words.UNSURE)]
        location, decision = read[text]
        unsure = set(reasons) | ({"routing_unsure"} if not decision.confident else set())
        received = now - timedelta(minutes=rng.uniform(5, 3 * 24 * 60))
        cases.append(UnsureTicket(
            text=text, received=received, channel=rng.choices(
                list(words.CHANNEL_WEIGHTS), list(words.CHANNEL_WEIGHTS.values()))[0],
            topic=topic, confidence=confidence, flags=flags,
            reasons=tuple(sorted(unsure or {"low_confidence"})), location=location,
            rule=decision.rule, routing_reason=decision.reason))
    return sorted(cases, key=lambda c: c.received)


def _review_queue(session: Session, writer: BulkWriter, rng: random.Random, count: int,
                  now: datetime) -> int:
    cases = unsure_cases(rng, count, now, overlay.router(session, now))
    prefix = get_settings().code_prefix
    by_month: dict[Period, list[UnsureTicket]] = {}
    for case in cases:
        by_month.setdefault(Period.containing(case.received), []).append(case)
    for period, group in by_month.items():
        first = _allocate_codes(session, period, len(group))
        for i, case in enumerate(group):
            code = f"{prefix}-{period.year:04d}{period.month:02d}-{first + i:05d}"
            review_rows(writer, case, code, rng)
    return len(cases)


def demo_data(session: Session, months: int = 12, per_month: int = 500, *,
              end: Period | None = None, seed: int = 1022, now: datetime | None = None,
              review: int = 0, progress: Callable[[int], None] | None = None) -> int:
    """Insert `per_month` tickets for each of the `months` months ending with `end`, and
    `review` unsure cases of the last days waiting in the review queue."""
    now = now or datetime.now(UTC)
    end = end or Period.previous_of(now)
    rng = random.Random(seed)
    factory = DemoFactory(rng, load_agencies(session), load_wards(), now)
    writer = BulkWriter(session)
    prefix, total = get_settings().code_prefix, 0
    for period in end.months_back(months):
        first = _allocate_codes(session, period, per_month)
        for i in range(per_month):
            code = f"{prefix}-{period.year:04d}{period.month:02d}-{first + i:05d}"
            ticket_rows(writer, factory.make(period), code, rng, factory, deadline)
            total += 1
            if writer.pending() >= CHUNK:
                writer.flush()
                if progress:
                    progress(CHUNK)
    total += _review_queue(session, writer, rng, review, now) if review else 0
    done_before = writer.pending()
    writer.finish()
    if progress and done_before:
        progress(done_before)
    return total
