"""The policy follow-up of one organisation for a period (API.md, "Second wave"): how far its
purchasing reaches its sustainability and small-supplier goals.

Every figure is counted in the database (a fixed number of queries, whatever the number of
tenders: bench/report.py measures it); what is computed here is exact decimal arithmetic on
those counts. ``explain=True`` adds, per figure, the ids of what it counts, so that an auditor
can check it by hand.

Definitions (API.md): a tender counts in the period in which it was published (a cancelled
one only under ``cancelled``); bids are the final submitted (not withdrawn) bids on those
tenders, classed by the supplier's facts recorded when the bid was submitted; awards count
per awarded lot, in the period in which the award was decided; "SME" is micro, small or
medium. The contracts' follow-up (``contracts``) comes from one selector,
``contracts.selectors.follow_up_figures``: checks count by their due date in the period.
Shares have four decimals, rounded half up; a share of nothing is null.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from contracts.selectors import follow_up_figures
from criteria.models import Category, Kind, Level, TenderCriterion
from procurement.models import Bid, Organization, Tender
from reports.models import CATEGORY_METRICS, CEILING_METRICS, FollowUpTarget, Metric
from scoring.models import AwardedBid

# The sustainability categories the follow-up reports (quality is not one of them).
CATEGORIES = (
    Category.ENVIRONMENTAL,
    Category.SOCIAL,
    Category.ANIMAL_WELFARE,
    Category.SMALL_SUPPLIER,
)
CATEGORY_CHOICES = [(str(c), str(c)) for c in CATEGORIES]
SME_CLASSES = ("micro", "small", "medium", "large")
SME = ("micro", "small", "medium")
KINDS = (Kind.REQUIREMENT, Kind.AWARD, Kind.CONTRACT_CONDITION)
WEIGHTED_METHODS = ("weighted_points", "value_for_money")
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day
    end: dt.date  # last day, included

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[from, to) as times in the workbench's zone: a day is a Swedish day."""
        zone = timezone.get_default_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part / whole`` with four decimals, half up; None when ``whole`` is nothing."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _ids(queryset: QuerySet) -> list[str]:
    return sorted(str(pk) for pk in queryset.values_list("pk", flat=True))


def follow_up(
    organization: Organization, period: Period, *, explain: bool = False
) -> dict[str, Any]:
    """The follow-up report of ``organization`` for ``period`` (API.md's JSON)."""
    start, end = period.bounds()
    in_period = Tender.objects.filter(
        organization=organization, published_at__gte=start, published_at__lt=end
    )
    counted = in_period.exclude(status=Tender.Status.CANCELLED)
    final_bids = Bid.objects.filter(tender__in=counted, status=Bid.Status.SUBMITTED)
    opened = counted.filter(opened_at__isnull=False)

    tenders = in_period.aggregate(
        published=Count("pk", filter=~Q(status=Tender.Status.CANCELLED)),
        cancelled=Count("pk", filter=Q(status=Tender.Status.CANCELLED)),
        opened=Count("pk", filter=~Q(status=Tender.Status.CANCELLED) & Q(opened_at__isnull=False)),
    )
    divided = counted.annotate(lot_count=Count("lots", distinct=True)).filter(lot_count__gt=1)
    single = opened.annotate(
        final=Count("bids", filter=Q(bids__status=Bid.Status.SUBMITTED), distinct=True)
    ).filter(final=1)
    tenders["divided_into_lots"] = divided.count()
    tenders["single_bid"] = single.count()
    report: dict[str, Any] = {
        "organization": {"id": str(organization.pk), "name": organization.name},
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "tenders": {
            key: tenders[key]
            for key in ("published", "cancelled", "divided_into_lots", "opened", "single_bid")
        },
        "categories": _categories(counted, tenders["published"]),
        "bids": _bids(final_bids),
        "awards": _awards(organization, start, end),
        "contracts": follow_up_figures(organization, period.start, period.end, explain=explain),
    }
    contract_ids = report["contracts"].pop("ids", None)
    report["targets"] = _targets(organization, period, report)
    report["generated_at"] = timezone.now().astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if explain:
        report["explain"] = _explain(
            organization, in_period, counted, opened, divided, single, final_bids, start, end
        )
        report["explain"]["contracts"] = contract_ids
    return report


