"""The report as a workbook: a summary sheet, then one sheet per list.

The SpreadsheetML is written directly: each sheet's XML is streamed into its zip entry
as the rows arrive (a few hundred rows buffered at a time), so memory stays flat
whatever the month's size. A general-purpose writer (openpyxl) builds a cell object and
an XML element for every value, which cost most of a big month's report time; here a
list row is one formatted string. Every text cell is an inline string written after
neutralisation, so no cell is ever a formula. The archive is written with pinned
timestamps (workbook properties and zip entries), so regenerating a report from the same
data gives the same bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from triage.reports.cells import neutralise
from triage.reports.render import ReportMeta
from triage.reports.service import COLUMNS, ListSpec, ReportRow
from triage.reports.summary import CountRow, Summary

WIDTHS = (6, 34, 20, 17, 70, 26, 14, 15, 17, 17, 26, 10)
SUMMARY_WIDTHS = (44, 14, 14, 14, 14, 14)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
FLUSH_ROWS = 500
ZIP_STAMP = (1980, 1, 1, 0, 0, 0)

# Cell formats (indices into cellXfs in STYLES).
PLAIN, TITLE, BOLD, PERCENT, HEADER, DATE = range(6)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (
    DECLARATION + f'<styleSheet xmlns="{MAIN_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/>'
    f'<numFmt numFmtId="165" formatCode="{DATE_FORMAT}"/></numFmts>'
    '<fonts count="3">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/>'
    '<bgColor indexed="64"/></patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="2" borderId="0" xfId="0" applyFont="1" '
    'applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


def column_letter(index: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


LETTERS = tuple(column_letter(i) for i in range(1, len(COLUMNS) + 1))


def escape(text: str) -> str:
    """Text for XML element content. A CR is written as a character reference, or XML
    parsers would read it back as a line feed."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


_EPOCH = datetime(1899, 12, 30)


def excel_serial(moment: datetime) -> str:
    """A datetime as Excel's day number (its wall-clock time, timezone dropped)."""
    delta = moment.replace(tzinfo=None) - _EPOCH
    return repr(delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400)


def _text_cell(ref: str, value: str, style: int = PLAIN) -> str:
    s = f' s="{style}"' if style else ""
    return (f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
            f'{escape(neutralise(value))}</t></is></c>')


