"""The workbook's charts: native XlsxWriter charts on a sheet of their own, drawn from the
tables of the summary sheet (by topic, by agency, the 12-month trend), so that they
follow the numbers when someone edits or filters them in Excel or LibreOffice.

Counts have integer axes (a step of at least 1) with thousands separated as the
workbook's locale shows them."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

SHEET = "Biểu đồ"
BLUE, RED = "#2F6FB0", "#C0392B"
TOP_AGENCIES = 15
COUNT_FORMAT = "#,##0"
WIDTH = 960  # pixels: an A4 landscape page at the sheet's fit-to-width


@dataclass(frozen=True)
class Block:
    """A table of the summary sheet: data rows `first`.. (0-based), the labels in column
    0 as written, the values of columns 1 and 2. The values also go into the chart as
    its cache: the workbook streams its rows (constant memory), so XlsxWriter cannot
    read them back, and a reader that does not recalculate still shows the chart."""

    first: int
    labels: tuple[str, ...]
    values: tuple[tuple[int, ...], tuple[int, ...]]

    @property
    def rows(self) -> int:
        return len(self.labels)

    @property
    def last(self) -> int:
        return self.first + self.rows - 1

    @property
    def largest(self) -> int:
        return max((v for column in self.values for v in column), default=0)

    def head(self, rows: int) -> Block:
        return Block(self.first, self.labels[:rows],
                     (self.values[0][:rows], self.values[1][:rows]))

    def series(self, source: str, column: int) -> dict[str, object]:
        return {"categories": [source, self.first, 0, self.last, 0],
                "categories_data": list(self.labels),
                "values": [source, self.first, column, self.last, column],
                "values_data": list(self.values[column - 1])}


def integer_step(largest: int, ticks: int = 5) -> int:
    """A whole, round step (1, 2, 5 × 10^k) giving at most about `ticks` steps."""
    needed = max(1, math.ceil(largest / ticks))
    power = 10 ** int(math.log10(needed))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= needed)


def _count_axis(largest: int) -> dict[str, object]:
    return {"min": 0, "major_unit": integer_step(largest), "num_format": COUNT_FORMAT,
            "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}


def _bars(wb: Workbook, source: str, block: Block, title: str) -> Chart:
    """Horizontal bars of column 1 (this month), in the table's order from the top."""
    chart = wb.add_chart({"type": "bar"})
    assert chart is not None
    chart.add_series({
        "name": "Tháng này", **block.series(source, 1),
        "fill": {"color": BLUE}, "gap": 60,
        "data_labels": {"value": True, "num_format": COUNT_FORMAT},
    })
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    # A bar chart's x axis is its value axis.
    chart.set_x_axis(_count_axis(max(block.values[0], default=0)))
    # Reversed, so the bars read top-down like the table; the value axis stays below.
    chart.set_y_axis({"reverse": True, "crossing": "max", "num_font": {"size": 8}})
    chart.set_size({"width": WIDTH, "height": 120 + 22 * block.rows})
    return chart


def _trend(wb: Workbook, source: str, block: Block, names: tuple[str, str]) -> Chart:
    """Complaints received per month as columns, late assignments as a line."""
    columns = wb.add_chart({"type": "column"})
    line = wb.add_chart({"type": "line"})
    assert columns is not None and line is not None
    columns.add_series({"name": names[0], **block.series(source, 1), "fill": {"color": BLUE}})
    line.add_series({"name": names[1], **block.series(source, 2),
                     "line": {"color": RED, "width": 2},
                     "marker": {"type": "circle", "size": 5,
                                "fill": {"color": RED}, "border": {"color": RED}}})
    columns.combine(line)
    columns.set_title({"name": "Diễn biến 12 tháng", "name_font": {"size": 12}})
    columns.set_y_axis(_count_axis(block.largest))
    columns.set_legend({"position": "bottom"})
    columns.set_size({"width": WIDTH, "height": 360})
    return columns


TREND_SERIES = ("Phản ánh tiếp nhận", "Phiếu xử lý trễ hạn")


def add_charts(wb: Workbook, sheet: Worksheet, source: str, blocks: dict[str, Block]
               ) -> int:
    """Insert the charts of the tables in `blocks` ("topic", "agency", "trend") that have
    rows into `sheet`, one under the other; returns how many were inserted."""
    charts: list[Chart] = []
    if "topic" in blocks:
        charts.append(_bars(wb, source, blocks["topic"], "Phản ánh theo lĩnh vực"))
    if "agency" in blocks:
        agency = blocks["agency"]
        title = "Phản ánh theo cơ quan xử lý" + (
            f" ({TOP_AGENCIES} cơ quan nhiều nhất)" if agency.rows > TOP_AGENCIES else "")
        charts.append(_bars(wb, source, agency.head(TOP_AGENCIES), title))
    if "trend" in blocks:
        charts.append(_trend(wb, source, blocks["trend"], TREND_SERIES))
    row, breaks = 1, []
    for chart in charts:
        if row > 1:
            breaks.append(row - 1)  # each chart starts a printed page
        sheet.insert_chart(row, 0, chart, {"object_position": 3})
        # Default rows are 20 px high; leave two empty rows under each chart.
        row += math.ceil(chart.height / 20) + 2
    sheet.set_h_pagebreaks(breaks)
    return len(charts)
