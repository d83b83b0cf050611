"""The category profile of each bid as a stacked bar chart, drawn on the server as SVG.

No JavaScript: the SVG prints, scales and carries a title and a description for screen
readers; the page shows the same figures in a table beside it. Each category has a colour
and a pattern (stripes, dots, ...) and its name in the legend, so that colour is never the
only signal. Figures are Decimal from the stored result; only the drawing is in pixels.
"""

from decimal import Decimal

from django.utils.html import escape

from workbench import formats

# (fill colour, pattern) per category; the colours pass 3:1 contrast against white.
STYLES = {
    "price": ("#4b5563", None),
    "environmental": ("#1b7a3a", "stripes"),
    "social": ("#8a4b00", "dots"),
    "animal_welfare": ("#0b5cad", "cross"),
    "small_supplier": ("#8b1f6b", "waves"),
    "quality": ("#5b4a9e", "grid"),
}
OTHER = ("#6b7280", "stripes")
ROW, BAR, LABEL_WIDTH, WIDTH, LEGEND_ROW = 34, 22, 240, 780, 22
NAME_LENGTH = 30


def _pattern(name: str, key: str, colour: str) -> str:
    shapes = {
        "stripes": '<path d="M0,8 L8,0" stroke="#fff" stroke-width="1.5"/>',
        "dots": '<circle cx="4" cy="4" r="1.4" fill="#fff"/>',
        "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1"/>',
        "waves": '<path d="M0,4 Q2,1 4,4 T8,4" stroke="#fff" fill="none" stroke-width="1"/>',
        "grid": '<path d="M4,0 V8 M0,4 H8" stroke="#fff" stroke-width="1"/>',
    }
    return (
        f'<pattern id="wb-p-{key}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>{shapes[name]}</pattern>'
    )


def _fill(key: str) -> str:
    colour, pattern = STYLES.get(key, OTHER)
    return f"url(#wb-p-{key})" if pattern else colour


def category_chart(
    bids: list[dict], labels: dict[str, str], *, unit_label: str, title: str, description: str
) -> str:
    """``bids``: [{"name", "categories": {key: "12.5000"}}] in rank order. Returns SVG markup."""
    present = {key for bid in bids for key in bid["categories"]}
    keys = [key for key in STYLES if key in present] + sorted(present - set(STYLES))
    totals = [
        sum((Decimal(str(v)) for v in bid["categories"].values()), Decimal(0)) for bid in bids
    ]
    largest = max([t for t in totals if t > 0], default=Decimal(1))
    plot = WIDTH - LABEL_WIDTH - 70
    # The legend in columns wide enough for its longest name (Swedish names run long).
    longest = max((len(str(labels.get(key, key))) for key in keys), default=10)
    per_row = max(1, min(3, (WIDTH - LABEL_WIDTH) // (longest * 7 + 30)))
    column = (WIDTH - LABEL_WIDTH) // per_row
    legend_rows = (len(keys) + per_row - 1) // per_row
    height = 30 + ROW * len(bids) + 16 + LEGEND_ROW * legend_rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="wb-chart-title wb-chart-desc" '
        f'class="wb-chart">',
        f'<title id="wb-chart-title">{escape(title)}</title>',
        f'<desc id="wb-chart-desc">{escape(description)}</desc>',
        "<defs>",
    ]
    for key in keys:
        colour, pattern = STYLES.get(key, OTHER)
        if pattern:
            parts.append(_pattern(pattern, key, colour))
    parts.append("</defs>")
    parts.append(
        f'<text x="{LABEL_WIDTH}" y="16" font-size="12" fill="#333">{escape(unit_label)}</text>'
    )
    for row, (bid, total) in enumerate(zip(bids, totals, strict=True)):
        y = 26 + row * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.7:.1f}" font-size="13" '
            f'text-anchor="end" fill="#111">{escape(_short(bid["name"]))}</text>'
        )
        x = Decimal(LABEL_WIDTH)
        for key in keys:
            value = Decimal(str(bid["categories"].get(key, "0")))
            if value <= 0:
                continue
            width = value / largest * plot
            parts.append(
                f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{BAR}" '
                f'fill="{_fill(key)}" stroke="#fff" stroke-width="1">'
                f"<title>{escape(labels.get(key, key))}: {escape(_plain(value))}</title></rect>"
            )
            x += width
        parts.append(
            f'<text x="{x + 6:.2f}" y="{y + BAR * 0.7:.1f}" font-size="12" fill="#111">'
            f"{escape(_plain(total))}</text>"
        )
    top = 30 + ROW * len(bids) + 6
    for i, key in enumerate(keys):
        lx = LABEL_WIDTH + (i % per_row) * column
        ly = top + (i // per_row) * LEGEND_ROW
        parts.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{_fill(key)}" '
            f'stroke="#333" stroke-width="0.5"/>'
            f'<text x="{lx + 20}" y="{ly + 11}" font-size="12" fill="#111">'
            f"{escape(labels.get(key, key))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[: NAME_LENGTH - 1] + "…"


def _plain(value: Decimal) -> str:
    """At most two decimals, written as the page's language writes numbers (76,25)."""
    return formats.number(value.quantize(Decimal("0.01")).normalize())
