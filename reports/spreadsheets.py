"""The follow-up report as a spreadsheet: CSV (one table of figures, for Swedish Excel when the
language is Swedish) and XLSX (a summary sheet, a sheet per table, and the tenders behind the
figures), with numbers as numbers and shares as percentages."""

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from criteria.models import Category, Kind
from procurement.models import Bid, Tender
from reports.followup import CATEGORIES, KINDS, Period
from reports.models import Metric

PERCENT = "0.00%"


def _share(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _category_name(category: str) -> str:
    return str(Category(category).label)


def rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The report as (table, figure, value) rows, in the active language; shares as Decimals
    between 0 and 1 (the XLSX formats them as percentages)."""
    t = report["tenders"]
    found: list[tuple[str, str, Any]] = [
        (_("Tenders"), pgettext("tenders, counted", "published"), t["published"]),
        (_("Tenders"), pgettext("tenders, counted", "cancelled"), t["cancelled"]),
        (_("Tenders"), _("divided into lots"), t["divided_into_lots"]),
        (_("Tenders"), _("opened"), t["opened"]),
        (_("Tenders"), _("with a single bid"), t["single_bid"]),
    ]
    for category in CATEGORIES:
        figures = report["categories"][str(category)]
        name = _category_name(category)
        found += [
            (name, _("tenders with a criterion"), figures["tenders"]),
            (name, _("share of the tenders"), _share(figures["share"])),
            *((name, str(Kind(kind).label), figures[str(kind)]) for kind in KINDS),
            (name, _("advanced or spearhead level"), figures["advanced_or_spearhead"]),
            (name, _("share of the award weight"), _share(figures["award_weight_share"])),
        ]
    b = report["bids"]
    found += [(_("Bids"), _("submitted"), b["submitted"])]
    classes = {
        "micro": _("micro enterprises"),
        "small": _("small enterprises"),
        "medium": _("medium-sized enterprises"),
        "large": _("large enterprises"),
        "unknown": _("size unknown"),
    }
    found += [(_("Bids"), classes[name], b["by_sme_class"][name]) for name in classes]
    found += [(_("Bids"), _("non-profit"), b["non_profit"])]
    a = report["awards"]
    found += [
        (_("Awards"), _("awarded lots"), a["lots"]),
        (
            _("Awards"),
            _("value (%(currency)s)") % {"currency": a["value"]["currency"]},
            Decimal(a["value"]["amount"]),
        ),
        (_("Awards"), _("lots won by SMEs"), a["sme"]["lots"]),
        (_("Awards"), _("SME share of the lots"), _share(a["sme"]["share"])),
        (_("Awards"), _("SME share of the value"), _share(a["sme"]["value_share"])),
        (_("Awards"), _("lots won by non-profits"), a["non_profit"]["lots"]),
        (_("Awards"), _("non-profit share of the lots"), _share(a["non_profit"]["share"])),
        (_("Awards"), _("non-profit share of the value"), _share(a["non_profit"]["value_share"])),
    ]
    for other in a.get("other_currencies", []):
        found.append(
            (
                _("Awards"),
                _("value (%(currency)s)") % {"currency": other["currency"]},
                Decimal(other["value"]["amount"]),
            )
        )
    return found + contract_rows(report)


def contract_rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The contracts' follow-up as rows (none for a report published before it existed)."""
    c = report.get("contracts")
    if not c:
        return []
    checks, deviations = c["checks"], c["deviations"]
    name = _("Contract follow-up")
    return [
        (name, _("active contracts"), c["active"]),
        (name, _("checks due"), checks["due"]),
        (name, _("checks met"), checks["met"]),
        (name, _("checks with a deviation"), checks["deviation"]),
        (name, _("checks overdue"), checks["overdue"]),
        (name, _("checks open"), checks["open"]),
        (name, _("share met on time"), _share(checks["on_time_share"])),
        (name, _("deviations opened"), deviations["opened"]),
        (name, _("deviations closed"), deviations["closed"]),
        (name, _("deviations open"), deviations["open"]),
    ]


def target_rows(report: dict[str, Any]) -> list[list[Any]]:
    found = []
    for target in report["targets"]:
        category = target.get("category")
        found.append(
            [
                target["year"],
                str(Metric(target["metric"]).label),
                _category_name(category) if category else "",
                Decimal(target["target"]),
                _share(target["actual"]),
                "" if target["met"] is None else (_("Yes") if target["met"] else _("No")),
                target["note"],
            ]
        )
    return found


def csv_text(report: dict[str, Any], delimiter: str) -> str:
    """One table: table, figure, value (shares as decimals), then the targets."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    decimal_comma = delimiter == ";"
    writer.writerow([_("Table"), _("Figure"), _("Value")])

    def cell(value: Any) -> Any:
        if isinstance(value, Decimal):
            text = format(value, "f")
            return text.replace(".", ",") if decimal_comma else text
        return "" if value is None else value

    for table, figure, value in rows(report):
        writer.writerow([table, figure, cell(value)])
    for target in target_rows(report):
        writer.writerow(
            [
                _("Targets"),
                f"{target[1]} {target[2]}".strip(),
                cell(target[4]),
                cell(target[3]),
                target[5],
            ]
        )
    return buffer.getvalue()


def _fit(sheet) -> None:
    for index, column in enumerate(sheet.columns, start=1):
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
    sheet.freeze_panes = "A2"


def _header(sheet, titles: list[str]) -> None:
    sheet.append(titles)
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _put(sheet, values: list[Any], share_columns: frozenset[int] | set[int] = frozenset()) -> None:
    sheet.append(values)
    row = sheet.max_row
    for column in share_columns:
        sheet.cell(row=row, column=column).number_format = PERCENT
    for column, value in enumerate(values, start=1):
        if isinstance(value, Decimal) and column not in share_columns:
            sheet.cell(row=row, column=column).number_format = "#,##0.00"


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    _header(summary, [_("Table"), _("Figure"), _("Value")])
    summary.append([_("Organisation"), report["organization"]["name"], None])
    summary.append(
        [_("Period"), f"{report['period']['from']} \u2013 {report['period']['to']}", None]
    )
    shares = {
        _("share of the tenders"),
        _("share of the award weight"),
        _("SME share of the lots"),
        _("SME share of the value"),
        _("non-profit share of the lots"),
        _("non-profit share of the value"),
        _("share met on time"),
    }
    for table, figure, value in rows(report):
        _put(summary, [table, figure, value], {3} if figure in shares else set())
    _fit(summary)

    categories = book.create_sheet(_("Categories")[:31])
    _header(
        categories,
        [
            _("Category"),
            _("tenders with a criterion"),
            _("share of the tenders"),
            *(str(Kind(kind).label) for kind in KINDS),
            _("advanced or spearhead level"),
            _("share of the award weight"),
        ],
    )
    for category in CATEGORIES:
        f = report["categories"][str(category)]
        _put(
            categories,
            [
                _category_name(category),
                f["tenders"],
                _share(f["share"]),
                *(f[str(kind)] for kind in KINDS),
                f["advanced_or_spearhead"],
                _share(f["award_weight_share"]),
            ],
            {3, 8},
        )
    _fit(categories)

    if report.get("contracts"):
        contracts = book.create_sheet(_("Contract follow-up")[:31])
        _header(
            contracts,
            [
                _("Category"),
                _("commitments"),
                _("checks due"),
                _("checks met"),
                _("checks with a deviation"),
            ],
        )
        for category, f in report["contracts"]["by_category"].items():
            _put(
                contracts,
                [
                    _category_name(category),
                    f["commitments"],
                    f["checks_due"],
                    f["met"],
                    f["deviation"],
                ],
            )
        _fit(contracts)

    targets = book.create_sheet(_("Targets")[:31])
    _header(
        targets,
        [_("Year"), _("Metric"), _("Category"), _("Target"), _("Actual"), _("Met"), _("Note")],
    )
    for row in target_rows(report):
        _put(targets, row, {4, 5})
    _fit(targets)

    tenders = book.create_sheet(_("Tenders")[:31])
    _header(
        tenders,
        [
            _("Reference"),
            _("Title"),
            _("Published"),
            _("Status"),
            _("Lots"),
            _("Final bids"),
            *(_category_name(c) for c in CATEGORIES),
        ],
    )
    for row in tenders_behind(report):
        tenders.append(row)
        tenders.cell(row=tenders.max_row, column=3).number_format = "yyyy-mm-dd hh:mm"
    _fit(tenders)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tenders_behind(report: dict[str, Any]) -> list[list[Any]]:
    """The tenders the report counts (published in the period, cancelled ones too), each with
    its lots, final bids and whether it has a criterion of each category."""
    period = Period(
        dt.date.fromisoformat(report["period"]["from"]),
        dt.date.fromisoformat(report["period"]["to"]),
    )
    start, end = period.bounds()
    found = (
        Tender.objects.filter(
            organization_id=report["organization"]["id"],
            published_at__gte=start,
            published_at__lt=end,
        )
        .annotate(
            lot_count=Count("lots", distinct=True),
            final_bids=Count("bids", filter=Q(bids__status=Bid.Status.SUBMITTED), distinct=True),
            **{
                f"has_{c}": Count(
                    "tender_criteria", filter=Q(tender_criteria__category=c), distinct=True
                )
                for c in CATEGORIES
            },
        )
        .order_by("published_at", "reference")
    )
    return [
        [
            tender.reference,
            tender.title,
            timezone.localtime(tender.published_at).replace(tzinfo=None),
            str(Tender.Status(tender.status).label),
            tender.lot_count,
            tender.final_bids,
            *(_("Yes") if getattr(tender, f"has_{c}") else _("No") for c in CATEGORIES),
        ]
        for tender in found
    ]
