"""Report months in local time (Asia/Ho_Chi_Minh) and their bounds in UTC.

Timestamps are stored in UTC; a month is cut at local midnight, so a complaint received
at 23:59 on 31/10 local time (16:59 UTC) is October and one at 00:00 on 1/11 (17:00 UTC
on 31/10) is November."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from triage.tickets.service import local_tz

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Period:
        match = PERIOD.match(value.strip())
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError(f"tháng phải có dạng YYYY-MM: {value!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime) -> Period:
        local = moment.astimezone(local_tz())
        return cls(local.year, local.month)

    @classmethod
    def previous_of(cls, moment: datetime) -> Period:
        """The month before the one `moment` falls in (local time): what the 1st reports."""
        return cls.containing(moment).shift(-1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Period:
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.shift(1).first_day - timedelta(days=1)

    @property
    def start(self) -> datetime:
        """Local midnight of the 1st, in UTC (inclusive)."""
        return datetime(self.year, self.month, 1, tzinfo=local_tz()).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Local midnight of the next month's 1st, in UTC (exclusive); the data cut-off."""
        return self.shift(1).start

    @property
    def issued_on(self) -> date:
        """The date printed on the report: the 1st of the following month."""
        return self.shift(1).first_day

    @property
    def issued_at(self) -> datetime:
        """Pinned metadata time (07:00 local on the issue day): same data, same bytes."""
        day = self.issued_on
        return datetime(day.year, day.month, day.day, 7, 0, tzinfo=local_tz())

    @property
    def label(self) -> str:
        return f"tháng {self.month:02d} năm {self.year}"

    def months_back(self, count: int) -> list[Period]:
        """`count` months ending with this one, oldest first."""
        return [self.shift(-i) for i in range(count - 1, -1, -1)]

    def through(self, last: Period) -> list[Period]:
        """Every month from this one to `last`, oldest first."""
        count = (last.year - self.year) * 12 + last.month - self.month + 1
        return [self.shift(i) for i in range(count)]
