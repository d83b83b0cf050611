"""A tender as an OCDS 1.1 release package (Open Contracting Data Standard).

In scoring, the highest domain app: a release reads the tender (procurement), its criteria
(criteria) and the award (scoring).

Publishes what is public: the tender, its lots, CPV items, award criteria with their weights or
values, and, after the award decision, the awards and bid statistics (the count of bids; the
losing bids' details stay out, as in the API). Extensions used: lots, bids, awardCriteria
(details) and the sustainability codelists of the criteria library where a mapping exists.
"""

import json
import re
from typing import Any

from django.utils import timezone

from audit.chain import to_json_value, utc_text
from criteria.models import TenderCriterion
from procurement.models import Bid, Tender
from scoring.models import Award

OCID_PREFIX = "ocds-anbud"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteria_extension/master/extension.json",
]
STATUS = {
    "draft": "planning",
    "published": "active",
    "closed": "active",
    "opening": "active",
    "opened": "active",
    "evaluated": "active",
    "awarded": "complete",
    "cancelled": "cancelled",
}
METHOD = {"open": "open", "restricted": "selective", "simplified": "open"}
AWARD_CRITERIA = {
    "lowest_price": "priceOnly",
    "lowest_cost": "costOnly",
    "weighted_points": "ratedCriteria",
    "added_value": "ratedCriteria",
    "value_for_money": "ratedCriteria",
}


def _iso(value) -> str | None:
    return utc_text(value) if value else None


# OCDS amounts are JSON numbers. Floats would round them, so the exact decimal text is marked
# while building and written as a bare number by ``render`` (byte-exact, no float anywhere).
_NUMBER = re.compile(r'"@number:(-?\d+(?:\.\d+)?)"')


def _number(amount) -> str | None:
    return None if amount is None else f"@number:{format(amount.normalize(), 'f')}"


def _money(amount, currency) -> dict | None:
    return None if amount is None else {"amount": _number(amount), "currency": currency}


def release_package(tender: Tender) -> dict[str, Any]:
    ocid = f"{OCID_PREFIX}-{tender.pk}"
    buyer = {"id": str(tender.organization_id), "name": tender.organization.name}
    lots = list(tender.lots.all().order_by("number"))
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    award = Award.objects.filter(tender=tender).first()
    parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{tender.version}",
        "date": _iso(tender.updated_at),
        "tag": ["tender"] if award is None else ["tender", "award"],
        "initiationType": "tender",
        "language": "sv",
        "buyer": buyer,
        "tender": {
            "id": tender.reference,
            "title": tender.title,
            "description": tender.description,
            "status": STATUS.get(tender.effective_status, "active"),
            "procurementMethod": METHOD.get(
                tender.procedure, "limited" if tender.procedure == "negotiated" else "selective"
            ),
            "procurementMethodDetails": tender.get_procedure_display(),
            "mainProcurementCategory": "goods",
            "value": _money(tender.estimated_value, tender.currency),
            "tenderPeriod": {
                "startDate": _iso(tender.published_at),
                "endDate": _iso(tender.submission_deadline),
            },
            "items": [
                {"id": str(i + 1), "classification": {"scheme": "CPV", "id": code}}
                for i, code in enumerate(tender.cpv_codes or [])
            ],
            "lots": [
                {
                    "id": str(lot.pk),
                    "title": lot.title,
                    "description": lot.description,
                    "value": _money(lot.estimated_value, tender.currency),
                }
                for lot in lots
            ],
            "lotDetails": {"noLotsReason": tender.no_lots_reason}
            if tender.no_lots_reason
            else None,
            "awardCriteria": AWARD_CRITERIA.get(
                (tender.evaluation or {}).get("method", "lowest_price")
            ),
            "awardCriteriaDetails": f"Anbud evaluation: {(tender.evaluation or {}).get('method', 'lowest_price')}",
            "awardCriteriaItems": [
                {
                    "id": tc.code,
                    "description": tc.title,
                    "type": tc.category,
                    "kind": tc.kind,
                    "relatedLot": str(tc.lot_id) if tc.lot_id else None,
                    "weight": _number(tc.weight),
                    "value": _money(tc.value, tender.currency),
                }
                for tc in criteria
            ],
        },
    }
    if tender.status in (Tender.Status.OPENED, Tender.Status.EVALUATED, Tender.Status.AWARDED):
        submitted = Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED)
        release["bids"] = {
            "statistics": [
                {"id": "1", "measure": "validBids", "value": submitted.count()},
                *[
                    {
                        "id": f"lot-{lot.number}",
                        "measure": "bids",
                        "value": submitted.filter(lot=lot).count(),
                        "relatedLot": str(lot.pk),
                    }
                    for lot in lots
                ],
            ]
        }
    if award is not None:
        winners = {
            str(b.pk): b
            for b in Bid.objects.filter(
                pk__in=[bid for item in award.lots for bid in item["bids"]]
            ).select_related("supplier")
        }
        release["awards"] = []
        for item in award.lots:
            for bid_id in item["bids"]:
                bid = winners[bid_id]
                parties.append(
                    {
                        "id": str(bid.supplier_id),
                        "name": bid.supplier.name,
                        "roles": ["tenderer", "supplier"],
                    }
                )
                release["awards"].append(
                    {
                        "id": f"{award.pk}-{bid_id[:8]}",
                        "status": "active",
                        "date": _iso(award.decided_at),
                        "value": _money(bid.price_amount, tender.currency),
                        "suppliers": [{"id": str(bid.supplier_id), "name": bid.supplier.name}],
                        "relatedLots": [item["lot"]],
                        "relatedBid": bid_id,
                    }
                )
    release["parties"] = parties
    return to_json_value(
        {
            "uri": f"/api/v1/tenders/{tender.pk}/ocds/",
            "version": "1.1",
            "publishedDate": _iso(timezone.now()),
            "publisher": {"name": tender.organization.name},
            "extensions": EXTENSIONS,
            "releases": [release],
        }
    )


def render(tender: Tender) -> str:
    """The release package as JSON text with exact decimal numbers."""
    text = json.dumps(release_package(tender), ensure_ascii=False, sort_keys=True)
    return _NUMBER.sub(r"\1", text)
