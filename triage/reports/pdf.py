"""The report as a provincial administrative document (fpdf2).

Portrait body: issuing body and số on the left, quốc hiệu and the dated place on the
right, title, general situation with the change from last month, charts, summary tables,
recipients and signature; then landscape appendices, one per list, grouped by agency.
DejaVu Sans from matplotlib's data directory carries the Vietnamese glyphs and is
embedded (subset). The creation date is pinned to the report's issue time."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import IO

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from triage.reports import charts, conduct
from triage.reports.pdf_table import FONT, Column, Table
from triage.reports.ranking import TOO_FEW, min_due
from triage.reports.render import HOTLINE, ReportMeta
from triage.reports.service import ListSpec, ReportRow
from triage.reports.summary import CountRow, Summary, Totals

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
APPENDIX = {"1": "I", "2a": "II.a", "2b": "II.b", "3": "III", **conduct.APPENDIX}
LIST_COLUMNS = (
    Column("STT", 10, "R"), Column("Mã phiếu", 24), Column("Ngày tiếp nhận", 19),
    Column("Nội dung tóm tắt", 88), Column("Địa bàn", 27), Column("Kênh", 16),
    Column("Số điện thoại", 16), Column("Hạn xử lý", 19), Column("Ngày trả lời", 19),
    Column("Tình trạng", 30), Column("Số ngày trễ", 9, "R"),
)


def _dt(value: datetime | None) -> str:
    return value.strftime("%d/%m/%y %H:%M") if value is not None else ""


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")


class PdfSink:
    def __init__(self, target: Path | IO[bytes]) -> None:
        self.target = target
        pdf = _Document(orientation="P", unit="mm", format="A4")
        pdf.set_margins(20, 15, 15)
        pdf.set_auto_page_break(True, margin=15)
        for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold"),
                            ("I", "DejaVuSans-Oblique"), ("BI", "DejaVuSans-BoldOblique")):
            pdf.add_font(FONT, style, str(FONT_DIR / f"{name}.ttf"))
        self.pdf = pdf
        self.meta: ReportMeta | None = None
        self.table: Table | None = None
        self.agency: str | None = None
        self.grouped = False

    # -- body ---------------------------------------------------------------------------
    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self.meta = meta
        pdf = self.pdf
        pdf.set_title(meta.display_name)
        pdf.set_author(meta.office)
        pdf.set_creation_date(meta.issued_at)
        pdf.add_page()
        self._masthead(meta)
        self._title(meta)
        self._situation(meta, summary)
        self._charts(meta, summary)
        self._tables(meta, summary)
        self._closing(meta)

    def _masthead(self, meta: ReportMeta) -> None:
        pdf, top = self.pdf, self.pdf.get_y()
        left, right = 70.0, pdf.epw - 70.0
        pdf.set_font(FONT, "", 10)
        pdf.cell(left, 5, meta.issuer_parent, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(left, 5, meta.issuer, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.line(pdf.l_margin + left / 2 - 12, pdf.get_y() + 0.5,
                 pdf.l_margin + left / 2 + 12, pdf.get_y() + 0.5)
        pdf.set_font(FONT, "", 10)
        pdf.ln(2)
        pdf.cell(left, 5, "Số:        /BC-VP", align="C")
        pdf.set_xy(pdf.l_margin + left, top)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(right, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C",
                 new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.cell(right, 5, "Độc lập - Tự do - Hạnh phúc", align="C",
                 new_x=XPos.LEFT, new_y=YPos.NEXT)
        mid = pdf.l_margin + left + right / 2
        pdf.line(mid - 27, pdf.get_y() + 0.5, mid + 27, pdf.get_y() + 0.5)
        pdf.ln(2)
        pdf.set_x(pdf.l_margin + left)
        pdf.set_font(FONT, "I", 10)
        pdf.cell(right, 5, meta.date_line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(8)

    def _title(self, meta: ReportMeta) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 13)
        pdf.cell(0, 7, "BÁO CÁO", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, meta.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if meta.section:
            pdf.set_font(FONT, "I", 10)
            pdf.cell(0, 6, f"({meta.section})", align="C", new_x=XPos.LMARGIN,
                     new_y=YPos.NEXT)
        if meta.as_of_line:
            pdf.set_font(FONT, "I", 9)
            pdf.multi_cell(0, 5, meta.as_of_line, align="C", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pdf.ln(4)

    def _heading(self, text: str) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)

    def _paragraph(self, text: str) -> None:
        self.pdf.multi_cell(0, 5.5, text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def _situation(self, meta: ReportMeta, s: Summary) -> None:
        t, p = s.totals, s.previous
        self._heading("I. TÌNH HÌNH CHUNG")
        who = f"các phản ánh chuyển {meta.agency_name}" if meta.agency_name else HOTLINE
        self._paragraph(
            f"Trong {meta.scope.period.label}, {who} tiếp nhận {t.received} phản ánh, kiến "
            f"nghị ({_change(t.received, p.received)}); trong đó "
            f"{t.tre_han} phản ánh về giải quyết thủ tục hành chính trễ hạn, quá hạn và "
            f"{t.thai_do} phản ánh về thái độ, tác phong của công chức, viên chức.")
        self._paragraph(
            f"Có {t.due} phiếu chuyển xử lý đến hạn trong tháng, {t.late} phiếu xử lý trễ "
            f"hạn; tỷ lệ xử lý đúng hạn đạt {_rate(t.on_time_rate)} (tháng trước "
            f"{_rate(p.on_time_rate)}). Số ngày trễ tính theo ngày làm việc, không kể ngày "
            f"nghỉ, ngày lễ; trả lời đúng thời điểm hết hạn được tính là đúng hạn.")
        self._totals_table(t, p)

    def _totals_table(self, t: Totals, p: Totals) -> None:
        table = Table(self.pdf, (Column("Chỉ tiêu", 85), Column("Tháng này", 30, "R"),
                                 Column("Tháng trước", 30, "R"), Column("Tăng/giảm", 30, "R")),
                      size=8, row_h=5.5, header_lines=1)
        table.start()
        for name, now, before in (
            ("Phản ánh tiếp nhận", t.received, p.received),
            ("Phản ánh TTHC trễ hạn, quá hạn", t.tre_han, p.tre_han),
            ("Phản ánh thái độ, tác phong", t.thai_do, p.thai_do),
            ("Phiếu chuyển xử lý đến hạn", t.due, p.due),
            ("Phiếu xử lý trễ hạn", t.late, p.late),
        ):
            table.row((name, str(now), str(before), _signed(now - before)))
        table.row(("Tỷ lệ xử lý đúng hạn", _rate(t.on_time_rate), _rate(p.on_time_rate),
                   _points(t.on_time_rate, p.on_time_rate)))
        table.end()

    def _charts(self, meta: ReportMeta, s: Summary) -> None:
        images = [charts.trend_chart(s.trend), charts.topic_chart(s.by_topic)]
        if meta.agency_name is None:
            images.insert(1, charts.top_late_chart(s.top_late))
        for png in images:
            if png is None:
                continue
            height = _png_height(png, self.pdf.epw)
            if self.pdf.get_y() + height > self.pdf.h - self.pdf.b_margin:
                self.pdf.add_page()
            self.pdf.image(io.BytesIO(png), x=self.pdf.l_margin, w=self.pdf.epw)
            self.pdf.ln(2)

    def _counts(self, title: str, label: str, rows: list[CountRow]) -> None:
        self._heading(title)
        table = Table(self.pdf, (Column(label, 85), Column("Tháng này", 30, "R"),
                                 Column("Tháng trước", 30, "R"), Column("Tăng/giảm", 30, "R")),
                      size=8, row_h=5.5, header_lines=1)
        table.start()
        for r in rows:
            table.row((r.name, str(r.count), str(r.previous), _signed(r.change)))
        table.row(("Tổng cộng", str(sum(r.count for r in rows)),
                   str(sum(r.previous for r in rows)),
                   _signed(sum(r.change for r in rows))), bold=True)
        table.end()

    def _tables(self, meta: ReportMeta, s: Summary) -> None:
        self._heading("II. TỔNG HỢP KẾT QUẢ")
        self._counts("1. Theo lĩnh vực", "Lĩnh vực", s.by_topic)
        if meta.agency_name is None:
            self._counts("2. Theo cơ quan xử lý", "Cơ quan", s.by_agency)
        self._counts("3. Theo kênh tiếp nhận", "Kênh", s.by_channel)
        self._heading("4. Tỷ lệ xử lý đúng hạn và xếp hạng cơ quan")
        self._paragraph(f"Xếp hạng theo điểm: cận dưới khoảng tin cậy 95 % (Wilson) của tỷ lệ "
                        f"đúng hạn, nên cơ quan có nhiều phiếu đúng hạn xếp trên cơ quan chỉ có "
                        f"một, hai phiếu; cùng điểm thì cùng hạng. Cơ quan có dưới {min_due()} "
                        f"phiếu đến hạn chưa được xếp hạng."
                        + (" Hạng của cơ quan tính trong toàn tỉnh." if meta.agency_name
                           else ""))
        table = Table(self.pdf, (Column("Hạng", 12, "R"), Column("Cơ quan", 63),
                                 Column("Đến hạn", 18, "R"), Column("Đúng hạn", 18, "R"),
                                 Column("Trễ hạn", 18, "R"), Column("Tỷ lệ", 22, "R"),
                                 Column("Điểm", 24, "R")),
                      size=8, row_h=5.5, header_lines=1)
        table.start()
        grouped = False
        for r in s.ranking:
            if r.rank is None and not grouped:
                table.group(f"{TOO_FEW} (dưới {min_due()} phiếu đến hạn)")
                grouped = True
            table.row((str(r.rank) if r.rank is not None else "", r.name, str(r.due),
                       str(r.on_time), str(r.late), _rate(r.rate), _rate(r.score)))
        table.end()
        self._satisfaction(s)

    def _satisfaction(self, s: Summary) -> None:
        self._heading("5. Mức độ hài lòng của công dân với kết quả giải quyết")
        self._paragraph("Tỷ lệ phản hồi: số khảo sát được trả lời trên số đã gửi trong tháng; "
                        "tỷ lệ hài lòng: số trả lời «Hài lòng» trên số đã trả lời.")
        for label, rows in (("Cơ quan", s.satisfaction_by_agency),
                            ("Lĩnh vực", s.satisfaction_by_topic)):
            table = Table(self.pdf, (Column(label, 75), Column("Đã gửi", 20, "R"),
                                     Column("Phản hồi", 20, "R"), Column("Hài lòng", 20, "R"),
                                     Column("Tỷ lệ phản hồi", 20, "R"),
                                     Column("Tỷ lệ hài lòng", 20, "R")),
                          size=8, row_h=5.5, header_lines=2)
            table.start()
            for r in rows:
                table.row((r.name, str(r.sent), str(r.answered),
                           "" if r.satisfied is None else str(r.satisfied),
                           _rate(r.response_rate), _rate(r.satisfaction_rate)))
            table.end()

    def _closing(self, meta: ReportMeta) -> None:
        self._heading("III. DANH SÁCH KÈM THEO")
        self._paragraph("Danh sách chi tiết tại các phụ lục kèm theo báo cáo này. Đề nghị "
                        "các cơ quan, đơn vị có phản ánh trễ hạn rà soát, chấn chỉnh và báo "
                        "cáo kết quả khắc phục.")
        pdf = self.pdf
        if pdf.get_y() + 40 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.ln(4)
        top, half = pdf.get_y(), pdf.epw / 2
        pdf.set_font(FONT, "BI", 9)
        pdf.cell(half, 5, "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8)
        recipients = [f"- {meta.agency_name};"] if meta.agency_name else [
            "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;", "- Các sở, ban, ngành tỉnh;",
            "- UBND các xã, phường;"]
        for line in [*recipients, "- Lưu: VT."]:
            pdf.cell(half, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_xy(pdf.l_margin + half, top)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(half, 5, "CHÁNH VĂN PHÒNG", align="C")

    # -- appendices ---------------------------------------------------------------------
    def start_list(self, spec: ListSpec) -> None:
        assert self.meta is not None
        pdf = self.pdf
        pdf.set_margins(10, 12, 10)  # landscape appendices use the full width
        pdf.add_page(orientation="L")
        pdf.set_font(FONT, "B", 11)
        pdf.cell(0, 6, f"Phụ lục {APPENDIX.get(spec.number, spec.number)}", align="C",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.multi_cell(0, 6, spec.title.upper(), align="C", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
        pdf.set_font(FONT, "I", 9)
        pdf.cell(0, 5, f"(Kèm theo Báo cáo {self.meta.scope.period.label})", align="C",
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
        self.table = Table(pdf, LIST_COLUMNS)
        self.table.start()
        self.grouped = False

    def row(self, number: int, row: ReportRow) -> None:
        assert self.table is not None
        if not self.grouped or row.agency_code != self.agency:
            self.agency, self.grouped = row.agency_code, True
            self.table.group(row.agency_name)
        self.table.row((str(number), row.code, _dt(row.received_at), row.summary, row.place,
                        row.channel, row.phone, _dt(row.due_at), _dt(row.answered_at),
                        row.status, str(row.days_late) if row.days_late else ""))

    def end_list(self, count: int) -> None:
        assert self.table is not None
        if count == 0:
            self.table.row(("", "", "", "Không có phiếu nào trong tháng.", "", "", "", "", "",
                            "", ""))
        self.table.end()

    def finish(self) -> None:
        data = bytes(self.pdf.output())
        if isinstance(self.target, Path):
            self.target.write_bytes(data)
        else:
            self.target.write(data)


def _points(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return f"{(now - before) * 100:+.1f} điểm %".replace(".", ",")


def _change(now: int, before: int) -> str:
    if now == before:
        return "không đổi so với tháng trước"
    word = "tăng" if now > before else "giảm"
    return f"{word} {abs(now - before)} so với tháng trước"


def _png_height(png: bytes, width: float) -> float:
    # PNG IHDR: width and height as big-endian integers at bytes 16..24.
    w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return width * h / w
