"""The printable records (workbench/records.py) as PDF, made with ReportLab's page layout
(platypus): A4, a running head with the organisation, the reference and the record's title,
the time it was printed and "Sida 1 av 3" at the foot, headings kept with what follows them,
and tables that break between rows (never through one) and repeat their header row on the
next page.

The font is DejaVu Sans, shipped in workbench/fonts/ with its licence (Bitstream Vera's: free
to redistribute): it has å ä ö and the signs the texts use (÷, ≥, the en dash, ₂, ✓, ✗, ⚠),
which the PDF's built-in fonts do not. The PDF embeds only the glyphs it uses.
"""

import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

if TYPE_CHECKING:
    from workbench import records

FONTS = Path(__file__).resolve().parent / "fonts"
SANS, BOLD, MONO = "AnbudSans", "AnbudSans-Bold", "AnbudMono"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 24 * mm, 20 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN_X
INK, QUIET, RULE, SHADE = (
    colors.HexColor("#111111"),
    colors.HexColor("#555555"),
    colors.HexColor("#9a9a9a"),
    colors.HexColor("#ececec"),
)


@functools.cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(SANS, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(MONO, str(FONTS / "DejaVuSansMono.ttf")))
    # <b> in a paragraph picks the bold face; there is no italic (none is used).
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=BOLD, italic=SANS, boldItalic=BOLD)


