"""A tender as OCDS 1.1.5 releases (Open Contracting Data Standard), with the lots, bid, award
criteria and sustainability extensions (their URLs pinned in ``EXTENSIONS``).

Each release is built for one lifecycle milestone (``Stage``), from the tender's data and what
the public may see at that stage (``public_view``): the tender, its lots, CPV items and award
criteria from publication on; bid statistics from the opening on; the awards, the winning bids
and their suppliers from the award decision on. Nothing sealed ever appears: no bid before the
opening (not even a count), no price of a losing bid, no score, no document of a bid.

Where things go (and what OCDS has no place for):

- **Award criteria** (awardCriteria extension): per lot, ``lots[].awardCriteria.criteria`` with
  the price (or cost) criterion and each scored criterion that applies to the lot (the tender's
  own and the lot's). ``weighted_points``: weights are points out of 100, price included
  (``numbers[].weight = "percentageExact"``). ``value_for_money``: quality points
  (``pointsExact``); the price divides them, which ``weightingDescription`` says.
  ``added_value`` and ``lowest_cost`` with criteria: the criteria are worth money (or a
  percentage surcharge), which has no weight code, so ``weightingDescription`` lists the values
  in words. ``tender.awardCriteria`` is the core code (priceOnly, costOnly, ratedCriteria).
- **Requirements** about the supplier (read from its profile) are written in
  ``tender.eligibilityCriteria`` (core, text). Requirements on the bid (technical
  specifications) and contract conditions have no field in OCDS 1.1.5 with these extensions:
  they are left out, and show only as the sustainability strategies they pursue.
- **Sustainability** (sustainability extension): per tender and per lot, one entry per goal
  with the strategies of the criteria that pursue it. Categories to goals: environmental ->
  ``environmental``; social -> ``social``; animal_welfare -> ``social`` (as the shared criteria
  library publishes it: the codelist has no animal-welfare goal); small_supplier ->
  ``social.smeInclusion``; quality -> none. Kinds to strategies: award -> ``awardCriteria``;
  contract_condition -> ``contractPerformanceConditions``; requirement -> ``selectionCriteria``
  when it reads the supplier's profile, else ``technicalSpecifications``.
- **Awards**: one per awarded lot, ``status: "pending"`` (the standstill period, during which
  the award is not yet in force), the winners as parties (``tenderer``, ``supplier``) with
  their identifier (Swedish organisation numbers: scheme ``SE-BLV``) and SME scale
  (``details.scale``: micro, sme or large, from the facts the bid was submitted with). The end
  of the standstill period has no field of its own: it is a tender milestone
  (``code: "standstillPeriod"``, ``type: "approval"``, ``dueDate``, ``relatedLots``), not
  ``contractPeriod`` (the contract's own period, unknown until it is signed).
- **Bids** (bid extension): statistics (count of bids, per lot) after the opening; the details
  of the winning bids (tenderer, price, lot) after the award. The losing bids' details stay
  out, as in the API.
- The reason for not dividing into lots has no field and is left out.
- **Contracts** (from the contract follow-up's events: ``contract`` on signing,
  ``implementation`` when a check is reviewed or turns overdue, ``contractTermination``):
  one per signed lot, ``awardID`` the lot's award (which turns ``active``), ``status``
  ``active`` or ``terminated`` (ended or terminated), ``period``, ``value``, ``dateSigned``,
  and ``implementation.milestones``, one per check requested by the release's date: its
  commitment's title, ``type: "reporting"``, ``dueDate`` (the end of the due day), ``status``
  ``met``, ``notMet`` (a deviation, or overdue) or ``scheduled`` (requested, or answered and
  not yet reviewed). Never the supplier's answer, statement or evidence files, nor the
  officer's request or review notes, nor the deviations' texts or sanctions.
"""

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import translation

from contracts import schedule
from contracts import selectors as contract_selectors
from contracts.models import Check, Contract
from criteria.models import Category, Kind, Source, TenderCriterion
from procurement.models import Bid, Organization, Procedure, Tender
from scoring.models import Award

