"""Checks before publishing: what an officer sees as errors (block) or warnings (inform).

Each check is {"severity", "code", "object", "message": {"sv", "en"}} (API.md). The criteria
app adds the checks on criteria, weights and methods (``criteria.checks``) through
``procurement.extensions``.
"""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from procurement import extensions
from procurement.models import MINIMUM_TENDER_DAYS, Tender


def check(severity: str, code: str, obj: Any, sv: str, en: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "object": obj, "message": {"sv": sv, "en": en}}


def tender_checks(tender: Tender, *, now=None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    found = []
    obj = {"type": "tender", "id": str(tender.pk)}
    if tender.submission_deadline <= now:
        found.append(
            check(
                "error",
                "deadline_in_past",
                obj,
                "Sista anbudsdag har redan passerat.",
                "The submission deadline has already passed.",
            )
        )
    else:
        minimum = MINIMUM_TENDER_DAYS.get(tender.procedure, 0)
        if tender.submission_deadline - now < timedelta(days=minimum):
            found.append(
                check(
                    "warning",
                    "deadline_shorter_than_minimum",
                    obj,
                    f"Anbudstiden är kortare än minimitiden {minimum} dagar för förfarandet; "
                    "ange skälen för en kortare tid i upphandlingsdokumenten.",
                    f"The time for tenders is shorter than the minimum of {minimum} days for "
                    "this procedure; state the grounds for a shorter time in the documents.",
                )
            )
    lots = list(tender.lots.all())
    if len(lots) <= 1 and not tender.no_lots_reason.strip():
        found.append(
            check(
                "warning",
                "single_lot_without_reason",
                obj,
                "Upphandlingen är inte uppdelad i delkontrakt och skälet anges inte (LOU 4 kap. "
                "12 §, art. 46).",
                "The tender is not divided into lots and no reason is given (art. 46).",
            )
        )
    for lot in lots:
        if (
            lot.minimum_turnover is not None
            and lot.estimated_value is not None
            and lot.minimum_turnover > 2 * lot.estimated_value
        ):
            found.append(
                check(
                    "error",
                    "minimum_turnover_too_high",
                    {"type": "lot", "id": str(lot.pk)},
                    f"Krav på omsättning för delkontrakt {lot.number} är mer än dubbla "
                    "kontraktsvärdet (art. 58.3).",
                    f"The minimum turnover for lot {lot.number} is more than twice its "
                    "estimated value (art. 58(3)).",
                )
            )
    return found


def all_checks(tender: Tender, *, now=None) -> list[dict[str, Any]]:
    return tender_checks(tender, now=now) + extensions.publish_checks(tender)
