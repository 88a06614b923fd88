"""Bar charts as inline SVG: the geometry is computed here, the markup is a template
macro. No script, no external library, readable without colour (values in titles and in
the table next to each chart)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: int
    css: str


@dataclass
class Chart:
    id: str
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    xlabels: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    left: int = 40
    right: int = 0
    baseline: float = 0.0


def nice_max(value: int, ticks: int = 4) -> int:
    """An axis maximum at or above `value` whose `ticks` steps are round whole numbers
    (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k each)."""
    needed = max(1, math.ceil(value / ticks))
    power = 10 ** math.floor(math.log10(needed))
    steps = (m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10))
    step = next(int(x) for x in steps if x == int(x) and needed <= x)
    return step * ticks


def bar_chart(chart_id: str, title: str, labels: list[str],
              series: list[tuple[str, list[int], str]], *, width: int = 600,
              height: int = 260, label_every: int = 1) -> Chart:
    """Grouped bars: one group per label, one bar per series (name, values, css class)."""
    left, top, bottom = 44, 12, 28
    chart = Chart(chart_id, title, width, height, left=left, right=width - 8,
                  baseline=height - bottom,
                  legend=[(name, css) for name, _, css in series])
    top_value = nice_max(max([v for _, values, _ in series for v in values] or [0]))
    plot_h = height - top - bottom
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        chart.ticks.append((round(y, 1), f"{value:,.0f}".replace(",", ".")))
    if not labels:
        return chart
    group = (width - left - 8) / len(labels)
    bar_w = max(1.0, (group * 0.8) / max(1, len(series)))
    for g, label in enumerate(labels):
        x0 = left + g * group + group * 0.1
        for s, (name, values, css) in enumerate(series):
            value = values[g] if g < len(values) else 0
            h = plot_h * value / top_value
            chart.bars.append(Bar(round(x0 + s * bar_w, 1), round(top + plot_h - h, 1),
                                  round(bar_w - 1, 1), round(h, 1), f"{label} — {name}",
                                  value, css))
        if g % label_every == 0:
            chart.xlabels.append((round(left + g * group + group / 2, 1), label))
    return chart
