"""Charts and print setup: the workbook carries native charts drawn from its own summary
tables (by topic, by agency, 12 months) that LibreOffice renders, every sheet prints on
A4 (the lists in landscape with their header row repeated); the PDF's chart axes tick at
whole numbers and write numbers the Vietnamese way."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
from matplotlib.figure import Figure
from openpyxl.worksheet.worksheet import Worksheet

from tests.reports.conftest import poppler, soffice
from triage.db import session_scope
from triage.reports import charts
from triage.reports.build import write_formats
from triage.reports.ranking import OnTimeRow
from triage.reports.service import LISTS, Scope
from triage.reports.summary import CountRow
from triage.reports.xlsx_charts import integer_step
from triage.tickets.period import Period

OCT = Period(2026, 10)


def _workbook(out: Path, scope: Scope = Scope(OCT)) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "r.xlsx"
    with session_scope() as s:
        write_formats(s, scope, {"xlsx": path})
    return path


def _table(sheet: Worksheet, title: str) -> tuple[int, int]:
    """First and last row (1-based) of the data under the summary heading `title`."""
    rows = [r[0].value for r in sheet.iter_rows(max_col=1)]
    start = rows.index(title) + 2  # the heading row holds the column names too
    end = start
    while end <= len(rows) and rows[end - 1] not in (None, ""):
        end += 1
    return start, end - 1


def _series(chart: Any) -> list[tuple[str, str, list[str]]]:
    """(categories, values, cached category labels) of every series of a chart and of
    the chart combined with it."""
    out = []
    for part in [chart, *(c for c in getattr(chart, "_charts", []) if c is not chart)]:
        for s in part.series:
            cat = s.cat.strRef
            labels = [p.v for p in cat.strCache.pt] if cat.strCache else []
            out.append((cat.f, s.val.numRef.f, labels))
    return out


def test_workbook_has_native_charts_on_the_summary_ranges(october: dict[str, str],
                                                          tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_workbook(tmp_path))
    assert wb.sheetnames[:2] == ["Tổng hợp", "Biểu đồ"]
    summary = wb["Tổng hợp"]

    def ref(col: str, first: int, last: int) -> str:
        cells = f"${col}${first}" + (f":${col}${last}" if last != first else "")
        return f"'Tổng hợp'!{cells}"

    found = [_series(c) for c in wb["Biểu đồ"]._charts]
    assert len(found) == 3
    for (title, columns), series in zip(
            (("Theo lĩnh vực", "B"), ("Theo cơ quan xử lý", "B"),
             ("Diễn biến 12 tháng", "BC")), found, strict=True):
        first, last = _table(summary, title)
        assert [(c, v) for c, v, _ in series] == [
            (ref("A", first, last), ref(col, first, last))
            for col in columns], title
        labels = [summary.cell(row, 1).value for row in range(first, last + 1)]
        assert all(cached == labels for _c, _v, cached in series), title
    trend = [summary.cell(r, 1).value for r in range(*_table(summary, "Diễn biến 12 tháng"))]
    assert trend[0] == "11/2025" and len(trend) == 11  # range() stops before October


def test_an_agency_section_has_no_chart_by_agency(october: dict[str, str],
                                                 tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_workbook(tmp_path, Scope(OCT, "so-xd")))
    titles = [c.title.tx.rich.p[0].r[0].t for c in wb["Biểu đồ"]._charts]
    assert titles == ["Phản ánh theo lĩnh vực", "Diễn biến 12 tháng"]


def test_every_sheet_prints_on_a4_lists_in_landscape_with_the_header_repeated(
        october: dict[str, str], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_workbook(tmp_path))
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        # One page wide (1 is OOXML's default width, so it is not written), as long as
        # it takes.
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert wb["Tổng hợp"].page_setup.orientation == "portrait"
    for spec in LISTS:
        ws = wb[spec.sheet]
        assert ws.page_setup.orientation == "landscape"
        assert ws.print_title_rows == "$1:$1"


def test_libreoffice_opens_the_workbook_and_draws_its_charts(october: dict[str, str],
                                                             tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    out = tmp_path / "lo"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    text = unicodedata.normalize("NFC", subprocess.run(
        [poppler("pdftotext"), "-layout", str(out / "r.pdf"), "-"], check=True,
        capture_output=True, text=True).stdout)
    # Chart titles exist nowhere else in the workbook: LibreOffice drew the charts.
    assert "Phản ánh theo lĩnh vực" in text
    assert "Phản ánh theo cơ quan xử lý" in text
    assert "Phiếu xử lý trễ hạn" in text


def _labels(fig: Figure, axis: str) -> list[str]:
    fig.canvas.draw()
    ax = fig.axes[0]
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks if t.get_text()]


def test_pdf_chart_axes_tick_whole_numbers_with_vietnamese_separators() -> None:
    months = OCT.months_back(12)
    small = charts.trend_figure([(p, i % 3, i % 2) for i, p in enumerate(months)])
    assert small is not None
    labels = _labels(small, "y")
    assert labels and all(re.fullmatch(r"\d+", label) for label in labels), labels
    big = charts.trend_figure([(p, 12_000 + i * 150, 40) for i, p in enumerate(months)])
    assert big is not None
    big_labels = _labels(big, "y")
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*", label) for label in big_labels), big_labels
    assert any("." in label for label in big_labels)
    late = charts.top_late_figure([OnTimeRow("so-yt", "Sở Y tế", 3, 1, 2),
                                   OnTimeRow("so-xd", "Sở Xây dựng", 1, 0, 1)])
    assert late is not None
    assert all(re.fullmatch(r"\d+", label) for label in _labels(late, "x"))
    # Forty topics of one complaint each: 2,5 % apiece, an axis ticking at halves.
    shares = charts.topic_figure([CountRow(f"t{i}", f"Lĩnh vực {i}", 1, 0) for i in range(40)])
    assert shares is not None
    share_labels = _labels(shares, "x")
    assert share_labels and not any("." in label for label in share_labels)
    assert any("," in label for label in share_labels), share_labels


def test_vietnamese_numbers_and_integer_steps() -> None:
    assert charts.vi_number(1250) == "1.250"
    assert charts.vi_number(12.5, 1) == "12,5"
    assert charts.vi_number(1234567.25, 2) == "1.234.567,25"
    assert [integer_step(n) for n in (0, 1, 3, 7, 12, 48, 230, 12_000)] == [
        1, 1, 1, 2, 5, 10, 50, 5000]
