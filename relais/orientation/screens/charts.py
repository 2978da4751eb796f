"""Server-rendered SVG charts (the CSP forbids scripts and inline styles): presentation attributes only.

Accessible: ``role="img"`` with a ``<title>`` and a ``<desc>`` that say what the chart shows; the page always
gives the same figures as a table. A suppressed cell is drawn as no bar, with its mark ("< 5", "secret").
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#1f4e8c", "#8fb3e0", "#b35c00")
LABEL_W, BAR_W, ROW_H, PAD = 300, 380, 22, 8


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", "."))
    except ValueError:
        return None


def bar_chart(
    *, chart_id: str, title: str, desc: str, series: list[str], rows: list[tuple[str, list[str]]]
) -> SafeString:
    """Horizontal grouped bars: one group per row, one bar per series (cells are the displayed strings)."""
    values = [_number(c) for _label, cells in rows for c in cells]
    top = max([v for v in values if v is not None] or [1]) or 1
    group_h = ROW_H * len(series) + PAD
    legend_h = 20 * len(series) + PAD
    height = legend_h + group_h * len(rows) + PAD
    width = LABEL_W + BAR_W + 80
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for k, name in enumerate(series):
        y = PAD + 20 * k
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="14" height="14" fill="{COLOURS[k % len(COLOURS)]}"/>')
        parts.append(f'<text x="{LABEL_W + 20}" y="{y + 12}" font-size="13">{escape(name)}</text>')
    for i, (label, cells) in enumerate(rows):
        y0 = legend_h + i * group_h
        ty = y0 + group_h / 2
        parts.append(f'<text x="{LABEL_W - 6}" y="{ty}" font-size="13" text-anchor="end">{escape(label[:45])}</text>')
        for k, cell in enumerate(cells):
            value = _number(cell)
            y = y0 + k * ROW_H
            w = 0 if value is None else round(BAR_W * value / top, 1)
            colour = COLOURS[k % len(COLOURS)]
            parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{ROW_H - 4}" fill="{colour}"/>')
            parts.append(f'<text x="{LABEL_W + w + 4}" y="{y + ROW_H - 8}" font-size="12">{escape(cell)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def box_chart(*, chart_id: str, title: str, desc: str, rows: list[tuple[str, list[str]]]) -> SafeString:
    """Quartile bars: a box from the first to the third quartile with the median as a line (cells: q1, median, q3)."""
    numbers = [[_number(c) for c in cells] for _label, cells in rows]
    top = max([v for r in numbers for v in r if v is not None] or [1]) or 1
    height = PAD * 2 + ROW_H * len(rows) + 20
    width = LABEL_W + BAR_W + 120
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i, ((label, cells), (q1, med, q3)) in enumerate(zip(rows, numbers, strict=True)):
        y = PAD + i * ROW_H
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + ROW_H - 8}" font-size="13" text-anchor="end">{escape(label[:45])}</text>'
        )
        if None in (q1, med, q3):
            parts.append(f'<text x="{LABEL_W + 4}" y="{y + ROW_H - 8}" font-size="12">{escape(cells[1])}</text>')
            continue
        x1, xm, x3 = (LABEL_W + round(BAR_W * v / top, 1) for v in (q1, med, q3))
        parts.append(f'<rect x="{x1}" y="{y + 2}" width="{max(x3 - x1, 1)}" height="{ROW_H - 6}" fill="{COLOURS[1]}"/>')
        parts.append(
            f'<line x1="{xm}" x2="{xm}" y1="{y}" y2="{y + ROW_H - 2}" stroke="{COLOURS[0]}" stroke-width="3"/>'
        )
        parts.append(
            f'<text x="{x3 + 6}" y="{y + ROW_H - 8}" font-size="12">{escape(cells[0])} – {escape(cells[1])} – '
            f"{escape(cells[2])} j</text>"
        )
    axis_y = PAD + ROW_H * len(rows) + 14
    parts.append(f'<text x="{LABEL_W}" y="{axis_y}" font-size="12">0</text>')
    parts.append(f'<text x="{LABEL_W + BAR_W}" y="{axis_y}" font-size="12" text-anchor="end">{top:.0f} jours</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
