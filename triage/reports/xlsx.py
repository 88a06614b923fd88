"""The report as a workbook: a summary sheet, a sheet of charts drawn from it
(triage.reports.xlsx_charts), then one sheet per list; every sheet prints on A4, the
lists in landscape with their header row on each page.

XlsxWriter in constant-memory mode streams each row to disk as it is written, so memory
stays flat whatever the month's size; it writes about twice as fast as openpyxl's
write-only mode, which matters on a month of 30,000 list rows (openpyxl still reads
workbooks: imports and tests). Every text cell is written as a string after
neutralisation, so no cell is ever a formula. Properties carry the report's issue time,
and XlsxWriter pins the archive's timestamps, so regenerating a report from the same data
gives the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from triage.reports import xlsx_charts
from triage.reports.cells import neutralise
from triage.reports.ranking import min_due
from triage.reports.render import ReportMeta
from triage.reports.service import COLUMNS, ListSpec, ReportRow
from triage.reports.summary import CountRow, Summary

SUMMARY = "Tổng hợp"
PAPER_A4 = 9
WIDTHS = (6, 34, 20, 17, 70, 26, 14, 15, 17, 17, 26, 10)
SUMMARY_WIDTHS = (44, 14, 14, 14, 14, 14, 30)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
PERCENT_FORMAT = "0.0%"


class XlsxSink:
    def __init__(self, target: Path | IO[bytes]) -> None:
        self.wb = xlsxwriter.Workbook(target, {
            "constant_memory": True,
            # Values go in as they are: never turned into formulas, links or numbers.
            "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False,
            # Times are local wall-clock times; the sheet shows them as such.
            "remove_timezone": True,
        })
        self.title = self.wb.add_format({"bold": True, "font_size": 13})
        self.bold = self.wb.add_format({"bold": True})
        self.header = self.wb.add_format({"bold": True, "bg_color": "#DDEBF7",
                                          "text_wrap": True, "valign": "top"})
        self.date = self.wb.add_format({"num_format": DATE_FORMAT})
        self.percent = self.wb.add_format({"num_format": PERCENT_FORMAT})
        self.ws: Worksheet | None = None
        self.line = 0
        self.meta: ReportMeta | None = None
        self.blocks: dict[str, xlsx_charts.Block] = {}

    @property
    def _sheet(self) -> Worksheet:
        assert self.ws is not None
        return self.ws

    def _new_sheet(self, name: str, widths: tuple[int, ...], *, landscape: bool) -> Worksheet:
        self.ws = ws = self.wb.add_worksheet(name)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        # Printed on A4, as wide as the page, numbered.
        ws.set_paper(PAPER_A4)
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer("&CTrang &P/&N")
        self.line = 0
        return ws

    def _write(self, row: int, col: int, value: Any, text_format: Format | None = None
               ) -> None:
        ws = self._sheet
        if value is None:
            return
        if isinstance(value, str):
            ws.write_string(row, col, neutralise(value), text_format)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value, self.date)
        elif isinstance(value, float):
            ws.write_number(row, col, value, self.percent)  # floats here are rates
        else:
            ws.write_number(row, col, value)

    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self.meta = meta
        self._new_sheet(SUMMARY, SUMMARY_WIDTHS, landscape=False)
        self._summary(meta, summary)
        charts = self._new_sheet(xlsx_charts.SHEET, (), landscape=True)
        blocks = {k: b for k, b in self.blocks.items()
                  if b.rows > 0 and (k != "agency" or meta.agency_name is None)}
        xlsx_charts.add_charts(self.wb, charts, SUMMARY, blocks)

    def _line(self, *values: Any, text_format: Format | None = None) -> None:
        for col, value in enumerate(values):
            self._write(self.line, col, value, text_format)
        self.line += 1

    def _summary(self, meta: ReportMeta, s: Summary) -> None:
        self._line(f"BÁO CÁO {meta.title.upper()}", text_format=self.title)
        if meta.section:
            self._line(meta.section, text_format=self.bold)
        self._line(meta.date_line)
        if meta.as_of_line:
            self._line(meta.as_of_line)
        self._line()
        t, p = s.totals, s.previous
        self._line("Chỉ tiêu", "Tháng này", "Tháng trước", "Tăng/giảm", text_format=self.bold)
        for name, now, before in (
            ("Phản ánh tiếp nhận", t.received, p.received),
            ("Phản ánh TTHC trễ hạn", t.tre_han, p.tre_han),
            ("Phản ánh thái độ, tác phong", t.thai_do, p.thai_do),
            ("Phiếu đến hạn xử lý", t.due, p.due),
            ("Phiếu xử lý trễ hạn", t.late, p.late),
        ):
            self._line(name, now, before, now - before)
        self._line("Tỷ lệ đúng hạn", t.on_time_rate, p.on_time_rate)
        for key, title, rows in (("topic", "Theo lĩnh vực", s.by_topic),
                                 ("agency", "Theo cơ quan xử lý", s.by_agency),
                                 ("channel", "Theo kênh tiếp nhận", s.by_channel)):
            self._counts(key, title, rows)
        self._line()
        self._line("Diễn biến 12 tháng", *xlsx_charts.TREND_SERIES, text_format=self.bold)
        self._block("trend", [(f"{p.month:02d}/{p.year}", received, late)
                              for p, received, late in s.trend])
        self._line()
        self._line("Tỷ lệ xử lý đúng hạn và xếp hạng cơ quan", text_format=self.bold)
        self._line(f"Xếp theo điểm: cận dưới khoảng tin cậy 95 % (Wilson) của tỷ lệ đúng hạn; "
                   f"dưới {min_due()} phiếu đến hạn thì chưa xếp hạng.")
        self._line("Cơ quan", "Đến hạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn",
                   "Điểm xếp hạng", "Xếp hạng", text_format=self.bold)
        for r in s.ranking:
            self._line(r.name, r.due, r.on_time, r.late, r.rate, r.score,
                       r.rank if r.rank is not None else r.rank_label)
        self._satisfaction(s)

    def _satisfaction(self, s: Summary) -> None:
        for title, rows in (("Mức độ hài lòng theo cơ quan", s.satisfaction_by_agency),
                            ("Mức độ hài lòng theo lĩnh vực", s.satisfaction_by_topic)):
            self._line()
            self._line(title, "Đã gửi khảo sát", "Đã phản hồi", "Hài lòng",
                       "Tỷ lệ phản hồi", "Tỷ lệ hài lòng", text_format=self.bold)
            for r in rows:
                self._line(r.name, r.sent, r.answered, r.satisfied,
                           r.response_rate, r.satisfaction_rate)

    def _block(self, key: str, rows: list[tuple[str, int, int, *tuple[int, ...]]]) -> None:
        """Write the data rows of the table `key` (label and numbers); a chart draws
        their first two numbers."""
        labels = tuple(neutralise(r[0]) for r in rows)
        self.blocks[key] = xlsx_charts.Block(self.line, labels, (
            tuple(r[1] for r in rows), tuple(r[2] for r in rows)))
        for row in rows:
            self._line(*row)

    def _counts(self, key: str, title: str, rows: list[CountRow]) -> None:
        self._line()
        self._line(title, "Tháng này", "Tháng trước", "Tăng/giảm", text_format=self.bold)
        self._block(key, [(r.name, r.count, r.previous, r.change) for r in rows])

    def start_list(self, spec: ListSpec) -> None:
        ws = self._new_sheet(spec.sheet, WIDTHS, landscape=True)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)  # the header row on every printed page
        for col, name in enumerate(COLUMNS):
            ws.write_string(0, col, name, self.header)
        self.line = 1

    def row(self, number: int, row: ReportRow) -> None:
        self._line(*row.values(number))

    def end_list(self, count: int) -> None:
        self._sheet.autofilter(0, 0, count, len(COLUMNS) - 1)

    def finish(self) -> None:
        assert self.meta is not None
        pinned = self.meta.issued_at.astimezone(UTC).replace(tzinfo=None)
        self.wb.set_properties({"title": self.meta.display_name,
                                "author": "Đường dây nóng 1022", "created": pinned})
        self.wb.close()