# The extensions the releases use, at pinned commits (the versions of the copies in
# publication/schema/ that the output is validated against).
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/8d3b52eb26ce0f1a015c91b665c120b17ef619a0/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/d62ff4b0ba393d823ca8113a9039b12edf7acb8f/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_awardCriteria_extension/9391240f353e8536992938fe9f7987cd89235331/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/b8d93a0edb8e0ac2f27f733cccf3884e392346e9/extension.json",
]
OCDS_VERSION = "1.1"


class Stage(enum.IntEnum):
    """How far a tender had come at a milestone: what the public may see of it."""

    PLANNING = 0  # a draft: only its own staff's preview, never published
    PUBLISHED = 1
    OPENED = 2
    EVALUATED = 3
    AWARDED = 4
    CANCELLED = 9


# Audit actions that are milestones, with the tag of their release and the stage they reach.
MILESTONES: dict[str, tuple[str, Stage]] = {
    "tender.published": ("tender", Stage.PUBLISHED),
    "tender.amended": ("tenderAmendment", Stage.PUBLISHED),
    "tender.opened": ("tenderUpdate", Stage.OPENED),
    "evaluation.completed": ("tenderUpdate", Stage.EVALUATED),
    "tender.awarded": ("award", Stage.AWARDED),
    "tender.cancelled": ("tenderCancellation", Stage.CANCELLED),
    # The contract follow-up (API.md, "Third wave"): the contracts and their checks.
    "contract.signed": ("contract", Stage.AWARDED),
    "contract.check_reviewed": ("implementation", Stage.AWARDED),
    "contract.check_overdue": ("implementation", Stage.AWARDED),
    "contract.terminated": ("contractTermination", Stage.AWARDED),
}
# The tags of the releases that carry the contracts.
CONTRACT_TAGS = frozenset(
    {"contract", "implementation", "contractAmendment", "contractTermination"}
)

METHOD = {
    Procedure.OPEN: "open",
    Procedure.SIMPLIFIED: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.NEGOTIATED: "selective",
    Procedure.COMPETITIVE_DIALOGUE: "selective",
    Procedure.INNOVATION_PARTNERSHIP: "selective",
}
GOALS = {
    Category.ENVIRONMENTAL: "environmental",
    Category.SOCIAL: "social",
    Category.ANIMAL_WELFARE: "social",
    Category.SMALL_SUPPLIER: "social.smeInclusion",
}
SME_SCALE = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}
# Organisation identifier schemes (org-id.guide) by country: the Swedish companies register.
IDENTIFIER_SCHEMES = {"SE": "SE-BLV"}
# The language of a buyer's texts by its country; ANBUD_OCDS_LANGUAGE otherwise.
COUNTRY_LANGUAGES = {"SE": "sv", "NO": "nb", "DK": "da", "IS": "is", "FI": "fi"}


def ocid_for(tender_id: Any) -> str:
    return f"{settings.OCDS_PREFIX}-{tender_id}"


