"""Charts drawn on the server as SVG: no script, no library, no CDN. Presentation attributes only (the
Content-Security-Policy forbids inline styles). The viewBox scales the chart to any width, a phone too."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 360
BAR = 22
GAP = 14
LABEL_H = 16
COLOURS = ("#0b5cad", "#1a7f37", "#9a6700", "#8250df", "#cf222e")


def bar_chart(rows: list[tuple[str, float]], *, title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value); the label sits above its bar so long Korean words fit."""
    if not rows:
        return Markup("")
    top = max(value for _label, value in rows) or 1
    row_h = LABEL_H + BAR + GAP
    height = row_h * len(rows) + 4
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">',
             f"<title>{escape(title)}</title>"]
    for index, (label, value) in enumerate(rows):
        y = index * row_h
        length = max(2.0, (WIDTH - 70) * value / top)
        colour = COLOURS[index % len(COLOURS)]
        shown = f"{value:g}{unit}"
        parts.append(f'<text x="0" y="{y + 12}" font-size="13" fill="#1b1f24">{escape(label[:40])}</text>')
        parts.append(f'<rect x="0" y="{y + LABEL_H}" width="{length:.1f}" height="{BAR}" rx="3" fill="{colour}"/>')
        parts.append(f'<text x="{length + 6:.1f}" y="{y + LABEL_H + 16}" font-size="13" '
                     f'fill="#1b1f24">{escape(shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
