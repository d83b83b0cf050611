"""The policy follow-up (reports/followup.py) for people: the workbench's dashboard and the
published report's printable page.

In the workbench (``/admin/follow-up/``), per organisation and year: the targets, met or not
in words and colour; the categories' shares against their targets and a five-year trend as
SVG charts, each with a table of the same figures; every count, with a link to the tenders
behind it (``/admin/follow-up/tenders/?figure=...``, from the report's ``explain``); and the
published versions of the year, with the publish button for those who may publish
(``/admin/follow-up/publish/``). A member sees their own organisation; the platform operator
chooses one (``?organization=``).

For everyone (``/follow-up/<organisation>/<year>/``, no login): the published report as a
plain page to read and print, in Swedish or English (``?lang=``, else the browser's), with
its version, SHA-256 and date of publication; ``?version=`` an earlier version. It shows
only what the published JSON holds.
"""

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from criteria.models import Category, Kind
from procurement import policy
from procurement.errors import DomainError
from procurement.models import Bid, Organization, Tender, User
from procurement.policy import Action
from procurement.selectors import tenders_for
from reports import selectors
from reports.followup import CATEGORIES, KINDS, SME_CLASSES, Period, follow_up
from reports.models import CEILING_METRICS, FollowUpTarget, Metric, PublishedReport
from reports.services import FIRST_YEAR, LAST_YEAR, publish_report
from scoring.models import Award
from workbench import formats
from workbench.followup_charts import Bar, Series, share_chart, trend_chart

TREND_YEARS = 5
CHART_GRID = ("0", "0.25", "0.5", "0.75", "1")


# --- the report's figures in words ---------------------------------------------------------