def iso(value: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second."""
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def main_category(cpv_codes: list[str]) -> str | None:
    """From the main (first) CPV code: division 45 is works, 50-98 services, else goods."""
    for code in cpv_codes or ():
        digits = "".join(ch for ch in str(code) if ch.isdigit())
        if len(digits) >= 2:
            division = int(digits[:2])
            if division == 45:
                return "works"
            if 50 <= division <= 98:
                return "services"
            return "goods"
    return None


def language_of(tender: Tender) -> str:
    return COUNTRY_LANGUAGES.get(tender.organization.country, settings.ANBUD_OCDS_LANGUAGE)


def _text(value: str) -> str | None:
    value = (value or "").strip()
    return value or None


def _clean(data: Any) -> Any:
    """Without the empty: OCDS wants a field omitted rather than null, "" or []."""
    if isinstance(data, dict):
        cleaned = {k: _clean(v) for k, v in data.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(data, list):
        return [item for item in (_clean(v) for v in data) if item not in (None, "", [], {})]
    return data


def party_for(org: Organization, roles: list[str], scale: str | None = None) -> dict[str, Any]:
    party: dict[str, Any] = {"id": str(org.pk), "name": org.name, "roles": roles}
    scheme = IDENTIFIER_SCHEMES.get(org.country or "SE")
    if org.org_number and scheme:
        party["identifier"] = {"scheme": scheme, "id": org.org_number, "legalName": org.name}
    if scale:
        party["details"] = {"scale": scale}
    return party


@dataclass(frozen=True)
class PublicView:
    """What the public sees of a tender at a stage: the one projection OCDS renders."""

    stage: Stage
    statistics: bool  # counts of bids: after the opening
    award: Award | None  # the decision and its winners: after it is made


def public_view(tender: Tender, stage: Stage, previous_status: str = "") -> PublicView:
    opened = stage in (Stage.OPENED, Stage.EVALUATED, Stage.AWARDED) or (
        stage == Stage.CANCELLED
        and previous_status in (Tender.Status.OPENED, Tender.Status.EVALUATED)
    )
    award = None
    if stage == Stage.AWARDED:
        award = Award.objects.filter(tender=tender).first()
    # The milestone says the bids were opened; the opening time on the tender confirms it.
    return PublicView(stage=stage, statistics=opened and tender.opened_at is not None, award=award)


def _criteria_by_lot(criteria: list[TenderCriterion], lot_id: Any) -> list[TenderCriterion]:
    return [tc for tc in criteria if tc.lot_id is None or tc.lot_id == lot_id]


def _title(tc: TenderCriterion, language: str) -> str:
    return (tc.title_en if language == "en" and tc.title_en else tc.title) or tc.code


def _sustainability(criteria: list[TenderCriterion]) -> list[dict[str, Any]]:
    strategies: dict[str, set[str]] = defaultdict(set)
    for tc in criteria:
        goal = GOALS.get(tc.category)  # type: ignore[call-overload]  # a stored choice
        if goal is None:
            continue
        if tc.kind == Kind.AWARD:
            strategies[goal].add("awardCriteria")
        elif tc.kind == Kind.CONTRACT_CONDITION:
            strategies[goal].add("contractPerformanceConditions")
        elif tc.source == Source.SUPPLIER_PROFILE:
            strategies[goal].add("selectionCriteria")
        else:
            strategies[goal].add("technicalSpecifications")
    return [
        {"goal": goal, "strategies": sorted(found)} for goal, found in sorted(strategies.items())
    ]


def _award_criteria(
    tender: Tender, criteria: list[TenderCriterion], language: str
) -> dict[str, Any]:
    """The lot's award criteria (awardCriteria extension): price or cost, then the scored."""
    evaluation = tender.evaluation or {}
    method = evaluation.get("method", "lowest_price")
    scored = [tc for tc in criteria if tc.kind == Kind.AWARD]
    items: list[dict[str, Any]] = []
    description = None
    price_name = translation.gettext("Price")
    if method == "lowest_price":
        items.append(
            {
                "type": "price",
                "name": price_name,
                "description": translation.gettext("The lowest price wins."),
                "numbers": [{"number": Decimal(100), "weight": "percentageExact"}],
            }
        )
    elif method == "weighted_points":
        price_weight = Decimal(str(evaluation.get("price_weight") or 0))
        items.append(
            {
                "type": "price",
                "name": price_name,
                "numbers": [{"number": price_weight, "weight": "percentageExact"}],
            }
        )
        for tc in scored:
            items.append(
                {
                    "type": "quality",
                    "name": _title(tc, language),
                    "numbers": [{"number": tc.weight, "weight": "percentageExact"}]
                    if tc.weight is not None
                    else [],
                }
            )
        description = translation.gettext(
            "Points out of 100, price included: total = price weight x price score + the sum "
            "of each criterion's weight x its score."
        )
    elif method == "value_for_money":
        items.append(
            {
                "type": "price",
                "name": price_name,
                "description": translation.gettext(
                    "The quality points are divided by the price in millions."
                ),
            }
        )
        for tc in scored:
            items.append(
                {
                    "type": "quality",
                    "name": _title(tc, language),
                    "numbers": [{"number": tc.weight, "weight": "pointsExact"}]
                    if tc.weight is not None
                    else [],
                }
            )
        description = translation.gettext(
            "Quality points per million of price: the sum of each criterion's weight x its "
            "score, divided by the price in millions; the highest wins."
        )
    else:  # added_value, lowest_cost: criteria are worth money (or a percentage)
        if method == "lowest_cost":
            items.append(
                {
                    "type": "cost",
                    "name": translation.gettext("Life-cycle cost"),
                    "description": translation.gettext(
                        "Acquisition, operating, CO2 and end-of-life costs over %(years)s "
                        "years, discounted."
                    )
                    % {"years": evaluation.get("lifetime_years") or "-"},
                }
            )
        else:
            items.append({"type": "price", "name": price_name})
        worth = []
        for tc in scored:
            items.append({"type": "quality", "name": _title(tc, language)})
            if tc.value is not None:
                worth.append(f"{_title(tc, language)}: {format(tc.value, 'f')} {tender.currency}")
            elif tc.percent is not None:
                worth.append(f"{_title(tc, language)}: {format(tc.percent, 'f')} %")
        if worth:
            description = translation.gettext(
                "The comparison price is the price less the value of what each criterion is "
                "met to (added value): %(values)s."
            ) % {"values": "; ".join(worth)}
    return {"weightingDescription": description, "criteria": items}


def _core_award_criteria(tender: Tender, criteria: list[TenderCriterion]) -> str:
    method = (tender.evaluation or {}).get("method", "lowest_price")
    has_scored = any(tc.kind == Kind.AWARD for tc in criteria)
    if method == "lowest_price":
        return "priceOnly"
    if method == "lowest_cost" and not has_scored:
        return "costOnly"
    return "ratedCriteria"


def _status(stage: Stage) -> str:
    if stage == Stage.PLANNING:
        return "planning"
    if stage == Stage.CANCELLED:
        return "cancelled"
    if stage == Stage.AWARDED:
        return "complete"
    return "active"


def build_release(
    tender: Tender,
    *,
    release_id: str,
    date: dt.datetime,
    tag: str,
    stage: Stage,
    previous_status: str = "",
    amendments: int | None = None,
) -> dict[str, Any]:
    """The release of ``tender`` at ``stage`` (amounts as Decimal: write with exactjson)."""
    language = language_of(tender)
    with translation.override("sv" if language == "sv" else "en"):
        return _clean(
            _build(tender, release_id, date, tag, stage, previous_status, amendments, language)
        )


def _build(
    tender: Tender,
    release_id: str,
    date: dt.datetime,
    tag: str,
    stage: Stage,
    previous_status: str,
    amendments: int | None,
    language: str,
) -> dict[str, Any]:
    view = public_view(tender, stage, previous_status)
    ocid = ocid_for(tender.pk)
    organization = tender.organization
    lots = list(tender.lots.all().order_by("number"))
    criteria = list(
        TenderCriterion.objects.filter(tender=tender).order_by("position", "created_at", "code")
    )
    buyer = {"id": str(organization.pk), "name": organization.name}
    parties: dict[str, dict[str, Any]] = {
        buyer["id"]: party_for(organization, ["buyer", "procuringEntity"])
    }
    eligibility = [
        _requirement(tc, lots, language)
        for tc in criteria
        if tc.kind == Kind.REQUIREMENT and tc.source == Source.SUPPLIER_PROFILE
    ]
    tender_part: dict[str, Any] = {
        "id": tender.reference,
        "title": tender.title,
        "description": _text(tender.description),
        "status": _status(stage),
        "procuringEntity": buyer,
        "procurementMethod": METHOD.get(tender.procedure, "selective"),  # type: ignore[call-overload]  # a stored choice
        "procurementMethodDetails": str(Procedure(tender.procedure).label),
        "mainProcurementCategory": main_category(tender.cpv_codes),
        "value": money(tender.estimated_value, tender.currency)
        if tender.estimated_value is not None
        else None,
        "tenderPeriod": {
            "startDate": iso(tender.published_at) if tender.published_at else None,
            "endDate": iso(tender.submission_deadline),
        },
        "submissionMethod": ["electronicSubmission"],
        "items": [
            {"id": str(i + 1), "classification": {"scheme": "CPV", "id": str(code)}}
            for i, code in enumerate(tender.cpv_codes or [])
        ],
        "awardCriteria": _core_award_criteria(tender, criteria),
        "eligibilityCriteria": "; ".join(eligibility) or None,
        "lots": [
            {
                "id": str(lot.pk),
                "title": lot.title,
                "description": _text(lot.description),
                "status": _status(stage),
                "value": money(lot.estimated_value, tender.currency)
                if lot.estimated_value is not None
                else None,
                "awardCriteria": _award_criteria(
                    tender, _criteria_by_lot(criteria, lot.pk), language
                ),
                "hasSustainability": bool(_sustainability(_criteria_by_lot(criteria, lot.pk))),
                "sustainability": _sustainability(_criteria_by_lot(criteria, lot.pk)),
            }
            for lot in lots
        ],
        "hasSustainability": bool(_sustainability(criteria)),
        "sustainability": _sustainability(criteria),
    }
    if amendments:
        tender_part["amendments"] = [
            {
                "id": str(a.number),
                "date": iso(a.created_at),
                "rationale": a.reason,
                "description": ", ".join(sorted(a.changes)),
            }
            for a in tender.amendments.filter(number__lte=amendments).order_by("number")
        ]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": iso(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": language,
        "buyer": buyer,
        "tender": tender_part,
    }
    if view.statistics:
        submitted = Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED)
        per_lot = {
            row["lot"]: row["n"]
            for row in submitted.values("lot").annotate(n=Count("id")).order_by()
        }
        tender_part["numberOfTenderers"] = submitted.values("supplier").distinct().count()
        release["bids"] = {
            "statistics": [
                {"id": "bids", "measure": "bids", "value": sum(per_lot.values())},
                *[
                    {
                        "id": f"bids-lot-{lot.number}",
                        "measure": "bids",
                        "value": per_lot.get(lot.pk, 0),
                        "relatedLot": str(lot.pk),
                    }
                    for lot in lots
                ],
            ]
        }
    if view.award is not None:
        _add_award(release, tender, view.award, lots, parties)
        if tag in CONTRACT_TAGS:
            _add_contracts(release, view.award, lots, date, language)
    release["parties"] = list(parties.values())
    return release


