"""The report as a workbook: a summary sheet, then one sheet per list.

openpyxl write-only mode streams rows to disk. Every text cell is forced to the string
type after neutralisation, so no cell is ever a formula. The archive is written with
pinned timestamps (workbook properties and zip entries), so regenerating a report from
the same data gives the same bytes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from triage.reports.cells import neutralise
from triage.reports.render import ReportMeta
from triage.reports.service import COLUMNS, ListSpec, ReportRow
from triage.reports.summary import CountRow, Summary

WIDTHS = (6, 34, 20, 17, 70, 26, 14, 15, 17, 17, 26, 10)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


class _PinnedZip(ZipFile):
    """A zip whose entries all carry one fixed timestamp and mode."""

    stamp = (1980, 1, 1, 0, 0, 0)

    def _info(self, name: str) -> ZipInfo:
        info = ZipInfo(name, date_time=self.stamp)
        info.compress_type = ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: str | ZipInfo, data: Any,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, ZipInfo) \
            else zinfo_or_arcname
        super().writestr(self._info(name), data)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        with open(filename, "rb") as src, self.open(self._info(str(arcname)), "w",
                                                    force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


class XlsxSink:
    def __init__(self, target: Path | IO[bytes]) -> None:
        self.target = target
        self.wb = Workbook(write_only=True)
        self.ws: WriteOnlyWorksheet | None = None
        self.meta: ReportMeta | None = None

    def _text(self, value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value=neutralise(value))  # idempotent
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    @property
    def _sheet(self) -> WriteOnlyWorksheet:
        assert self.ws is not None
        return self.ws

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str):
            text = neutralise(value)
            # A plain str is typed "s" by openpyxl unless it starts with "=" (impossible
            # after neutralise) or is an error literal; only those need a forced cell.
            # Building a cell object for every value costs several seconds on a big month.
            return self._text(text) if text in ERROR_CODES else text
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.number_format = DATE_FORMAT
            return cell
        return value

    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self.meta = meta
        self.ws = self.wb.create_sheet("Tổng hợp")
        for col, width in enumerate((44, 14, 14, 14, 14), start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        self._summary(meta, summary)

    def _line(self, *values: Any, font: Font | None = None) -> None:
        self._sheet.append([self._summary_cell(v, font) for v in values])

    def _summary_cell(self, value: Any, font: Font | None) -> Any:
        if isinstance(value, str):
            return self._text(value, font)
        if isinstance(value, float):  # a rate
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.number_format = "0.0%"
            return cell
        return value

    def _summary(self, meta: ReportMeta, s: Summary) -> None:
        self._line(f"BÁO CÁO {meta.title.upper()}", font=TITLE)
        if meta.section:
            self._line(meta.section, font=BOLD)
        self._line(meta.date_line)
        self._line()
        t, p = s.totals, s.previous
        self._line("Chỉ tiêu", "Tháng này", "Tháng trước", "Tăng/giảm", font=BOLD)
        for name, now, before in (
            ("Phản ánh tiếp nhận", t.received, p.received),
            ("Phản ánh TTHC trễ hạn", t.tre_han, p.tre_han),
            ("Phản ánh thái độ, tác phong", t.thai_do, p.thai_do),
            ("Phiếu đến hạn xử lý", t.due, p.due),
            ("Phiếu xử lý trễ hạn", t.late, p.late),
        ):
            self._line(name, now, before, now - before)
        self._line("Tỷ lệ đúng hạn", t.on_time_rate, p.on_time_rate)
        for title, rows in (("Theo lĩnh vực", s.by_topic), ("Theo cơ quan xử lý", s.by_agency),
                            ("Theo kênh tiếp nhận", s.by_channel)):
            self._counts(title, rows)
        self._line()
        self._line("Tỷ lệ xử lý đúng hạn và xếp hạng cơ quan", font=BOLD)
        self._line("Cơ quan", "Đến hạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn", "Xếp hạng",
                   font=BOLD)
        for rank, r in enumerate(s.ranking, start=1):
            self._line(r.name, r.due, r.on_time, r.late, r.rate, rank)

    def _counts(self, title: str, rows: list[CountRow]) -> None:
        self._line()
        self._line(title, "Tháng này", "Tháng trước", "Tăng/giảm", font=BOLD)
        for r in rows:
            self._line(r.name, r.count, r.previous, r.change)

    def start_list(self, spec: ListSpec) -> None:
        self.ws = self.wb.create_sheet(spec.sheet)
        for col, width in enumerate(WIDTHS, start=1):
            self.ws.column_dimensions[get_column_letter(col)].width = width
        self.ws.freeze_panes = "A2"
        header = []
        for name in COLUMNS:
            cell = self._text(name, BOLD)
            cell.fill = HEADER_FILL
            cell.alignment = WRAP
            header.append(cell)
        self.ws.append(header)

    def row(self, number: int, row: ReportRow) -> None:
        self._sheet.append([self._cell(v) for v in row.values(number)])

    def end_list(self, count: int) -> None:
        last = get_column_letter(len(COLUMNS))
        self._sheet.auto_filter.ref = f"A1:{last}{count + 1}"

    def finish(self) -> None:
        assert self.meta is not None
        pinned = self.meta.issued_at.astimezone(UTC).replace(tzinfo=None)
        self.wb.properties.creator = "Đường dây nóng 1022"
        self.wb.properties.title = self.meta.display_name
        self.wb.properties.created = pinned
        self.wb.properties.modified = pinned
        archive = _PinnedZip(self.target, "w", ZIP_DEFLATED, allowZip64=True)
        ExcelWriter(self.wb, archive).save()