def _category_name(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category


def _sme_words() -> dict[str, str]:
    return {
        "micro": _("micro enterprises"),
        "small": _("small enterprises"),
        "medium": _("medium-sized enterprises"),
        "large": _("large enterprises"),
        "unknown": _("size unknown"),
    }


def _tender_words() -> list[tuple[str, str]]:
    return [
        ("published", pgettext("tenders, counted", "published")),
        ("cancelled", pgettext("tenders, counted", "cancelled")),
        ("divided_into_lots", _("divided into lots")),
        ("opened", _("opened")),
        ("single_bid", _("with a single bid")),
    ]


def catalogue(report: dict[str, Any]) -> dict[str, tuple[str, str, int]]:
    """Every count of the report that names what it counts, by its key (the JSON's path):
    ``{"categories.environmental.tenders": ("Miljö", "upphandlingar med ett kriterium", 2)}``.
    """
    found: dict[str, tuple[str, str, int]] = {}
    for key, words in _tender_words():
        found[f"tenders.{key}"] = (_("Tenders"), words, report["tenders"][key])
    for category in CATEGORIES:
        figures = report["categories"][str(category)]
        name = _category_name(category)
        found[f"categories.{category}.tenders"] = (
            name,
            _("tenders with a criterion"),
            figures["tenders"],
        )
        for kind in KINDS:
            found[f"categories.{category}.{kind}"] = (name, str(Kind(kind).label), figures[kind])
        found[f"categories.{category}.advanced_or_spearhead"] = (
            name,
            _("advanced or spearhead level"),
            figures["advanced_or_spearhead"],
        )
    bids = report["bids"]
    found["bids.submitted"] = (_("Bids"), _("submitted"), bids["submitted"])
    for name, words in _sme_words().items():
        found[f"bids.by_sme_class.{name}"] = (_("Bids"), words, bids["by_sme_class"][name])
    found["bids.non_profit"] = (_("Bids"), _("non-profit"), bids["non_profit"])
    awards = report["awards"]
    found["awards.lots"] = (_("Awards"), _("awarded lots"), awards["lots"])
    found["awards.sme"] = (_("Awards"), _("lots won by SMEs"), awards["sme"]["lots"])
    found["awards.non_profit"] = (
        _("Awards"),
        _("lots won by non-profits"),
        awards["non_profit"]["lots"],
    )
    return found


def tenders_behind(
    key: str, explain: dict[str, Any], organization: Organization
) -> Counter[str] | None:
    """The tenders a figure counts, each with how many of what it counts it holds (bids,
    awarded lots; 1 for a tender); None for a key that is no figure."""
    parts = key.split(".")
    if len(parts) == 2 and parts[0] == "tenders" and parts[1] in explain["tenders"]:
        return Counter(explain["tenders"][parts[1]])
    if len(parts) == 3 and parts[0] == "categories":
        ids = explain["categories"].get(parts[1], {}).get(parts[2])
        return None if ids is None else Counter(ids)
    if parts[0] == "bids":
        bids = explain["bids"]
        if parts[1:] in (["submitted"], ["non_profit"]):
            chosen = bids[parts[1]]
        elif len(parts) == 3 and parts[1] == "by_sme_class" and parts[2] in SME_CLASSES:
            chosen = bids["by_sme_class"][parts[2]]
        elif parts[1:] == ["by_sme_class", "unknown"]:
            classed = {pk for ids in bids["by_sme_class"].values() for pk in ids}
            chosen = [pk for pk in bids["submitted"] if pk not in classed]
        else:
            return None
        tenders = Bid.objects.filter(pk__in=chosen).values_list("tender_id", flat=True)
        return Counter(str(pk) for pk in tenders)
    if len(parts) == 2 and parts[0] == "awards" and parts[1] in ("lots", "sme", "non_profit"):
        lots = explain["awards"][parts[1]]
        # The figure counts the lots in the organisation's currency; the others are apart.
        tender_of = {
            str(award): str(tender)
            for award, tender in Award.objects.filter(
                pk__in={lot["award"] for lot in lots}, tender__currency=organization.currency
            ).values_list("pk", "tender_id")
        }
        return Counter(tender_of[lot["award"]] for lot in lots if lot["award"] in tender_of)
    return None


def describe(error: DomainError) -> str:
    """A refusal in words (procurement/admin.py's, which this module, imported with the admin
    site, cannot import)."""
    details = [item.get("message", "") for item in error.errors if item.get("message")]
    return f"{error.message} {'; '.join(details)}".strip() if details else error.message


def _share(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _status(met: bool | None) -> dict[str, str]:
    if met is None:
        return {"tone": "open", "sign": "\N{EN DASH}", "words": _("Nothing to measure yet")}
    if met:
        return {"tone": "ok", "sign": "✓", "words": _("Met")}
    return {"tone": "error", "sign": "✗", "words": _("Not met")}


def _target_figure(target: dict[str, Any]) -> str | None:
    """The count behind a target's actual figure, for its link."""
    metric, category = target["metric"], target.get("category")
    if metric == Metric.CATEGORY_SHARE:
        return f"categories.{category}.tenders"
    if metric == Metric.AWARD_WEIGHT_SHARE:
        return f"categories.{category}.award"
    if metric == Metric.SME_AWARD_SHARE:
        return "awards.sme"
    if metric == Metric.NON_PROFIT_AWARD_SHARE:
        return "awards.non_profit"
    if metric == Metric.SINGLE_BID_SHARE:
        return "tenders.single_bid"
    return None


def target_text(target: dict[str, Any]) -> str:
    ceiling = target.get("ceiling", target["metric"] in CEILING_METRICS)
    share = formats.share(target["target"], 1)
    return (_("at most %(share)s") if ceiling else _("at least %(share)s")) % {"share": share}


def targets(report: dict[str, Any], link=None) -> dict[str, Any]:
    """The targets of the report in words: what, the target, the actual figure, met or not."""
    rows = []
    for target in report.get("targets", []):
        try:
            metric = str(Metric(target["metric"]).label)
        except ValueError:
            metric = target["metric"]
        figure = _target_figure(target)
        rows.append(
            {
                "metric": metric,
                "category": _category_name(target["category"]) if target.get("category") else "",
                "target": target_text(target),
                "actual": formats.share(target["actual"], 1),
                "url": link(figure) if link and figure and target["actual"] is not None else None,
                "status": _status(target["met"]),
                "note": target.get("note") or "",
            }
        )
    met = sum(1 for target in report.get("targets", []) if target["met"])
    measured = sum(1 for target in report.get("targets", []) if target["met"] is not None)
    summary = ""
    if rows:
        summary = ngettext(
            "%(met)s of %(count)s target met.",
            "%(met)s of %(count)s targets met.",
            len(rows),
        ) % {"met": met, "count": len(rows)}
        if measured < len(rows):
            summary += " " + ngettext(
                "%(count)s has nothing to measure yet.",
                "%(count)s have nothing to measure yet.",
                len(rows) - measured,
            ) % {"count": len(rows) - measured}
    return {"rows": rows, "summary": summary}


def _cell(value: Any, key: str | None, link, *, text: str | None = None) -> dict[str, Any]:
    """A count (linked to its tenders when it counts some) or a written figure."""
    written = text if text is not None else formats.number(value)
    url = link(key) if link and key and isinstance(value, int) and value > 0 else None
    return {"text": written, "url": url}


def figure_tables(report: dict[str, Any], link=None) -> dict[str, Any]:
    """The report's figures as tables in the page's language: tenders, the categories (one
    row each), bids and awards; each count linked by ``link(key)`` when given."""
    t = report["tenders"]
    tenders = [
        {"label": words, **_cell(t[key], f"tenders.{key}", link)} for key, words in _tender_words()
    ]
    category_rows = []
    for category in CATEGORIES:
        figures = report["categories"][str(category)]
        cells = [
            _cell(figures["tenders"], f"categories.{category}.tenders", link),
            _cell(None, None, None, text=formats.share(figures["share"], 1)),
            *(_cell(figures[kind], f"categories.{category}.{kind}", link) for kind in KINDS),
            _cell(
                figures["advanced_or_spearhead"],
                f"categories.{category}.advanced_or_spearhead",
                link,
            ),
            _cell(None, None, None, text=formats.share(figures["award_weight_share"], 1)),
        ]
        category_rows.append({"label": _category_name(category), "cells": cells})
    category_columns = [
        _("tenders with a criterion"),
        _("share of the tenders"),
        *(str(Kind(kind).label) for kind in KINDS),
        _("advanced or spearhead level"),
        _("share of the award weight"),
    ]
    b = report["bids"]
    words = _sme_words()
    bids = [
        {"label": _("submitted"), **_cell(b["submitted"], "bids.submitted", link)},
        *(
            {
                "label": words[name],
                "indent": True,
                **_cell(b["by_sme_class"][name], f"bids.by_sme_class.{name}", link),
            }
            for name in words
        ),
        {"label": _("non-profit"), **_cell(b["non_profit"], "bids.non_profit", link)},
    ]
    a = report["awards"]
    value = a["value"]
    awards = [
        {"label": _("awarded lots"), **_cell(a["lots"], "awards.lots", link)},
        {
            "label": _("value (%(currency)s)") % {"currency": value["currency"]},
            **_cell(None, None, None, text=formats.money(value["amount"], value["currency"])),
        },
        {"label": _("lots won by SMEs"), **_cell(a["sme"]["lots"], "awards.sme", link)},
        {
            "label": _("SME share of the lots"),
            **_cell(None, None, None, text=formats.share(a["sme"]["share"], 1)),
        },
        {
            "label": _("SME share of the value"),
            **_cell(None, None, None, text=formats.share(a["sme"]["value_share"], 1)),
        },
        {
            "label": _("lots won by non-profits"),
            **_cell(a["non_profit"]["lots"], "awards.non_profit", link),
        },
        {
            "label": _("non-profit share of the lots"),
            **_cell(None, None, None, text=formats.share(a["non_profit"]["share"], 1)),
        },
        {
            "label": _("non-profit share of the value"),
            **_cell(None, None, None, text=formats.share(a["non_profit"]["value_share"], 1)),
        },
    ]
    elsewhere = [
        {
            "label": _("value (%(currency)s)") % {"currency": other["currency"]},
            "text": formats.money(other["value"]["amount"], other["currency"]),
            "lots": formats.number(other["lots"]),
        }
        for other in a.get("other_currencies", [])
    ]
    return {
        "contracts": contract_tables(report),
        "tenders": tenders,
        "category_columns": category_columns,
        "categories": category_rows,
        "bids": bids,
        "awards": awards,
        "other_currencies": elsewhere,
    }


def contract_tables(report: dict[str, Any]) -> dict[str, Any] | None:
    """The contracts' follow-up in words (counts only: never a supplier's evidence), or None
    for a report published before it existed."""
    c = report.get("contracts")
    if not c:
        return None
    checks, deviations = c["checks"], c["deviations"]

    def row(label: str, value: Any, *, indent: bool = False) -> dict[str, Any]:
        return {"label": label, "text": formats.number(value), "indent": indent}

    rows = [
        row(_("active contracts"), c["active"]),
        row(_("checks due"), checks["due"]),
        row(_("checks met"), checks["met"], indent=True),
        row(_("checks with a deviation"), checks["deviation"], indent=True),
        row(_("checks overdue"), checks["overdue"], indent=True),
        row(_("checks open"), checks["open"], indent=True),
        {
            "label": _("share met on time"),
            "text": formats.share(checks["on_time_share"], 1),
            "indent": False,
        },
        row(_("deviations opened"), deviations["opened"]),
        row(_("deviations closed"), deviations["closed"]),
        row(_("deviations open"), deviations["open"]),
    ]
    categories = [
        {
            "label": _category_name(category),
            "cells": [
                formats.number(figures[key])
                for key in ("commitments", "checks_due", "met", "deviation")
            ],
        }
        for category, figures in c["by_category"].items()
    ]
    return {
        "rows": rows,
        "category_columns": [
            _("commitments"),
            _("checks due"),
            _("checks met"),
            _("checks with a deviation"),
        ],
        "categories": categories,
    }


def _grid_texts() -> list[str]:
    return [formats.share(value) for value in CHART_GRID]


def category_chart(
    report: dict[str, Any], chart_id: str, link=None
) -> tuple[str, list[dict[str, Any]]]:
    """The bar chart of the categories' shares with their targets, and its table's rows."""
    wanted = {
        t["category"]: t
        for t in report.get("targets", [])
        if t["metric"] == Metric.CATEGORY_SHARE and t.get("category")
    }
    bars, rows = [], []
    for category in CATEGORIES:
        figures = report["categories"][str(category)]
        target = wanted.get(str(category))
        name = _category_name(category)
        written = target_text(target) if target else ""
        bars.append(
            Bar(
                key=str(category),
                label=name,
                share=_share(figures["share"]),
                share_text=formats.share(figures["share"], 1),
                target=_share(target["target"]) if target else None,
                target_text=_("target: %(target)s") % {"target": written} if target else "",
            )
        )
        rows.append(
            {
                "label": name,
                "count": _cell(figures["tenders"], f"categories.{category}.tenders", link),
                "share": formats.share(figures["share"], 1),
                "target": written or formats.DASH,
                "status": _status(target["met"]) if target else None,
            }
        )
    published = report["tenders"]["published"]
    svg = share_chart(
        bars,
        chart_id=chart_id,
        title=_("Share of the tenders with a criterion of each sustainability category"),
        description=ngettext(
            "Horizontal bars, one per category: the share of the year's %(count)s tender "
            "that has a criterion of the category. A vertical line marks the target, where "
            "one is set. The same figures are in the table beside the chart.",
            "Horizontal bars, one per category: the share of the year's %(count)s tenders "
            "that have a criterion of the category. A vertical line marks the target, where "
            "one is set. The same figures are in the table beside the chart.",
            published,
        )
        % {"count": published},
        grid_texts=_grid_texts(),
        legend_share=_("share of the tenders"),
        legend_target=_("target"),
    )
    return mark_safe(svg), rows  # noqa: S308 - every text in it is escaped


def trend(reports: dict[int, dict[str, Any]], chart_id: str) -> dict[str, Any]:
    """The five-year trend of the categories' shares and the SMEs' share of the awarded lots:
    the chart and its table (a row per series, a column per year)."""
    years = sorted(reports)
    lines = []
    for category in CATEGORIES:
        points = tuple(_share(reports[y]["categories"][str(category)]["share"]) for y in years)
        lines.append(
            Series(
                key=str(category),
                label=_category_name(category),
                points=points,
                texts=tuple(formats.share(p, 1) for p in points),
            )
        )
    sme = tuple(_share(reports[y]["awards"]["sme"]["share"]) for y in years)
    lines.append(
        Series(
            key="sme",
            label=_("SME share of the awarded lots"),
            points=sme,
            texts=tuple(formats.share(p, 1) for p in sme),
        )
    )
    svg = trend_chart(
        years,
        lines,
        chart_id=chart_id,
        title=_("Five years: %(first)s to %(last)s") % {"first": years[0], "last": years[-1]},
        description=_(
            "Lines, one per series, a point per year: each sustainability category's share of "
            "the year's tenders, and the share of the awarded lots won by SMEs. A year without "
            "tenders or awards has no point. The same figures are in the table below the chart."
        ),
        grid_texts=_grid_texts(),
    )
    return {
        "svg": mark_safe(svg),  # noqa: S308 - every text in it is escaped
        "years": [str(year) for year in years],
        "rows": [{"label": line.label, "cells": line.texts} for line in lines],
        "tenders": [formats.number(reports[y]["tenders"]["published"]) for y in years],
        "lots": [formats.number(reports[y]["awards"]["lots"]) for y in years],
    }


# --- the workbench's pages -----------------------------------------------------------------


class PublishForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args: Any, correction: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["note"]
        if correction:
            field.required = True
            field.label = _("What this version corrects")
            field.help_text = _(
                "Required: readers see the note beside the new version, e.g. "
                "“An award decided in December was missing.”"
            )
        else:
            field.help_text = _("Optional: shown with the report, e.g. the decision it follows.")


def _user(request: HttpRequest) -> User:
    """The signed-in member (the admin site lets no one else in)."""
    return cast(User, request.user)


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    text = request.GET.get("year") or ""
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        return this_year
    return int(text)


def years_with_data(organization: Organization) -> list[int]:
    """This year and every year in which the organisation published a tender, decided an
    award, set a target or published a report; the newest first."""
    years = {timezone.localdate().year}
    published = Tender.objects.filter(organization=organization, published_at__isnull=False)
    years |= {moment.year for moment in published.datetimes("published_at", "year")}
    decided = Award.objects.filter(tender__organization=organization)
    years |= {moment.year for moment in decided.datetimes("decided_at", "year")}
    for model in (FollowUpTarget, PublishedReport):
        years |= set(model.objects.filter(organization=organization).values_list("year", flat=True))
    return sorted(years, reverse=True)


class FollowUpPages:
    """The dashboard, the tenders behind a figure and the publish page, on the admin site."""

    def __init__(self, site: Any) -> None:
        self.site = site

    def urls(self) -> list[URLPattern]:
        view = self.site.admin_view
        return [
            path("follow-up/", view(self.dashboard), name="follow_up"),
            path("follow-up/tenders/", view(self.tenders), name="follow_up_tenders"),
            path("follow-up/publish/", view(self.publish), name="follow_up_publish"),
        ]

    # -- who reads which organisation

    def _organization(self, request: HttpRequest) -> tuple[Organization | None, list]:
        """The member's own organisation; the operator names one (None: not chosen yet)."""
        user = request.user
        named = request.GET.get("organization") or ""
        if policy.is_operator(user):
            choices = list(
                Organization.objects.filter(kind=Organization.Kind.BUYER).order_by("name")
            )
            if not named:
                return None, choices
            organization = selectors.buyer_organization(named)
            if organization is None:
                raise Http404
            return organization, choices
        organization = getattr(user, "organization", None)
        if organization is None or (named and named != str(organization.pk)):
            raise Http404
        if not policy.may(user, Action.FOLLOW_UP_READ, organization_id=organization.pk):
            raise PermissionDenied
        return organization, []

    def _query(self, request: HttpRequest, organization: Organization | None, **more: Any) -> str:
        params: dict[str, Any] = {}
        if organization is not None and policy.is_operator(request.user):
            params["organization"] = str(organization.pk)
        params.update(more)
        return urlencode(params)

    def _url(self, name: str, request, organization, **more: Any) -> str:
        query = self._query(request, organization, **more)
        return reverse(f"admin:{name}") + (f"?{query}" if query else "")

    def _render(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        request.current_app = self.site.name
        # Years as written, never as numbers (the language's thousands grouping: "2 026").
        if "year" in context:
            context["year"] = str(context["year"])
        if "years" in context:
            context["years"] = [str(year) for year in context["years"]]
        return TemplateResponse(
            request,
            f"admin/followup/{template}",
            {**self.site.each_context(request), **context},
        )

    # -- the dashboard

    def dashboard(self, request: HttpRequest) -> HttpResponse:
        organization, choices = self._organization(request)
        year = _year(request)
        if organization is None:
            return self._render(
                request,
                "dashboard.html",
                title=_("Policy follow-up"),
                organizations=choices,
                year=year,
                years=list(range(timezone.localdate().year, FIRST_YEAR + 15, -1)),
            )

        def link(key: str) -> str:
            return self._url("follow_up_tenders", request, organization, year=year, figure=key)

        reports = {
            y: follow_up(organization, Period.year(y))
            for y in range(year - TREND_YEARS + 1, year + 1)
        }
        report = reports[year]
        chart, category_rows = category_chart(report, "fu-shares", link)
        language = translation.get_language() or "en"
        downloads = []
        for file_format, words in (("xlsx", "Excel (XLSX)"), ("csv", "CSV")):
            params = {"year": year, "format": file_format, "lang": language}
            if policy.is_operator(request.user):
                params["organization"] = str(organization.pk)
            downloads.append((words, f"{reverse('follow-up')}?{urlencode(params)}"))
        may_publish = policy.may(
            request.user, Action.FOLLOW_UP_PUBLISH, organization_id=organization.pk
        )
        versions = published_versions(organization, year)
        return self._render(
            request,
            "dashboard.html",
            title=_("Policy follow-up %(year)s: %(organization)s")
            % {"year": year, "organization": organization.name},
            organization=organization,
            organizations=choices,
            year=year,
            years=years_with_data(organization),
            report=report,
            period=(formats.day(Period.year(year).start), formats.day(Period.year(year).end)),
            targets=targets(report, link),
            chart=chart,
            category_rows=category_rows,
            figures=figure_tables(report, link),
            trend=trend(reports, "fu-trend"),
            downloads=downloads,
            versions=versions,
            may_publish=may_publish and year <= timezone.localdate().year,
            publish_url=self._url("follow_up_publish", request, organization, year=year),
            generated=formats.when_zoned(report["generated_at"]),
        )

    # -- the tenders behind a figure

    def tenders(self, request: HttpRequest) -> HttpResponse:
        organization, _choices = self._organization(request)
        if organization is None:
            raise Http404
        year = _year(request)
        key = request.GET.get("figure") or ""
        report = follow_up(organization, Period.year(year), explain=True)
        figure = catalogue(report).get(key)
        counted = tenders_behind(key, report["explain"], organization) if figure else None
        if figure is None or counted is None:
            raise Http404
        table, words, count = figure
        visible = set(
            tenders_for(_user(request)).filter(pk__in=list(counted)).values_list("pk", flat=True)
        )
        rows = []
        found = Tender.objects.filter(pk__in=list(counted)).order_by("published_at", "reference")
        for tender in found:
            rows.append(
                {
                    "tender": tender,
                    "url": (
                        reverse("admin:procurement_tender_change", args=[tender.pk])
                        if tender.pk in visible
                        else None
                    ),
                    "published": formats.day(tender.published_at),
                    "status": tender.effective_status_label,
                    "count": formats.number(counted[str(tender.pk)]),
                }
            )
        group = key.split(".")[0]
        per_tender = {
            "bids": _("Bids counted"),
            "awards": _("Awarded lots counted"),
        }.get(group)
        definition = {
            "tenders": _(
                "A tender counts in the year in which it was published; a cancelled one only "
                "as cancelled."
            ),
            "categories": _(
                "A tender counts in the year in which it was published, when it has at least "
                "one criterion of the category (of the kind or level named)."
            ),
            "bids": _(
                "The final submitted bids on the tenders published in the year, classed by "
                "the supplier's size and non-profit status when the bid was submitted."
            ),
            "awards": _(
                "Each awarded lot counts in the year in which the award was decided, whenever "
                "its tender was published."
            ),
        }[group]
        summary = ngettext(
            "%(figure)s: %(count)s, in %(tenders)s tender.",
            "%(figure)s: %(count)s, in %(tenders)s tenders.",
            len(rows),
        ) % {"figure": words, "count": formats.number(count), "tenders": len(rows)}
        return self._render(
            request,
            "tenders.html",
            title=f"{table}: {words}, {year}",
            organization=organization,
            year=year,
            rows=rows,
            per_tender=per_tender,
            definition=definition,
            summary=summary,
            dashboard_url=self._url("follow_up", request, organization, year=year),
        )

    # -- publishing

    def publish(self, request: HttpRequest) -> HttpResponse:
        organization, _choices = self._organization(request)
        if organization is None or not policy.may(
            request.user, Action.FOLLOW_UP_PUBLISH, organization_id=organization.pk
        ):
            raise PermissionDenied
        year = _year(request)
        if year > timezone.localdate().year:
            raise Http404
        versions = published_versions(organization, year)
        latest = versions[0] if versions else None
        form = PublishForm(request.POST or None, correction=latest is not None)
        dashboard = self._url("follow_up", request, organization, year=year)
        if request.method == "POST" and form.is_valid():
            try:
                published = publish_report(
                    actor=_user(request),
                    organization=organization,
                    year=year,
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.add_error(None, describe(error))
            else:
                page = reverse("follow-up-page", args=[organization.pk, year])
                messages.success(
                    request,
                    _(
                        "Version %(version)s of the follow-up report of %(year)s is published. "
                        "Anyone can read it at %(url)s."
                    )
                    % {
                        "version": published.version,
                        "year": year,
                        "url": request.build_absolute_uri(page),
                    },
                )
                return HttpResponseRedirect(dashboard)
        page = request.build_absolute_uri(reverse("follow-up-page", args=[organization.pk, year]))
        happens = [
            _(
                "The report of %(year)s is frozen as it is now: its figures are stored with a "
                "SHA-256 checksum and never change."
            )
            % {"year": year},
            _("Anyone can read it without logging in, as a page and as JSON, at %(url)s.")
            % {"url": page},
            _(
                "A correction is a new version that names the one it replaces, with a note on "
                "what it corrects; the earlier versions stay readable."
            ),
            _("Publishing is recorded in the audit trail with your name."),
        ]
        if year == timezone.localdate().year:
            happens.insert(
                1,
                _(
                    "%(year)s is not over: the report holds the figures up to today, and what "
                    "happens later in the year is only in a correction."
                )
                % {"year": year},
            )
        if latest is None:
            title = _("Publish the follow-up report of %(year)s") % {"year": year}
            submit = _("Publish the report")
        else:
            title = _("Publish a correction of the follow-up report of %(year)s") % {"year": year}
            submit = _("Publish version %(version)s") % {"version": latest["version"] + 1}
        return self._render(
            request,
            "publish.html",
            title=title,
            organization=organization,
            year=year,
            happens=happens,
            latest=latest,
            form=form,
            submit=submit,
            dashboard_url=dashboard,
        )


def published_versions(organization: Organization, year: int) -> list[dict[str, Any]]:
    found = []
    reports = (
        PublishedReport.objects.filter(organization=organization, year=year)
        .select_related("published_by", "replaces")
        .order_by("-version")
    )
    page = reverse("follow-up-page", args=[organization.pk, year])
    data = reverse("public-follow-up", args=[organization.pk, year])
    for published in reports:
        who = published.published_by
        found.append(
            {
                "version": published.version,
                "published": formats.when_zoned(published.published_at),
                "by": (who.get_full_name() or who.username) if who else "",
                "sha256": published.sha256,
                "note": published.note,
                "replaces": published.replaces.version if published.replaces else None,
                "page_url": f"{page}?version={published.version}",
                "json_url": f"{data}?version={published.version}",
            }
        )
    return found


# --- the published report, for everyone ----------------------------------------------------


def _language(request: HttpRequest) -> str:
    """``?lang=sv|en``, else the browser's (LocaleMiddleware: its cookie, Accept-Language)."""
    asked = (request.GET.get("lang") or "").strip().lower()
    codes = [code for code, _name in _languages()]
    if asked in codes:
        return asked
    current = (getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or "en")[:2]
    return current if current in codes else "en"


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def public_report(request: HttpRequest, organization: Any, year: int) -> HttpResponse:
    """The published report of the year as a page (its newest version, or ``?version=``)."""
    language = _language(request)
    version_text = request.GET.get("version") or ""
    with translation.override(language):
        published = None
        if version_text == "" or version_text.isdigit():
            published = selectors.published_report(
                organization, year, int(version_text) if version_text else None
            )
        if published is None:
            response = render(
                request,
                "followup/missing.html",
                {"year": str(year), "language": language, "languages": _language_links(request)},
                status=404,
            )
        else:
            response = render(request, "followup/public.html", _public_context(request, published))
        response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _language_links(request: HttpRequest) -> list[dict[str, str]]:
    links = []
    for code, name in _languages():
        params = request.GET.copy()
        params["lang"] = code
        links.append({"code": code, "name": name, "url": f"{request.path}?{params.urlencode()}"})
    return links


def _public_context(request: HttpRequest, published: PublishedReport) -> dict[str, Any]:
    report = json.loads(published.report_json)
    organization, year = published.organization_id, published.year
    newest = selectors.published_report(organization, year)
    page = reverse("follow-up-page", args=[organization, year])
    data = reverse("public-follow-up", args=[organization, year])
    asked = request.GET.get("version")
    chart, category_rows = category_chart(report, "fu-public-shares")
    period = report.get("period", {})
    return {
        "language": translation.get_language(),
        "languages": _language_links(request),
        "report": report,
        "name": report.get("organization", {}).get("name", ""),
        "year": str(year),
        "period": (formats.day(_date(period.get("from"))), formats.day(_date(period.get("to")))),
        "published": published,
        "published_at": formats.when_zoned(published.published_at),
        "replaces": published.replaces.version if published.replaces else None,
        "newest": newest if newest and newest.version != published.version else None,
        "newest_url": page,
        "json_url": data + (f"?version={published.version}" if asked else ""),
        "json_absolute": request.build_absolute_uri(
            data + (f"?version={published.version}" if asked else "")
        ),
        "targets": targets(report),
        "chart": chart,
        "category_rows": category_rows,
        "figures": figure_tables(report),
    }


def _date(text: Any) -> Any:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return text
