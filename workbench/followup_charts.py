"""The follow-up's two charts, drawn on the server as SVG (the style of workbench/chart.py).

- ``share_chart``: a horizontal bar per sustainability category, its share of the year's
  tenders, with the category's target as a marker line across the bar;
- ``trend_chart``: five years of shares as lines, one per series (the categories' shares of
  the tenders and the SMEs' share of the awarded lots).

No JavaScript: the SVG prints, scales and carries a title and a description for screen
readers (``role="img"``); the page shows the same figures in a table beside it. Every series
has a colour and a second signal (a pattern, a dash and a marker shape) and its name in the
legend, so that colour is never the only one. The texts come in the page's language, already
written (``workbench.formats``); the figures are Decimals between 0 and 1 or None (a share
of nothing): None draws nothing, never a zero.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape

from workbench.chart import STYLES

# A series that is not a category (the SMEs' share of the awarded lots): dark grey.
SME_STYLE = ("#374151", None)
# Per series key: (dash pattern, marker shape). Solid, dashed, dotted, dash-dot, long dash.
LINES = {
    "environmental": ("", "circle"),
    "social": ("7 4", "square"),
    "animal_welfare": ("2 3", "triangle"),
    "small_supplier": ("9 3 2 3", "diamond"),
    "sme": ("14 4", "cross"),
}
WIDTH = 760
GRID = (Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal(1))


@dataclass(frozen=True)
class Bar:
    key: str  # the category: its colour and pattern
    label: str
    share: Decimal | None
    share_text: str  # "50,0 %", or a word for a share of nothing
    target: Decimal | None = None
    target_text: str = ""  # "mål: minst 80,0 %"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: tuple[Decimal | None, ...]  # one per year
    texts: tuple[str, ...]  # the same, written


def _colour(key: str) -> str:
    return (SME_STYLE if key == "sme" else STYLES.get(key, SME_STYLE))[0]


def _pattern(chart_id: str, key: str) -> str:
    colour, pattern = STYLES.get(key, SME_STYLE)
    shapes = {
        "stripes": '<path d="M0,8 L8,0" stroke="#fff" stroke-width="1.5"/>',
        "dots": '<circle cx="4" cy="4" r="1.4" fill="#fff"/>',
        "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1"/>',
        "waves": '<path d="M0,4 Q2,1 4,4 T8,4" stroke="#fff" fill="none" stroke-width="1"/>',
        "grid": '<path d="M4,0 V8 M0,4 H8" stroke="#fff" stroke-width="1"/>',
    }
    if pattern is None:
        return ""
    return (
        f'<pattern id="{chart_id}-p-{key}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>{shapes[pattern]}</pattern>'
    )


def _fill(chart_id: str, key: str) -> str:
    colour, pattern = STYLES.get(key, SME_STYLE)
    return f"url(#{chart_id}-p-{key})" if pattern else colour


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="wb-chart fu-chart" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def share_chart(
    bars: list[Bar],
    *,
    chart_id: str,
    title: str,
    description: str,
    grid_texts: list[str],
    legend_share: str,
    legend_target: str,
) -> str:
    """One bar per category, 0 to 100 %, the target a marker line. ``grid_texts``: the
    written 0, 25, 50, 75 and 100 %. Returns SVG markup (every text escaped)."""
    label_width, value_width, row, bar = 230, 180, 46, 22
    left, plot = label_width, WIDTH - label_width - value_width
    top = 30
    height = top + row * len(bars) + 44
    parts = _open(chart_id, WIDTH, height, title, description)
    parts.append("<defs>")
    parts += [_pattern(chart_id, b.key) for b in bars]
    parts.append("</defs>")
    bottom = top + row * len(bars) - 8
    for value, text in zip(GRID, grid_texts, strict=True):
        x = left + float(value) * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" '
            f'class="fu-grid" stroke="#9ca3af" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 12}" font-size="12" text-anchor="middle" '
            f'fill="#111">{escape(text)}</text>'
        )
    for index, item in enumerate(bars):
        y = top + index * row
        lines = _wrapped(item.label)
        first = y + bar * 0.7 - (len(lines) - 1) * 7.5
        spans = "".join(
            f'<tspan x="{left - 10}" y="{first + i * 15:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(f'<text font-size="13" text-anchor="end" fill="#111">{spans}</text>')
        if item.share is not None and item.share > 0:
            width = float(min(item.share, Decimal(1))) * plot
            parts.append(
                f'<rect x="{left}" y="{y}" width="{width:.2f}" height="{bar}" '
                f'fill="{_fill(chart_id, item.key)}" stroke="{_colour(item.key)}" '
                f'stroke-width="1"><title>{escape(item.label)}: '
                f"{escape(item.share_text)}</title></rect>"
            )
        parts.append(
            f'<text x="{left + plot + 12}" y="{y + 11}" font-size="13" font-weight="bold" '
            f'fill="#111">{escape(item.share_text)}</text>'
        )
        if item.target is not None:
            x = left + float(min(item.target, Decimal(1))) * plot
            parts.append(
                f'<line x1="{x:.1f}" y1="{y - 5}" x2="{x:.1f}" y2="{y + bar + 5}" '
                f'class="fu-target" stroke="#111" stroke-width="3">'
                f"<title>{escape(item.label)}: {escape(item.target_text)}</title></line>"
                f'<text x="{left + plot + 12}" y="{y + 28}" font-size="12" '
                f'fill="#111">{escape(item.target_text)}</text>'
            )
    legend = top + row * len(bars) + 10
    parts.append(
        f'<rect x="{left}" y="{legend}" width="16" height="12" fill="#9ca3af" stroke="#4b5563"/>'
        f'<text x="{left + 22}" y="{legend + 11}" font-size="12" fill="#111">'
        f"{escape(legend_share)}</text>"
        f'<line x1="{left + 250}" y1="{legend - 3}" x2="{left + 250}" y2="{legend + 15}" '
        f'class="fu-target" stroke="#111" stroke-width="3"/>'
        f'<text x="{left + 260}" y="{legend + 11}" font-size="12" fill="#111">'
        f"{escape(legend_target)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _wrapped(label: str, width: int = 30) -> list[str]:
    """A long category name on two lines at most (``Små leverantörer och idéburna
    organisationer``), broken between words; longer still, shortened with an ellipsis."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > width:
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines or [""]


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f},{y - 5.5:.1f} L{x + 5:.1f},{y + 4:.1f} '
            f'L{x - 5:.1f},{y + 4:.1f} Z" fill="{colour}"/>'
        )
    if shape == "diamond":
        return (
            f'<path d="M{x:.1f},{y - 6:.1f} L{x + 5:.1f},{y:.1f} L{x:.1f},{y + 6:.1f} '
            f'L{x - 5:.1f},{y:.1f} Z" fill="{colour}"/>'
        )
    return (
        f'<path d="M{x - 4.5:.1f},{y - 4.5:.1f} L{x + 4.5:.1f},{y + 4.5:.1f} '
        f'M{x + 4.5:.1f},{y - 4.5:.1f} L{x - 4.5:.1f},{y + 4.5:.1f}" '
        f'stroke="{colour}" stroke-width="2.5"/>'
    )


