"""A bid's answers to its tender's criteria: validated against each criterion's rule and
stored, and the ones still missing. procurement's bid services call these through
``procurement.extensions`` (procurement sits below criteria)."""

from typing import Any

from django.utils.translation import gettext as _

from criteria.models import Kind, Source, TenderCriterion
from criteria.rules import answer_error
from procurement.errors import InvalidInput, field_error
from procurement.models import Bid, BidResponse


def set_responses(bid: Bid, responses: list[dict[str, Any]]) -> None:
    """Validate a bid's answers against its tender's criteria (lot, source, rule) and store
    them in place of the earlier ones; all errors at once (400), nothing stored then."""
    applicable = {
        str(tc.pk): tc
        for tc in TenderCriterion.objects.filter(tender_id=bid.tender_id)
        if tc.lot_id in (None, bid.lot_id)
    }
    errors = []
    seen = set()
    for i, item in enumerate(responses):
        key = str(item["tender_criterion"])
        if key not in applicable:
            errors.append(
                field_error(
                    f"/responses/{i}/tender_criterion",
                    "unknown_criterion",
                    _("Not a criterion of this tender and lot."),
                )
            )
        elif key in seen:
            errors.append(
                field_error(f"/responses/{i}/tender_criterion", "duplicate", _("Answered twice."))
            )
        elif applicable[key].source == Source.SUPPLIER_PROFILE:
            errors.append(
                field_error(
                    f"/responses/{i}/tender_criterion",
                    "read_from_profile",
                    _("%(code)s is read from your organisation's profile, not answered.")
                    % {"code": applicable[key].code},
                )
            )
        else:
            problem = answer_error(applicable[key].rule, item.get("value"))
            if problem is not None:
                errors.append(
                    field_error(
                        f"/responses/{i}/value",
                        problem["code"],
                        f"{applicable[key].code}: {problem['message']}",
                    )
                )
        seen.add(key)
    if errors:
        raise InvalidInput(
            _("Some responses do not fit the tender."), code="invalid_responses", errors=errors
        )
    BidResponse.objects.filter(bid=bid).delete()
    BidResponse.objects.bulk_create(
        [
            BidResponse(
                bid=bid,
                tender_criterion=applicable[str(item["tender_criterion"])],
                value=item.get("value"),
            )
            for item in responses
        ]
    )


def missing_answers(bid: Bid) -> list[dict[str, str]]:
    """The requirements and award criteria of the bid's lot that it has not answered."""
    answered = {r.tender_criterion_id for r in bid.responses.all()}
    missing = []
    for tc in TenderCriterion.objects.filter(tender_id=bid.tender_id).order_by("position", "code"):
        if tc.lot_id not in (None, bid.lot_id) or tc.source == Source.SUPPLIER_PROFILE:
            continue
        if tc.kind in (Kind.REQUIREMENT, Kind.AWARD) and tc.pk not in answered:
            missing.append({"tender_criterion": str(tc.pk), "code": tc.code, "title": tc.title})
    return missing
