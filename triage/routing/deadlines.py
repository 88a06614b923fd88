"""Answer deadlines in working days, Asia/Ho_Chi_Minh.

A working day is a Monday to Friday that is not a public holiday, plus any make-up
working Saturday. Public holidays, lunar ones included (Tết, Giỗ Tổ Hùng Vương), come
from the ``holidays`` package (country VN, with the Government's swapped days: the day
off it lists as substituted makes the Saturday it was taken from a working day). The
province adds its own extra days off and make-up Saturdays in data/routing/calendar.csv
(``date,kind,note`` with kind ``off`` or ``work``); the file wins over the package.

When a deadline falls: counting starts on the first working day after the local date
the complaint was received, whatever the hour (a complaint received on Friday at 16:59
or on Saturday both start on Monday). The deadline of N working days is 17:00 local time
on the N-th such day. ``working_days_between(a, b)`` counts the working days d with
date(a) < d <= date(b) (local dates), so ``working_days_between(r, due_at(r, ...)) == N``.

Working days per case come from data/routing/deadlines.csv: a flag row (tre_han,
thai_do) wins over the topic row, the shortest flag row if several; else the topic row;
else the default row.

An urgent complaint (urgency ``khan``) is not counted in working days: its deadline is
a number of clock hours after the time counting starts, nights and holidays included,
per topic in data/routing/urgent_hours.csv (``kind,code,hours``; a topic row, else the
default row).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from holidays.countries.vietnam import VietnamStaticHolidays

from triage.settings import REPO_ROOT

DATA_DIR = REPO_ROOT / "data" / "routing"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE_TIME = time(17, 0)
SATURDAY = 5


def _package_makeup_saturdays() -> set[date]:
    """Saturdays worked in exchange for a bridging day off, as the package records them.

    Entries read (month, day, from_month, from_day[, from_year]): the day off and the
    day worked for it.
    """
    days = set()
    table: dict[int, Any] = VietnamStaticHolidays.special_public_holidays
    for year, entries in table.items():
        items: tuple[tuple[int, ...], ...] = entries if isinstance(entries[0], tuple) \
            else (entries,)
        for item in items:
            if len(item) >= 4:
                from_year = item[4] if len(item) == 5 else year
                worked = date(from_year, item[2], item[3])
                if worked.weekday() == SATURDAY:
                    days.add(worked)
    return days


@dataclass(eq=False)  # compared (and cached) by identity: one object per version in force
class WorkCalendar:
    extra_off: set[date] = field(default_factory=set)
    extra_work: set[date] = field(default_factory=set)
    _holidays: holidays.HolidayBase = field(
        default_factory=lambda: holidays.country_holidays("VN", language="vi"))

    @classmethod
    def from_file(cls, path: Path) -> WorkCalendar:
        calendar = cls(extra_work=_package_makeup_saturdays())
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    day, kind = date.fromisoformat(row["date"].strip()), row["kind"].strip()
                    if kind not in ("off", "work"):
                        raise ValueError(f"calendar kind must be off or work: {row}")
                    (calendar.extra_off if kind == "off" else calendar.extra_work).add(day)
                    (calendar.extra_work if kind == "off" else calendar.extra_off).discard(day)
        return calendar

    def with_days(self, days: Iterable[tuple[date, str]]) -> WorkCalendar:
        """A copy with more province days, (date, "off" | "work"); these win over the
        file and the package."""
        layered = WorkCalendar(set(self.extra_off), set(self.extra_work), self._holidays)
        for day, kind in days:
            if kind not in ("off", "work"):
                raise ValueError(f"calendar kind must be off or work: {kind!r}")
            (layered.extra_off if kind == "off" else layered.extra_work).add(day)
            (layered.extra_work if kind == "off" else layered.extra_off).discard(day)
        return layered

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_off:
            return False
        if day in self.extra_work:
            return True
        return day.weekday() < SATURDAY and day not in self._holidays

    def holiday_name(self, day: date) -> str | None:
        name = self._holidays.get(day)
        return str(name) if name else None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; negative when b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


@dataclass(frozen=True)
class DeadlineTable:
    default: int
    topics: dict[str, int]
    flags: dict[str, int]

    @classmethod
    def from_file(cls, path: Path) -> DeadlineTable:
        default = 5
        topics: dict[str, int] = {}
        flags: dict[str, int] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                days = int(row["working_days"])
                if days < 1:
                    raise ValueError(f"working_days must be at least 1: {row}")
                kind, code = row["kind"].strip(), row["code"].strip()
                if kind == "default":
                    default = days
                elif kind in ("topic", "flag"):
                    (topics if kind == "topic" else flags)[code] = days
                else:
                    raise ValueError(f"unknown deadline kind: {row}")
        return cls(default, topics, flags)

    def working_days(self, topic: str | None, flags: Iterable[str] = ()) -> int:
        by_flag = [self.flags[f] for f in flags if f in self.flags]
        if by_flag:
            return min(by_flag)
        return self.topics.get(topic or "", self.default)


@dataclass(frozen=True)
class UrgentHours:
    default: int
    topics: dict[str, int]

    @classmethod
    def from_file(cls, path: Path) -> UrgentHours:
        default, topics = 24, {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                hours, kind = int(row["hours"]), row["kind"].strip()
                if hours < 1:
                    raise ValueError(f"hours must be at least 1: {row}")
                if kind == "default":
                    default = hours
                elif kind == "topic":
                    topics[row["code"].strip()] = hours
                else:
                    raise ValueError(f"unknown urgent deadline kind: {row}")
        return cls(default, topics)

    def hours(self, topic: str | None) -> int:
        return self.topics.get(topic or "", self.default)


@lru_cache(maxsize=4)
def get_urgent_hours(path: Path = DATA_DIR / "urgent_hours.csv") -> UrgentHours:
    return UrgentHours.from_file(path)


@lru_cache(maxsize=4)
def get_calendar(path: Path = DATA_DIR / "calendar.csv") -> WorkCalendar:
    return WorkCalendar.from_file(path)


@lru_cache(maxsize=4)
def get_deadlines(path: Path = DATA_DIR / "deadlines.csv") -> DeadlineTable:
    return DeadlineTable.from_file(path)


def _local_date(moment: datetime) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(TZ).date()


def add_working_days(start: date, n: int, calendar: WorkCalendar | None = None) -> date:
    return (calendar or get_calendar()).add_working_days(start, n)


def working_days_between(a: datetime | date, b: datetime | date,
                         calendar: WorkCalendar | None = None) -> int:
    day_a = _local_date(a) if isinstance(a, datetime) else a
    day_b = _local_date(b) if isinstance(b, datetime) else b
    return (calendar or get_calendar()).working_days_between(day_a, day_b)


def due_at(received_at: datetime, topic: str | None, flags: Iterable[str] = (), *,
           calendar: WorkCalendar | None = None, table: DeadlineTable | None = None,
           urgency: str | None = None) -> datetime:
    """17:00 Asia/Ho_Chi_Minh on the N-th working day after the day of receipt; for an
    urgent complaint, the topic's clock hours after ``received_at``."""
    if urgency == "khan":
        _local_date(received_at)  # the same check: an aware datetime
        return received_at + timedelta(hours=get_urgent_hours().hours(topic))
    days = (table or get_deadlines()).working_days(topic, flags)
    due_day = add_working_days(_local_date(received_at), days, calendar)
    return datetime.combine(due_day, DUE_TIME, tzinfo=TZ)