def _style(name: str, **kwargs: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": SANS,
        "bulletFontName": SANS,
        "fontSize": 9.5,
        "leading": 12.5,
        "textColor": INK,
    }
    return ParagraphStyle(name, **(base | kwargs))


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    return {
        "body": _style("body", spaceAfter=4),
        "organisation": _style("organisation", fontSize=10, textColor=QUIET),
        "title": _style("title", fontName=BOLD, fontSize=18, leading=22, spaceAfter=8),
        "h2": _style("h2", fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=12, spaceAfter=5),
        "h3": _style("h3", fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=4),
        "h4": _style("h4", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=6, spaceAfter=3),
        "note": _style("note", fontSize=8.5, leading=11, textColor=QUIET, spaceBefore=3),
        "warning": _style("warning", textColor=colors.HexColor("#7a4f00"), spaceAfter=4),
        "error": _style("error", textColor=colors.HexColor("#a40000"), spaceAfter=4),
        "item": _style("item", leftIndent=10, bulletIndent=0, spaceAfter=3),
        "cell": _style("cell", fontSize=8.5, leading=10.5),
        "head": _style("head", fontName=BOLD, fontSize=8.5, leading=10.5),
        "num": _style("num", fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "head-num": _style(
            "head-num", fontName=BOLD, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        "mono": _style("mono", fontName=MONO, fontSize=7.5, leading=9.5),
        "label": _style("label", fontName=BOLD, fontSize=9, leading=11.5),
        "value": _style("value", fontSize=9, leading=11.5),
        "value-mono": _style("value-mono", fontName=MONO, fontSize=8, leading=10.5),
        "signature": _style("signature", fontSize=9, leading=11.5, textColor=QUIET),
    }


def _text(text: str) -> str:
    """Plain text as a paragraph's markup: escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


def _para(text: str, style: str) -> Paragraph:
    return Paragraph(_text(text), _styles()[style])


def _facts(rows: "list[records.Fact]") -> Table:
    data = [
        [_para(row.label, "label"), _para(row.value, "value-mono" if row.mono else "value")]
        for row in rows
    ]
    table = Table(data, colWidths=[WIDTH * 0.3, WIDTH * 0.7], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), SANS),  # not ReportLab's default, Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, SHADE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _table(block: "records.Table") -> Table:
    total = sum(column.width for column in block.columns) or 1
    widths = [WIDTH * column.width / total for column in block.columns]
    header = [
        _para(column.label, "head-num" if column.style == "num" else "head")
        for column in block.columns
    ]
    body = [[_para(cell, style or "cell") for cell, style in row] for row in block.body]
    table = Table([header, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),  # not ReportLab's default, Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("BOX", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(commands))
    return table


class _SignatureLines(Flowable):
    """Signature boxes: a line to sign on per name, with the name beneath, two per row."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names
        self.rows = (len(names) + 1) // 2
        self.box = 17 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return WIDTH, self.rows * self.box

    def draw(self) -> None:
        canvas = self.canv
        half = WIDTH / 2
        for i, name in enumerate(self.names):
            x = (i % 2) * half
            y = (self.rows - 1 - i // 2) * self.box + 5 * mm
            canvas.setStrokeColor(RULE)
            canvas.setLineWidth(0.6)
            canvas.line(x, y, x + half - 14 * mm, y)
            canvas.setFont(SANS, 9)
            canvas.setFillColor(QUIET)
            canvas.drawString(x, y - 4 * mm, name)


def _blocks(blocks: "list[records.Block]") -> list[Flowable]:
    story: list[Flowable] = []
    for block in blocks:
        if block.kind == "facts":
            story.append(_facts(cast("records.Facts", block).rows))
        elif block.kind == "heading":
            heading = cast("records.Heading", block)
            level = min(max(heading.level, 3), 4)
            story += [CondPageBreak(28 * mm), _para(heading.text, f"h{level}")]
        elif block.kind == "text":
            text = cast("records.Text", block)
            story.append(_para(text.text, text.tone or "body"))
        elif block.kind == "items":
            story += [
                Paragraph(_text(item), _styles()["item"], bulletText="•")
                for item in cast("records.Items", block).items
            ]
        elif block.kind == "table":
            story.append(_table(cast("records.Table", block)))
        elif block.kind == "signatures":
            story.append(_SignatureLines(cast("records.Signatures", block).names))
        story.append(Spacer(1, 2 * mm))
    return story


def _numbered(record: "records.Record") -> Callable[..., Canvas]:
    """A canvas that knows the page count when it writes each page's head and foot."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            # Keep the finished page's state and begin the next one; save() writes them all,
            # each with "page n of N", once N is known.
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's, not in its stubs

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self._head_and_foot(len(self._pages))
                super().showPage()
            super().save()

        def _head_and_foot(self, pages: int) -> None:
            top = PAGE_HEIGHT - MARGIN_TOP + 8 * mm
            self.setFont(SANS, 8)
            self.setFillColor(QUIET)
            self.drawString(MARGIN_X, top, f"{record.organisation} · {record.reference}")
            self.drawRightString(PAGE_WIDTH - MARGIN_X, top, record.title)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(MARGIN_X, top - 2.5 * mm, PAGE_WIDTH - MARGIN_X, top - 2.5 * mm)
            bottom = MARGIN_BOTTOM - 10 * mm
            self.drawString(MARGIN_X, bottom, f"{record.printed_label}: {record.printed}")
            self.drawRightString(
                PAGE_WIDTH - MARGIN_X,
                bottom,
                _("Page %(page)s of %(pages)s") % {"page": self.getPageNumber(), "pages": pages},
            )

    return NumberedCanvas


def render(record: "records.Record") -> bytes:
    """The record as a PDF document."""
    _fonts()
    out = io.BytesIO()
    document = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{record.title} {record.reference}",
        author=record.organisation,
        subject=record.title,
        creator="Anbud",
        initialFontName=SANS,
        lang=record.language,
    )
    frame = Frame(
        MARGIN_X, MARGIN_BOTTOM, WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM, id="body"
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    story: list[Flowable] = [
        _para(record.organisation, "organisation"),
        _para(record.title, "title"),
        _facts(record.head),
    ]
    for section in record.sections:
        story.append(CondPageBreak(35 * mm))
        blocks = _blocks(section.blocks)
        heading = _para(section.heading, "h2")
        if all(block.kind == "signatures" for block in section.blocks):
            # A few lines to sign on: never a heading on one page and its lines on the next.
            # (Anything longer flows: KeepTogether would start it on a new page.)
            story.append(KeepTogether([heading, *blocks]))
        else:
            story += [heading, *blocks]
    document.build(story, canvasmaker=_numbered(record))
    return out.getvalue()
