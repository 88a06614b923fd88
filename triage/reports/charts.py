"""The report's charts as PNG bytes (matplotlib, Agg backend, no PNG timestamp).

Monthly trend, agencies with the most late assignments, topic shares. A chart with no
data is omitted (None). Count axes tick at whole numbers only; every axis writes numbers
the Vietnamese way (1.250 and 12,5)."""

from __future__ import annotations

import io

# Figure without pyplot: no global state, no GUI backend; savefig renders with Agg.
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from triage.reports.summary import CountRow, OnTimeRow
from triage.tickets.period import Period

DPI = 150
BLUE, RED = "#2f6fb0", "#c0392b"


def vi_number(value: float, decimals: int = 0) -> str:
    """A number as Vietnamese writes it: 1.250 and 12,5 (thousands ".", decimals ",")."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _counts_axis(axis: Axis) -> None:
    """Ticks at whole numbers only (a count of 0,5 tickets means nothing)."""
    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: vi_number(value)))


def _share_axis(axis: Axis) -> None:
    def label(value: float, _pos: int | None) -> str:
        return vi_number(value, 0 if float(value).is_integer() else 1)
    axis.set_major_formatter(FuncFormatter(label))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _bar_figure(bars: int) -> Figure:
    # Fixed margins: constrained layout would cost ~0.4 s a chart.
    height = 1.0 + 0.28 * bars
    fig = Figure(figsize=(7.5, height))
    fig.subplots_adjust(left=0.36, right=0.97, top=1 - 0.45 / height, bottom=0.45 / height)
    return fig


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trend_chart(trend: list[tuple[Period, int, int]]) -> bytes | None:
    fig = trend_figure(trend)
    return _png(fig) if fig is not None else None


def top_late_chart(rows: list[OnTimeRow]) -> bytes | None:
    fig = top_late_figure(rows)
    return _png(fig) if fig is not None else None


def topic_chart(rows: list[CountRow]) -> bytes | None:
    fig = topic_figure(rows)
    return _png(fig) if fig is not None else None


def trend_figure(trend: list[tuple[Period, int, int]]) -> Figure | None:
    if not any(received or late for _p, received, late in trend):
        return None
    fig = Figure(figsize=(7.5, 3.0))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.12)
    ax = fig.add_subplot()
    labels = [f"{p.month:02d}/{p.year % 100:02d}" for p, _r, _l in trend]
    ax.bar(labels, [r for _p, r, _l in trend], color=BLUE, label="Phản ánh tiếp nhận")
    ax.plot(labels, [late for _p, _r, late in trend], color=RED, marker="o",
            label="Phiếu xử lý trễ hạn")
    ax.set_title("Diễn biến 12 tháng")
    ax.legend(loc="upper left", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    _counts_axis(ax.yaxis)
    return fig


def top_late_figure(rows: list[OnTimeRow]) -> Figure | None:
    if not rows:
        return None
    rows = list(reversed(rows))
    fig = _bar_figure(len(rows))
    ax = fig.add_subplot()
    ax.barh([_short(r.name) for r in rows], [r.late for r in rows], color=RED)
    ax.set_title("Cơ quan có nhiều phiếu xử lý trễ hạn nhất")
    ax.set_xlabel("Số phiếu trễ hạn", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    _counts_axis(ax.xaxis)
    return fig


def topic_figure(rows: list[CountRow]) -> Figure | None:
    total = sum(r.count for r in rows)
    if not total:
        return None
    shown = sorted((r for r in rows if r.count), key=lambda r: (r.count, r.key))
    fig = _bar_figure(len(shown))
    ax = fig.add_subplot()
    shares = [100 * r.count / total for r in shown]
    bars = ax.barh([_short(r.name) for r in shown], shares, color=BLUE)
    ax.bar_label(bars, labels=[f"{vi_number(s, 1)}%" for s in shares], fontsize=7, padding=2)
    ax.set_title("Tỷ trọng phản ánh theo lĩnh vực")
    ax.set_xlabel("% số phản ánh trong tháng", fontsize=8)
    ax.set_xlim(0, max(shares) * 1.18)
    ax.tick_params(labelsize=7)
    _share_axis(ax.xaxis)
    return fig
