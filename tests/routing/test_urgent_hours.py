"""Urgent deadlines count clock hours from receipt, nights and holidays included."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from triage.routing.deadlines import UrgentHours, due_at, get_urgent_hours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_urgent_deadline_is_the_topic_hours_even_on_a_holiday_night() -> None:
    received = datetime(2026, 9, 1, 23, 30, tzinfo=TZ)  # the eve of National Day
    hours = get_urgent_hours().hours("dien")
    assert due_at(received, "dien", urgency="khan") == received + timedelta(hours=hours)
    # The same complaint, not urgent: 17:00 on a working day, days later.
    ordinary = due_at(received, "dien")
    assert ordinary.time().hour == 17 and ordinary - received > timedelta(days=2)
    # Collective complaints keep working days: only danger counts hours.
    assert due_at(received, "dien", urgency="dong_nguoi") == ordinary


def test_unlisted_topic_takes_the_default_row(tmp_path: Path) -> None:
    path = tmp_path / "urgent_hours.csv"
    path.write_text("kind,code,hours,note\ndefault,,12,x\ntopic,dien,3,y\n", encoding="utf-8")
    table = UrgentHours.from_file(path)
    assert (table.hours("dien"), table.hours("y_te"), table.hours(None)) == (3, 12, 12)


def test_hours_must_be_positive(tmp_path: Path) -> None:
    path = tmp_path / "urgent_hours.csv"
    path.write_text("kind,code,hours,note\ntopic,dien,0,x\n", encoding="utf-8")
    with pytest.raises(ValueError):
        UrgentHours.from_file(path)