def _value_cell(ref: str, value: Any, style: int = PLAIN) -> str:
    """A summary-sheet cell: text, a count, or a rate (a float shown as a percentage)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_cell(ref, value, style)
    if isinstance(value, float):
        return f'<c r="{ref}" s="{PERCENT}"><v>{value!r}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    raise TypeError(f"no cell for {type(value).__name__}")


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


class _Sheet:
    """One worksheet streamed into its zip entry."""

    def __init__(self, archive: ZipFile, index: int, name: str, widths: tuple[int, ...],
                 freeze_header: bool) -> None:
        self.index = index
        self.name = name
        self.path = f"xl/worksheets/sheet{index}.xml"
        self.rows = 0
        self.filter_ref: str | None = None
        self._buffer: list[str] = []
        self._handle = archive.open(_zip_info(self.path), "w", force_zip64=True)
        selected = ' tabSelected="1"' if index == 1 else ""
        if freeze_header:
            view = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                    'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
        else:
            view = '<selection activeCell="A1" sqref="A1"/>'
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                       for i, w in enumerate(widths, start=1))
        self._buffer.append(
            f'{DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<sheetViews><sheetView workbookViewId="0"{selected}>{view}</sheetView>'
            f'</sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
            '<sheetData>')

    def add(self, cells: str) -> int:
        """Append a row of already formatted cells; returns its row number."""
        self.rows += 1
        if cells:
            self._buffer.append(f'<row r="{self.rows}">{cells}</row>')
            if len(self._buffer) >= FLUSH_ROWS:
                self._flush()
        return self.rows

    def _flush(self) -> None:
        self._handle.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    def close(self) -> None:
        self._buffer.append("</sheetData>")
        if self.filter_ref:
            self._buffer.append(f'<autoFilter ref="{self.filter_ref}"/>')
        self._buffer.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" '
                            'header="0.5" footer="0.5"/></worksheet>')
        self._flush()
        self._handle.close()


def _zip_info(name: str) -> ZipInfo:
    info = ZipInfo(name, date_time=ZIP_STAMP)
    info.compress_type = ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


class XlsxSink:
    def __init__(self, target: Path | IO[bytes]) -> None:
        self.archive = ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True)
        self.sheets: list[_Sheet] = []
        self.sheet: _Sheet | None = None
        self.meta: ReportMeta | None = None
        self._text: dict[str, str] = {}

    def _new_sheet(self, name: str, widths: tuple[int, ...], freeze_header: bool) -> _Sheet:
        if self.sheet is not None:
            self.sheet.close()
        self.sheet = _Sheet(self.archive, len(self.sheets) + 1, name, widths, freeze_header)
        self.sheets.append(self.sheet)
        return self.sheet

    # -- summary sheet ------------------------------------------------------------------
    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self.meta = meta
        self._new_sheet("Tổng hợp", SUMMARY_WIDTHS, freeze_header=False)
        self._summary(meta, summary)

    def _line(self, *values: Any, style: int = PLAIN) -> None:
        assert self.sheet is not None
        row = self.sheet.rows + 1
        self.sheet.add("".join(_value_cell(f"{letter}{row}", value, style)
                               for letter, value in zip(LETTERS, values, strict=False)))

    def _summary(self, meta: ReportMeta, s: Summary) -> None:
        self._line(f"BÁO CÁO {meta.title.upper()}", style=TITLE)
        if meta.section:
            self._line(meta.section, style=BOLD)
        self._line(meta.date_line)
        self._line()
        t, p = s.totals, s.previous
        self._line("Chỉ tiêu", "Tháng này", "Tháng trước", "Tăng/giảm", style=BOLD)
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
        self._line("Tỷ lệ xử lý đúng hạn và xếp hạng cơ quan", style=BOLD)
        self._line("Cơ quan", "Đến hạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn", "Xếp hạng",
                   style=BOLD)
        for rank, r in enumerate(s.ranking, start=1):
            self._line(r.name, r.due, r.on_time, r.late, r.rate, rank)

    def _counts(self, title: str, rows: list[CountRow]) -> None:
        self._line()
        self._line(title, "Tháng này", "Tháng trước", "Tăng/giảm", style=BOLD)
        for r in rows:
            self._line(r.name, r.count, r.previous, r.change)

    # -- lists --------------------------------------------------------------------------
    def start_list(self, spec: ListSpec) -> None:
        sheet = self._new_sheet(spec.sheet, WIDTHS, freeze_header=True)
        sheet.add("".join(_text_cell(f"{letter}1", name, HEADER)
                          for letter, name in zip(LETTERS, COLUMNS, strict=True)))
        self._text.clear()  # repeated values (agency, place, status) are formatted once

    def _cached(self, value: str) -> str:
        text = self._text.get(value)
        if text is None:
            text = escape(neutralise(value))
            if len(self._text) < 4096:
                self._text[value] = text
        return text

    def row(self, number: int, row: ReportRow) -> None:
        sheet = self.sheet
        assert sheet is not None
        r = sheet.rows + 1
        cells = [f'<c r="A{r}"><v>{number}</v></c>']
        for letter, value in (("B", self._cached(row.agency_name)),
                              ("C", escape(neutralise(row.code))),
                              ("D", row.received_at),
                              ("E", escape(neutralise(row.summary))),
                              ("F", self._cached(row.place)),
                              ("G", self._cached(row.channel)),
                              ("H", escape(neutralise(row.phone))),
                              ("I", row.due_at), ("J", row.answered_at),
                              ("K", self._cached(row.status))):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">'
                             f'{value}</t></is></c>')
            else:
                cells.append(f'<c r="{letter}{r}" s="{DATE}"><v>{excel_serial(value)}</v></c>')
        cells.append(f'<c r="L{r}"><v>{row.days_late}</v></c>')
        sheet.add("".join(cells))

    def end_list(self, count: int) -> None:
        assert self.sheet is not None
        self.sheet.filter_ref = f"A1:{LETTERS[-1]}{count + 1}"

    # -- package ------------------------------------------------------------------------
    def finish(self) -> None:
        assert self.meta is not None
        if self.sheet is not None:
            self.sheet.close()
            self.sheet = None
        parts = {
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": self._workbook_rels(),
            "xl/styles.xml": STYLES,
            "docProps/core.xml": self._core(self.meta),
            "docProps/app.xml": (
                f'{DECLARATION}<Properties xmlns="http://schemas.openxmlformats.org/'
                'officeDocument/2006/extended-properties"><Application>Đường dây nóng 1022'
                '</Application></Properties>'),
            "_rels/.rels": (
                f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}">'
                f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" '
                'Target="xl/workbook.xml"/>'
                f'<Relationship Id="rId2" Type="{PKG_REL_NS}/metadata/core-properties" '
                'Target="docProps/core.xml"/>'
                f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" '
                'Target="docProps/app.xml"/></Relationships>'),
            "[Content_Types].xml": self._content_types(),
        }
        for name, text in parts.items():
            self.archive.writestr(_zip_info(name), text.encode("utf-8"))
        self.archive.close()

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{s.index}" r:id="rId{s.index}"/>'
                         for s in self.sheets)
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{s.index - 1}" '
            f'hidden="1">{escape(quote_sheet(s.name))}!{_absolute(s.filter_ref)}</definedName>'
            for s in self.sheets if s.filter_ref)
        defined = f"<definedNames>{names}</definedNames>" if names else ""
        return (f'{DECLARATION}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                '<bookViews><workbookView activeTab="0"/></bookViews>'
                f'<sheets>{sheets}</sheets>{defined}<calcPr calcId="191029"/></workbook>')

    def _workbook_rels(self) -> str:
        rels = "".join(f'<Relationship Id="rId{s.index}" Type="{REL_NS}/worksheet" '
                       f'Target="worksheets/sheet{s.index}.xml"/>' for s in self.sheets)
        styles = (f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{REL_NS}/styles" '
                  'Target="styles.xml"/>')
        return f'{DECLARATION}<Relationships xmlns="{PKG_REL_NS}">{rels}{styles}</Relationships>'

    def _content_types(self) -> str:
        office = "application/vnd.openxmlformats-officedocument"
        overrides = [("/xl/workbook.xml", f"{office}.spreadsheetml.sheet.main+xml"),
                     ("/xl/styles.xml", f"{office}.spreadsheetml.styles+xml"),
                     ("/docProps/core.xml",
                      "application/vnd.openxmlformats-package.core-properties+xml"),
                     ("/docProps/app.xml", f"{office}.extended-properties+xml")]
        overrides += [(f"/{s.path}", f"{office}.spreadsheetml.worksheet+xml")
                      for s in self.sheets]
        body = "".join(f'<Override PartName="{name}" ContentType="{kind}"/>'
                       for name, kind in overrides)
        return (f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                'content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                f'ContentType="application/xml"/>{body}</Types>')

    @staticmethod
    def _core(meta: ReportMeta) -> str:
        stamp = meta.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f'{DECLARATION}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/'
                '1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/'
                '2001/XMLSchema-instance"><dc:creator>Đường dây nóng 1022</dc:creator>'
                f'<dc:title>{escape(meta.display_name)}</dc:title>'
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
                '</cp:coreProperties>')


def _absolute(ref: str | None) -> str:
    """A1:L7 -> $A$1:$L$7"""
    assert ref is not None
    out = []
    for part in ref.split(":"):
        letters = part.rstrip("0123456789")
        out.append(f"${letters}${part[len(letters):]}")
    return ":".join(out)