def _requirement(tc: TenderCriterion, lots: list, language: str) -> str:
    """A requirement on the supplier in words, with its lot when it is a lot's own."""
    if tc.lot_id is None:
        return _title(tc, language)
    number = next((lot.number for lot in lots if lot.pk == tc.lot_id), "?")
    return translation.gettext("%(requirement)s (lot %(number)s)") % {
        "requirement": _title(tc, language),
        "number": number,
    }


def _add_award(
    release: dict[str, Any],
    tender: Tender,
    award: Award,
    lots: list,
    parties: dict[str, dict[str, Any]],
) -> None:
    bid_ids = [bid for item in award.lots for bid in item["bids"]]
    bids = {
        str(b.pk): b for b in Bid.objects.filter(pk__in=bid_ids).select_related("supplier", "lot")
    }
    lot_by_id = {str(lot.pk): lot for lot in lots}
    awards = []
    details = []
    for item in award.lots:
        lot = lot_by_id.get(str(item["lot"]))
        winners = [bids[str(b)] for b in item["bids"] if str(b) in bids]
        suppliers = []
        for bid in winners:
            supplier = bid.supplier
            facts = bid.supplier_facts or {}
            scale = SME_SCALE.get(facts.get("sme_class") or supplier.sme_class or "")
            party = parties.get(str(supplier.pk))
            if party is None:
                parties[str(supplier.pk)] = party_for(supplier, ["tenderer", "supplier"], scale)
            else:  # a supplier that wins several lots is one party
                for role in ("tenderer", "supplier"):
                    if role not in party["roles"]:
                        party["roles"].append(role)
            suppliers.append({"id": str(supplier.pk), "name": supplier.name})
            details.append(
                {
                    "id": str(bid.pk),
                    "date": iso(bid.submitted_at) if bid.submitted_at else None,
                    "status": "valid",
                    "tenderers": [{"id": str(supplier.pk), "name": supplier.name}],
                    "value": money(bid.price_amount, tender.currency),
                    "relatedLots": [str(bid.lot_id)],
                }
            )
        total = sum((bid.price_amount for bid in winners), Decimal(0))
        awards.append(
            {
                "id": f"{award.pk}-{lot.number if lot else item['lot']}",
                "title": lot.title if lot else None,
                "status": "pending",
                "date": iso(award.decided_at),
                "value": money(total, tender.currency) if winners else None,
                "suppliers": suppliers,
                "relatedLots": [str(item["lot"])],
                "relatedBids": [str(bid.pk) for bid in winners],
            }
        )
    release["awards"] = awards
    if details:
        release.setdefault("bids", {})["details"] = details
    release["tender"]["milestones"] = [
        {
            "id": "standstill",
            "title": translation.gettext("End of the standstill period"),
            "type": "approval",
            "code": "standstillPeriod",
            "dueDate": iso(award.standstill_ends_at),
            "status": "scheduled",
            "relatedLots": [str(item["lot"]) for item in award.lots],
        }
    ]