def trend_chart(
    years: list[int],
    series: list[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    grid_texts: list[str],
) -> str:
    """A line per series over ``years``; a year without a share breaks the line."""
    left, right, top, plot_height = 64, 24, 20, 230
    plot = WIDTH - left - right
    legend_top = top + plot_height + 44
    per_row = 2
    height = legend_top + 24 * ((len(series) + per_row - 1) // per_row) + 4
    parts = _open(chart_id, WIDTH, height, title, description)

    def x_of(index: int) -> float:
        return left + 30 + index * (plot - 60) / max(len(years) - 1, 1)

    def y_of(value: Decimal) -> float:
        return top + plot_height - float(min(max(value, Decimal(0)), Decimal(1))) * plot_height

    for value, text in zip(GRID, grid_texts, strict=True):
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot}" y2="{y:.1f}" class="fu-grid" '
            f'stroke="#9ca3af" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#111">{escape(text)}</text>'
        )
    for index, year in enumerate(years):
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{top + plot_height + 22}" font-size="13" '
            f'text-anchor="middle" fill="#111">{year}</text>'
        )
    for line in series:
        colour = _colour(line.key)
        dash, shape = LINES.get(line.key, ("", "circle"))
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        path, drawing = [], False
        for index, point in enumerate(line.points):
            if point is None:
                drawing = False
                continue
            path.append(f"{'L' if drawing else 'M'}{x_of(index):.1f},{y_of(point):.1f}")
            drawing = True
        if path:
            parts.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"'
                f"{dashing}/>"
            )
        for index, (point, text) in enumerate(zip(line.points, line.texts, strict=True)):
            if point is None:
                continue
            parts.append(
                f"<g><title>{escape(line.label)} {years[index]}: {escape(text)}</title>"
                f"{_marker(shape, x_of(index), y_of(point), colour)}</g>"
            )
    for index, line in enumerate(series):
        colour = _colour(line.key)
        dash, shape = LINES.get(line.key, ("", "circle"))
        dashing = f' stroke-dasharray="{dash}"' if dash else ""
        lx = left + (index % per_row) * 340
        ly = legend_top + (index // per_row) * 24
        parts.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 36}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2.5"{dashing}/>{_marker(shape, lx + 18, ly, colour)}'
            f'<text x="{lx + 44}" y="{ly + 4}" font-size="12" fill="#111">'
            f"{escape(line.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
