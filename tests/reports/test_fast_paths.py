"""The report's fast paths give what the straightforward code gives: the workbook's
types, formats and styles, the grouped trend query (each month judged at its own
cut-off), rows read without the timestamp decorator, the PDF column fitting, and the PDF
written by a second process."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.factories import reports as f
from triage.db import session_scope
from triage.reports import lateness
from triage.reports.build import write_formats
from triage.reports.pdf import PdfSink
from triage.reports.pdf_table import FONT, fit, text_width
from triage.reports.service import LISTS, Scope, iter_list
from triage.reports.summary import build_summary, trend
from triage.routing.models import Assignment
from triage.tickets.period import Period

OCT = Period(2026, 10)


def _render(out: Path, scope: Scope = Scope(OCT), workers: int = 1) -> dict[str, Path]:
    targets = {fmt: out / f"r.{fmt}" for fmt in ("xlsx", "pdf", "csv")}
    out.mkdir(parents=True, exist_ok=True)
    with session_scope() as s:
        write_formats(s, scope, targets, workers=workers)
    return targets


def test_workbook_cells_keep_their_types_formats_and_styles(october: dict[str, str],
                                                            tmp_path: Path) -> None:
    path = _render(tmp_path)["xlsx"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tổng hợp", "Biểu đồ", *(spec.sheet for spec in LISTS)]
    assert wb.properties.title == "Báo cáo 1022 tháng 10-2026 - toàn tỉnh"
    assert wb.properties.creator == "Đường dây nóng 1022"
    assert wb.properties.created == datetime(2026, 11, 1, 0, 0)  # 07:00 local, in UTC
    with session_scope() as s:
        expected = list(iter_list(s, Scope(OCT), "tre_xu_ly"))
    sheet = wb[next(spec.sheet for spec in LISTS if spec.key == "tre_xu_ly")]
    assert round(sheet.column_dimensions["E"].width) in (70, 71)  # Excel adds padding
    header = sheet["A1"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("DDEBF7")
    assert header.alignment.wrap_text
    rows = {r[2].value: r for r in sheet.iter_rows(min_row=2)}
    assert len(rows) == len(expected) == 2
    row = next(r for r in expected if r.code == october["late"])
    (number, agency, _code, received, _text, place, _channel, _phone, due, answered, status,
     late) = rows[row.code]
    assert (number.value, agency.value) == (2, "Sở Y tế")  # so-xd's row comes first
    assert received.value == row.received_at.replace(tzinfo=None)
    assert due.value == datetime(2026, 10, 9, 17, 0)
    assert answered.value == datetime(2026, 10, 14, 8, 0)
    assert received.number_format == due.number_format == "dd/mm/yyyy hh:mm"
    assert (place.value, status.value) == ("Phường Mỹ Phú", "Trả lời trễ hạn")
    assert late.value == row.days_late == 3 and late.data_type == "n"
    summary = wb["Tổng hợp"]
    title = summary["A1"]
    assert title.value.startswith("BÁO CÁO KẾT QUẢ TIẾP NHẬN") and title.font.b
    assert title.font.sz == 13
    rate_rows = [r for r in summary.iter_rows() if r[0].value == "Tỷ lệ đúng hạn"]
    rates = [c for r in rate_rows for c in r[1:] if c.value is not None]
    assert rates and all(c.number_format == "0.0%" and 0 <= c.value <= 1 for c in rates)
    with zipfile.ZipFile(path) as z:
        assert len({i.date_time for i in z.infolist()}) == 1  # pinned, not the clock
        assert z.testzip() is None


def test_grouped_trend_judges_each_month_at_its_own_cutoff(database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        # July: answered in August, after its deadline: late as of July's cut-off.
        july = f.ticket(s, f.local(2026, 7, 20, 9))
        f.assign(s, july, "so-yt", f.local(2026, 7, 20, 10), f.local(2026, 7, 27, 17),
                 answered=f.local(2026, 8, 3, 9))
        # August: answered on time; and one handed on before its deadline (not late).
        aug = f.ticket(s, f.local(2026, 8, 3, 9))
        f.assign(s, aug, "so-yt", f.local(2026, 8, 3, 10), f.local(2026, 8, 10, 17),
                 answered=f.local(2026, 8, 10, 17))
        moved = f.ticket(s, f.local(2026, 8, 4, 9))
        f.assign(s, moved, "so-xd", f.local(2026, 8, 4, 10), f.local(2026, 8, 11, 17),
                 ended=f.local(2026, 8, 5, 9), reason="rerouted")
        # The last minute of August (local): due then, never answered.
        edge = f.ticket(s, f.local(2026, 8, 31, 9))
        f.assign(s, edge, "so-xd", f.local(2026, 8, 31, 9), f.local(2026, 8, 31, 23, 59, 59))
        # September (the month before the report) and October.
        sep = f.ticket(s, f.local(2026, 9, 2, 9))
        f.assign(s, sep, "so-xd", f.local(2026, 9, 2, 10), f.local(2026, 9, 9, 17),
                 answered=f.local(2026, 9, 10, 8))
        f.ticket(s, f.local(2026, 10, 1, 0, 0))
    with session_scope() as s:
        whole = build_summary(s, Scope(OCT))
        only_xd = build_summary(s, Scope(OCT, "so-xd"))
        fresh = trend(s, Scope(OCT))
        # The straightforward way: one count per month at that month's cut-off.
        by_month = {}
        for period in OCT.months_back(12):
            by_month[period] = s.scalar(select(func.count()).select_from(Assignment).where(
                Assignment.due_at >= period.start, Assignment.due_at < period.end,
                lateness.late_condition(period.end)))
    assert whole.trend == fresh
    late = {p: n for p, _received, n in whole.trend}
    assert late == by_month
    assert (late[Period(2026, 7)], late[Period(2026, 8)], late[Period(2026, 9)],
            late[OCT]) == (1, 1, 1, 0)
    received = {p: n for p, n, _late in whole.trend}
    assert (received[Period(2026, 7)], received[Period(2026, 8)], received[OCT]) == (1, 3, 1)
    assert whole.previous.late == 1 and whole.previous.received == 1
    assert {p: n for p, _r, n in only_xd.trend if n} == {Period(2026, 8): 1,
                                                          Period(2026, 9): 1}


def test_rows_read_raw_timestamps_as_local_time(database: str) -> None:
    received = f.local(2026, 10, 31, 23, 59, 59)  # 16:59:59 UTC, still October locally
    with session_scope() as s:
        f.agencies(s)
        t = f.ticket(s, received, flags=("tre_han", "to_cao"),
                     due=received - timedelta(days=3), resolved=f.local(2026, 11, 2, 8))
        code = t.code
    with session_scope() as s:
        (row,) = iter_list(s, Scope(OCT), "tre_han")
    assert row.code == code
    assert row.received_at == received and str(row.received_at.tzinfo) == "Asia/Ho_Chi_Minh"
    assert row.due_at is not None and row.due_at.hour == 23
    assert row.answered_at is None  # answered after the cut-off
    assert row.phone == ""  # a denunciation (tố cáo): no phone, not even masked
    assert row.days_late >= 1


@pytest.mark.parametrize("size", [6.0, 8.0])
def test_fit_keeps_the_longest_prefix_that_fits(size: float) -> None:
    pdf = PdfSink(Path("/dev/null")).pdf
    pdf.add_page()
    pdf.set_font(FONT, "", size)
    texts = ["Ngắn.", "", "Đường\tdây\r\nnóng",
             "Người dân phản ánh việc cấp giấy chứng nhận quyền sử dụng đất bị chậm trễ, "
             "cán bộ hẹn nhiều lần mà không giải quyết " * 3,
             "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii" * 4,
             "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"]
    for width in (10.0, 24.0, 88.0):
        room = width - 1.6
        for text in texts:
            out = fit(pdf, text, width)
            flat = text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
            if text_width(pdf, flat) <= room:
                assert out == flat
                continue
            assert out.endswith("…") and text_width(pdf, out) <= room + 1e-9
            kept = out[:-1]
            assert flat.startswith(kept)
            # The next character after the kept text (and any spaces dropped after it)
            # would not have fitted together with the ellipsis.
            end = len(kept)
            while end < len(flat) and flat[end] == " ":
                end += 1
            assert text_width(pdf, flat[: end + 1]) > room - text_width(pdf, "…") - 1e-9


def test_pdf_in_a_second_process_for_an_agency_section(october: dict[str, str],
                                                       tmp_path: Path) -> None:
    scope = Scope(OCT, "so-xd")
    one = _render(tmp_path / "one", scope)
    two = _render(tmp_path / "two", scope, workers=2)
    for fmt, path in one.items():
        assert two[fmt].read_bytes() == path.read_bytes(), fmt
    assert not list((tmp_path / "two").glob(".*.tmp"))
