"""Working-day deadlines across Tết, 30/4–1/5, 2/9 and make-up Saturdays."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from triage.routing.deadlines import (
    DeadlineTable,
    WorkCalendar,
    add_working_days,
    due_at,
    get_deadlines,
    working_days_between,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_deadline_table_defaults() -> None:
    table = get_deadlines()
    assert table.working_days("y_te") == 5
    assert table.working_days("dat_dai") == 10
    assert table.working_days("xay_dung_do_thi") == 10
    assert table.working_days("dat_dai", ["tre_han"]) == 3
    assert table.working_days("giao_duc", ["thai_do"]) == 3
    assert table.working_days(None) == 5


def test_deadline_is_17h_local_on_the_nth_working_day_after_receipt() -> None:
    due = due_at(at(2025, 11, 3, 8), "y_te")  # Monday
    assert due == at(2025, 11, 10, 17)
    offset = due.utcoffset()
    assert offset is not None and offset.total_seconds() == 7 * 3600


def test_receipt_time_and_zone_only_matter_through_the_local_date() -> None:
    late_friday = at(2025, 11, 7, 23, 59)
    utc_same_moment = late_friday.astimezone(UTC)
    assert due_at(late_friday, "y_te") == due_at(utc_same_moment, "y_te") == at(2025, 11, 14, 17)
    saturday = at(2025, 11, 8, 10)
    assert due_at(saturday, "y_te") == at(2025, 11, 14, 17)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        due_at(datetime(2026, 1, 5, 9), "y_te")


def test_tet_2026_is_skipped() -> None:
    # Tết Bính Ngọ: 16-20/2/2026 off (Mon-Fri) between two weekends.
    assert due_at(at(2026, 2, 12), "y_te") == at(2026, 2, 26, 17)
    assert due_at(at(2026, 2, 13), "khac", ["tre_han"]) == at(2026, 2, 25, 17)
    assert working_days_between(at(2026, 2, 13), at(2026, 2, 23)) == 1


def test_tet_2027_is_skipped() -> None:
    # Tết Đinh Mùi: 4-10/2/2027 off.
    assert due_at(at(2027, 2, 3), "khac") == at(2027, 2, 17, 17)
    assert due_at(at(2027, 2, 1), "dat_dai") == at(2027, 2, 22, 17)


def test_reunification_and_labour_day() -> None:
    # 2026: Hùng Kings observed Monday 27/4, 30/4 (Thu) and 1/5 (Fri) off.
    assert due_at(at(2026, 4, 24), "y_te") == at(2026, 5, 6, 17)
    assert due_at(at(2026, 4, 29), "y_te", ["tre_han"]) == at(2026, 5, 6, 17)


def test_make_up_saturday_2025_counts_as_a_working_day() -> None:
    # 2/5/2025 (Friday) was given off in exchange for Saturday 26/4/2025.
    calendar = WorkCalendar.from_file(Path("/nonexistent"))
    assert calendar.is_working_day(date(2025, 4, 26))
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert due_at(at(2025, 4, 25), "y_te", ["thai_do"]) == at(2025, 4, 29, 17)
    assert due_at(at(2025, 4, 28), "y_te", ["thai_do"]) == at(2025, 5, 6, 17)
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)


def test_national_day_2026_with_its_make_up_saturday() -> None:
    # 31/8 swapped with Saturday 22/8/2026; 1-2/9 National Day.
    assert due_at(at(2026, 8, 20), "dat_dai") == at(2026, 9, 7, 17)
    assert due_at(at(2026, 8, 28), "y_te", ["tre_han"]) == at(2026, 9, 7, 17)


def test_national_day_2025() -> None:
    assert due_at(at(2025, 8, 29), "y_te") == at(2025, 9, 9, 17)


def test_province_calendar_adds_days_off_and_make_up_saturdays(tmp_path: Path) -> None:
    path = tmp_path / "calendar.csv"
    path.write_text("date,kind,note\n2025-11-10,off,Nghỉ theo quyết định của tỉnh\n"
                    "2025-11-15,work,Thứ Bảy làm bù\n", encoding="utf-8")
    calendar = WorkCalendar.from_file(path)
    # Mon 10/11 off, Sat 15/11 worked: Tue-Fri are days 1-4, Saturday day 5.
    assert due_at(at(2025, 11, 7), "y_te", calendar=calendar) == at(2025, 11, 15, 17)
    assert not calendar.is_working_day(date(2025, 11, 10))
    assert calendar.add_working_days(date(2025, 11, 14), 1) == date(2025, 11, 15)


def test_working_days_between_is_the_inverse_of_due_at() -> None:
    for received in (at(2026, 2, 10), at(2026, 4, 28), at(2026, 8, 21), at(2027, 2, 2)):
        for topic, flags in (("y_te", []), ("dat_dai", []), ("y_te", ["tre_han"])):
            due = due_at(received, topic, flags)
            assert working_days_between(received, due) == get_deadlines().working_days(topic, flags)
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 2)) == -5


def test_custom_table(tmp_path: Path) -> None:
    path = tmp_path / "deadlines.csv"
    path.write_text("kind,code,working_days,note\ndefault,,7,\nflag,tre_han,2,\n", encoding="utf-8")
    table = DeadlineTable.from_file(path)
    assert table.working_days("dat_dai") == 7
    assert due_at(at(2025, 11, 3), "dat_dai", ["tre_han"], table=table) == at(2025, 11, 5, 17)