def _categories(counted: QuerySet, published: int) -> dict[str, Any]:
    criteria = TenderCriterion.objects.filter(tender__in=counted)
    spearhead = Q(level__in=(Level.ADVANCED, Level.SPEARHEAD))
    counts: dict[str, Any] = {}
    for category in CATEGORIES:
        mine = Q(category=category)
        counts[f"{category}__tenders"] = Count("tender", filter=mine, distinct=True)
        for kind in KINDS:
            counts[f"{category}__{kind}"] = Count(
                "tender", filter=mine & Q(kind=kind), distinct=True
            )
        counts[f"{category}__advanced_or_spearhead"] = Count(
            "tender", filter=mine & spearhead, distinct=True
        )
    found = criteria.aggregate(**counts)
    weights = _award_weight_shares(counted)
    result: dict[str, Any] = {}
    for category in CATEGORIES:
        with_it = found[f"{category}__tenders"]
        result[str(category)] = {
            "tenders": with_it,
            "share": _text(share(with_it, published)),
            **{str(kind): found[f"{category}__{kind}"] for kind in KINDS},
            "advanced_or_spearhead": found[f"{category}__advanced_or_spearhead"],
            "award_weight_share": _text(weights.get(category)),
        }
    return result


def _award_weight_shares(counted: QuerySet) -> dict[str, Decimal | None]:
    """Per category, over the period's weighted tenders: the mean of (the weights of the
    category's award criteria / the total weight, price included)."""
    award = Q(tender_criteria__kind=Kind.AWARD)
    rows = (
        counted.filter(evaluation__method__in=WEIGHTED_METHODS)
        .annotate(
            total=Sum("tender_criteria__weight", filter=award),
            **{
                f"w_{category}": Sum(
                    "tender_criteria__weight",
                    filter=award & Q(tender_criteria__category=category),
                )
                for category in CATEGORIES
            },
        )
        .values("evaluation", "total", *(f"w_{category}" for category in CATEGORIES))
    )
    sums: dict[str, Decimal] = defaultdict(Decimal)
    tenders = 0
    for row in rows:
        price = Decimal(str((row["evaluation"] or {}).get("price_weight") or 0))
        total = price + (row["total"] or 0)
        if not total:
            continue
        tenders += 1
        for category in CATEGORIES:
            sums[category] += Decimal(row[f"w_{category}"] or 0) / total
    return {category: share(sums[category], tenders) for category in CATEGORIES}


def _bids(final_bids: QuerySet) -> dict[str, Any]:
    counts = final_bids.aggregate(
        submitted=Count("pk"),
        non_profit=Count("pk", filter=Q(supplier_facts__non_profit=True)),
        **{name: Count("pk", filter=Q(supplier_facts__sme_class=name)) for name in SME_CLASSES},
    )
    classed = {name: counts[name] for name in SME_CLASSES}
    return {
        "submitted": counts["submitted"],
        "by_sme_class": {**classed, "unknown": counts["submitted"] - sum(classed.values())},
        "non_profit": counts["non_profit"],
    }


def _winners(organization: Organization, start: dt.datetime, end: dt.datetime) -> QuerySet:
    return AwardedBid.objects.filter(
        award__tender__organization=organization,
        award__decided_at__gte=start,
        award__decided_at__lt=end,
    )


def _awards(organization: Organization, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Per awarded lot: its value is the sum of its winning bids' prices (a framework
    agreement with several suppliers names several); a lot counts as won by an SME (a
    non-profit) when one of its winners was one at submission."""
    rows = (
        _winners(organization, start, end)
        .values("award", "lot", "award__tender__currency")
        .annotate(
            value=Sum("bid__price_amount"),
            sme=Count("pk", filter=Q(bid__supplier_facts__sme_class__in=SME)),
            non_profit=Count("pk", filter=Q(bid__supplier_facts__non_profit=True)),
        )
        .order_by()
    )
    currency = organization.currency
    lots = sme_lots = non_profit_lots = 0
    value = sme_value = non_profit_value = Decimal(0)
    elsewhere: dict[str, dict[str, Any]] = {}
    for row in rows:
        amount = row["value"] or Decimal(0)
        if row["award__tender__currency"] != currency:
            other = elsewhere.setdefault(
                row["award__tender__currency"], {"lots": 0, "amount": Decimal(0)}
            )
            other["lots"] += 1
            other["amount"] += amount
            continue
        lots += 1
        value += amount
        if row["sme"]:
            sme_lots += 1
            sme_value += amount
        if row["non_profit"]:
            non_profit_lots += 1
            non_profit_value += amount
    money = Decimal("0.01")
    return {
        "lots": lots,
        "value": {"amount": format(value.quantize(money), "f"), "currency": currency},
        "sme": {
            "lots": sme_lots,
            "share": _text(share(sme_lots, lots)),
            "value_share": _text(share(sme_value, value)),
        },
        "non_profit": {
            "lots": non_profit_lots,
            "share": _text(share(non_profit_lots, lots)),
            "value_share": _text(share(non_profit_value, value)),
        },
        "other_currencies": [
            {
                "currency": code,
                "lots": other["lots"],
                "value": {"amount": format(other["amount"].quantize(money), "f"), "currency": code},
            }
            for code, other in sorted(elsewhere.items())
        ],
    }


def actual_of(metric: str, category: str, report: dict[str, Any]) -> str | None:
    """The report's figure a target of ``metric`` is measured against."""
    if metric == Metric.CATEGORY_SHARE:
        return report["categories"].get(category, {}).get("share")
    if metric == Metric.AWARD_WEIGHT_SHARE:
        return report["categories"].get(category, {}).get("award_weight_share")
    if metric == Metric.SME_AWARD_SHARE:
        return report["awards"]["sme"]["share"]
    if metric == Metric.NON_PROFIT_AWARD_SHARE:
        return report["awards"]["non_profit"]["share"]
    if metric == Metric.SINGLE_BID_SHARE:
        return _text(share(report["tenders"]["single_bid"], report["tenders"]["opened"]))
    return None


