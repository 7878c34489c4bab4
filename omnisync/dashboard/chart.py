"""A hand-drawn SVG bar chart for the daily report: no chart library, works offline."""

from __future__ import annotations

from dataclasses import dataclass

from omnisync.dashboard.selectors import ChartBar

SLOT, BAR, HEIGHT, TOP, BOTTOM, LEFT = 24, 9, 160, 12, 22, 34


@dataclass
class Rect:
    x: int
    y: float
    height: float
    value: int
    series: str
    day: object


def report_chart_svg(bars: list[ChartBar]) -> dict:
    """Geometry for templates/dashboard/includes/report_chart.html: two bars per day, one shared scale."""
    top = max([max(b.missing, b.discrepancies) for b in bars] + [1])
    plot = HEIGHT - TOP - BOTTOM
    rects, labels = [], []
    step = max(1, -(-len(bars) // 8))
    for i, bar in enumerate(bars):
        x = LEFT + i * SLOT + 2
        for offset, series, value in ((0, "missing", bar.missing), (BAR + 1, "discrepancies", bar.discrepancies)):
            h = plot * value / top
            rects.append(Rect(x + offset, TOP + plot - h, h, value, series, bar.day))
        if i % step == 0:
            labels.append((x + BAR, bar.day))
    return {
        "rects": rects, "labels": labels, "max": top, "width": LEFT + max(len(bars), 1) * SLOT + 4, "height": HEIGHT,
        "baseline": TOP + plot, "top": TOP, "left": LEFT, "label_y": HEIGHT - 6,
    }
