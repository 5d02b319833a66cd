"""Charts of the facilitator's pages as inline SVG: no script, no external file, a ``<title>`` and
a ``<desc>`` read by screen readers (the page shows the same figures in a table next to each
chart). Colours are presentation attributes (the pages' content security policy allows no inline
style); text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from typing import Final

from markupsafe import Markup, escape

from service.reports.cells import french_number

__all__ = ["Series", "bar_chart", "column_chart"]


INK: Final = "#1b1b1b"
GRID: Final = "#c8ccd0"
_ids = count(1)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]
    colour: str


def _fmt(value: float) -> str:
    return french_number(value, 0)


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        parts.append(
            f'<rect x="{x:.0f}" y="{y - 10:.0f}" width="12" height="12" fill="{s.colour}"/>'
            f'<text x="{x + 16:.0f}" y="{y:.0f}" font-size="13" fill="{INK}">'
            f"{escape(s.label)}</text>"
        )
        x += 24 + 7.5 * len(s.label)
    return parts


def _open(title: str, desc: str, width: int, height: int) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg class="svg-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{n}-title">{escape(title)}</title>'
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def bar_chart(
    *, title: str, desc: str, categories: Sequence[str], series: Sequence[Series], unit: str
) -> Markup:
    """Horizontal grouped bars, one group per category (labels on their own line above the
    bars, so that long names stay readable on a phone)."""
    width, left, right = 480, 4, 80
    bar_h, gap = 14, 4
    group_h = 20 + len(series) * (bar_h + gap) + 8
    height = 40 + group_h * len(categories) + 10
    top = 40
    peak = max([v for s in series for v in s.values] + [1.0])
    scale = (width - left - right) / peak
    head, tail = _open(title, desc, width, height)
    parts = [head, *_legend(series, left, 20)]
    for i, category in enumerate(categories):
        y = top + i * group_h
        parts.append(
            f'<text x="{left}" y="{y + 14}" font-size="13" fill="{INK}">'
            f"{escape(category[:80])}</text>"
        )
        for j, s in enumerate(series):
            value = float(s.values[i])
            by = y + 20 + j * (bar_h + gap)
            w = max(0.0, value * scale)
            parts.append(
                f'<rect x="{left}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{s.colour}">'
                f"<title>{escape(s.label)} : {_fmt(value)} {escape(unit)}</title></rect>"
                f'<text x="{left + w + 4:.1f}" y="{by + 11}" font-size="12" fill="{INK}">'
                f"{_fmt(value)} {escape(unit)}</text>"
            )
    parts.append(tail)
    return Markup("".join(parts))


def column_chart(
    *, title: str, desc: str, categories: Sequence[str], series: Sequence[Series], unit: str
) -> Markup:
    """Vertical bars, overlaid (the first series behind the next ones), e.g. hours per month:
    every hour behind, the RSA beneficiaries' hours in front."""
    width, height = 480, 260
    left, right, top, bottom = 48, 6, 36, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for s in series for v in s.values] + [1.0])
    step = max(1, len(categories))
    slot = plot_w / step
    head, tail = _open(title, desc, width, height)
    parts = [head, *_legend(series, left, 20)]
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{INK}">{_fmt(value)}</text>'
        )
    for s_index, s in enumerate(series):
        shrink = 0.15 * s_index
        for i, value in enumerate(s.values):
            h = plot_h * float(value) / peak
            x = left + i * slot + slot * (0.1 + shrink)
            w = max(1.0, slot * (0.8 - 2 * shrink))
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(categories[i])} — '
                f"{escape(s.label)} : {_fmt(float(value))} {escape(unit)}</title></rect>"
            )
    every = max(1, -(-len(categories) // 6))
    for i, category in enumerate(categories):
        if i % every:
            continue
        x = left + i * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="{INK}">{escape(category)}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="12" fill="{INK}">{escape(unit)}</text>'
    )
    parts.append(tail)
    return Markup("".join(parts))