def _targets(organization: Organization, period: Period, report: dict[str, Any]) -> list[dict]:
    found = []
    targets = FollowUpTarget.objects.filter(
        organization=organization, year__gte=period.start.year, year__lte=period.end.year
    ).order_by("year", "metric", "category")
    for target in targets:
        actual = actual_of(target.metric, target.category, report)
        met = None
        if actual is not None:
            reached = Decimal(actual)
            met = (
                reached <= target.target
                if target.metric in CEILING_METRICS
                else reached >= target.target
            )
        found.append(
            {
                "id": str(target.pk),
                "year": target.year,
                "metric": target.metric,
                **({"category": target.category} if target.metric in CATEGORY_METRICS else {}),
                "target": format(target.target, "f"),
                "ceiling": target.metric in CEILING_METRICS,
                "actual": actual,
                "met": met,
                "note": target.note,
            }
        )
    return found


def _explain(
    organization: Organization,
    in_period: QuerySet,
    counted: QuerySet,
    opened: QuerySet,
    divided: QuerySet,
    single: QuerySet,
    final_bids: QuerySet,
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, Any]:
    """What each figure counts, by id (tenders, bids, awards and lots)."""
    criteria = TenderCriterion.objects.filter(tender__in=counted).values_list(
        "tender_id", "category", "kind", "level"
    )
    by_category: dict[str, dict[str, set[str]]] = {str(c): defaultdict(set) for c in CATEGORIES}
    for tender_id, category, kind, level in criteria:
        if category not in by_category:
            continue
        entry = by_category[category]
        entry["tenders"].add(str(tender_id))
        entry[kind].add(str(tender_id))
        if level in (Level.ADVANCED, Level.SPEARHEAD):
            entry["advanced_or_spearhead"].add(str(tender_id))
    facts = list(final_bids.values_list("pk", "supplier_facts"))
    lots: dict[tuple[str, str], dict[str, Any]] = {}
    for award, lot, bid, supplier in _winners(organization, start, end).values_list(
        "award", "lot", "bid", "bid__supplier_facts"
    ):
        won = lots.setdefault(
            (str(award), str(lot)),
            {"award": str(award), "lot": str(lot), "bids": [], "sme": False, "non_profit": False},
        )
        won["bids"].append(str(bid))
        won["sme"] = won["sme"] or (supplier or {}).get("sme_class") in SME
        won["non_profit"] = won["non_profit"] or bool((supplier or {}).get("non_profit"))
    awarded = [{**entry, "bids": sorted(entry["bids"])} for _key, entry in sorted(lots.items())]
    return {
        "tenders": {
            "published": _ids(counted),
            "cancelled": _ids(in_period.filter(status=Tender.Status.CANCELLED)),
            "divided_into_lots": _ids(divided),
            "opened": _ids(opened),
            "single_bid": _ids(single),
        },
        "categories": {
            category: {
                key: sorted(entry.get(key, set()))
                for key in ("tenders", *map(str, KINDS), "advanced_or_spearhead")
            }
            for category, entry in by_category.items()
        },
        "bids": {
            "submitted": sorted(str(pk) for pk, _facts in facts),
            "by_sme_class": {
                name: sorted(str(pk) for pk, f in facts if (f or {}).get("sme_class") == name)
                for name in SME_CLASSES
            },
            "non_profit": sorted(str(pk) for pk, f in facts if (f or {}).get("non_profit")),
        },
        "awards": {
            "lots": [{k: e[k] for k in ("award", "lot", "bids")} for e in awarded],
            "sme": [{k: e[k] for k in ("award", "lot", "bids")} for e in awarded if e["sme"]],
            "non_profit": [
                {k: e[k] for k in ("award", "lot", "bids")} for e in awarded if e["non_profit"]
            ],
        },
    }