def _end_of(day: dt.date) -> str:
    return iso(schedule.overdue_from(day) - dt.timedelta(seconds=1))


def _milestone_status(check: Check, date: dt.datetime) -> str:
    status = contract_selectors.check_status(check, date)
    if status == Check.Status.MET:
        return "met"
    if status in (Check.Status.DEVIATION, Check.Status.OVERDUE):
        return "notMet"
    return "scheduled"


def _add_contracts(
    release: dict[str, Any], award: Award, lots: list, date: dt.datetime, language: str
) -> None:
    """The tender's contracts signed by ``date``, each with its checks as milestones (counts
    and dates only: never an answer, a statement, a note or an evidence file)."""
    contracts = list(
        Contract.objects.filter(tender_id=award.tender_id, created_at__lte=date)
        .select_related("lot")
        .order_by("lot__number")
    )
    if not contracts:
        return
    checks: dict[Any, list[Check]] = defaultdict(list)
    for check in (
        Check.objects.filter(contract__in=contracts, requested_at__lte=date)
        .select_related("commitment")
        .order_by("due_on", "created_at")
    ):
        checks[check.contract_id].append(check)
    found = []
    for contract in contracts:
        milestones = []
        for check in checks[contract.pk]:
            commitment = check.commitment
            status = _milestone_status(check, date)
            changed = None
            if check.reviewed_at is not None and check.reviewed_at <= date:
                changed = check.reviewed_at
            elif status == "notMet":
                changed = schedule.overdue_from(check.due_on)
            milestones.append(
                {
                    "id": str(check.pk),
                    "title": (
                        commitment.title_en
                        if language == "en" and commitment.title_en
                        else commitment.title_sv
                    )
                    or commitment.code,
                    "type": "reporting",
                    "dueDate": _end_of(check.due_on),
                    "status": status,
                    "dateMet": iso(changed) if status == "met" and changed else None,
                    "dateModified": iso(changed) if changed else None,
                }
            )
        state = contract_selectors.contract_status(contract, date)
        found.append(
            {
                "id": str(contract.pk),
                "awardID": f"{award.pk}-{contract.lot.number}",
                "title": contract.reference,
                "status": "active" if state == Contract.Status.ACTIVE else "terminated",
                "period": {
                    "startDate": iso(schedule.start_of(contract.starts_on)),
                    "endDate": _end_of(contract.ends_on),
                },
                "value": money(contract.value_amount, contract.value_currency),
                "dateSigned": iso(schedule.start_of(contract.signed_on)),
                "implementation": {"milestones": milestones},
            }
        )
    release["contracts"] = found
    signed = {c["awardID"] for c in found}
    for entry in release.get("awards", []):
        if entry["id"] in signed:
            entry["status"] = "active"


def package_metadata(uri: str, published: dt.datetime | str | None) -> dict[str, Any]:
    """The fields of a release or record package, before its releases or records."""
    public = settings.ANBUD_PUBLIC_URL.rstrip("/")
    publisher = {"name": settings.OCDS_PUBLISHER_NAME, "uri": settings.OCDS_PUBLISHER_URI or public}
    if isinstance(published, dt.datetime):
        published = iso(published)
    return _clean(
        {
            "uri": uri if uri.startswith("http") else f"{public}{uri}",
            "version": OCDS_VERSION,
            "extensions": EXTENSIONS,
            "publishedDate": published,
            "publisher": publisher,
            "license": settings.OCDS_LICENSE,
            "publicationPolicy": settings.OCDS_PUBLICATION_POLICY,
        }
    )


def absolute(path: str) -> str:
    return f"{settings.ANBUD_PUBLIC_URL.rstrip('/')}{path}"
