"""Checks on a tender's criteria, weights and evaluation method before it is published
(DOMAIN.md, "Checks before publishing"). Errors block publishing; warnings inform."""

from decimal import Decimal, InvalidOperation
from typing import Any

from criteria.models import Kind, Source, TenderCriterion
from criteria.rules import IDENTITY_FIELDS, amount_field, rule_type


def _check(severity: str, code: str, obj: dict, sv: str, en: str) -> dict[str, Any]:
    return {"severity": severity, "code": code, "object": obj, "message": {"sv": sv, "en": en}}


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _sv(value: Decimal) -> str:
    """A number in a Swedish message: decimal comma, thin space between thousands."""
    whole, _dot, fraction = _fmt(value).partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    groups: list[str] = []
    while len(digits) > 3:
        digits, tail = digits[:-3], digits[-3:]
        groups.insert(0, tail)
    grouped = "\u00a0".join([digits, *groups])
    return f"{sign}{grouped}{',' + fraction if fraction else ''}"


def criteria_checks(tender) -> list[dict[str, Any]]:
    ev = tender.evaluation or {}
    method = ev.get("method", "lowest_price")
    t_obj = {"type": "tender", "id": str(tender.pk)}
    tcs = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    award = [tc for tc in tcs if tc.kind == Kind.AWARD]
    found: list[dict[str, Any]] = []

    def tc_obj(tc):
        return {"type": "tender_criterion", "id": str(tc.pk), "code": tc.code}

    for tc in award:
        if tc.source == Source.SUPPLIER_PROFILE and tc.profile_field in IDENTITY_FIELDS:
            found.append(
                _check(
                    "error",
                    "award_scores_supplier_identity",
                    tc_obj(tc),
                    f"{tc.code} poängsätter leverantörens storlek, ägande eller ursprung "
                    f"({tc.profile_field}); det är inte tillåtet. Använd delkontrakt, proportionerliga "
                    "krav, krav på underleverantörer eller reserverade kontrakt.",
                    f"{tc.code} scores the supplier's size, ownership or origin ({tc.profile_field}), "
                    "which is not allowed. Use lots, proportionate requirements, subcontracting or "
                    "reserved contracts instead.",
                )
            )

    if method == "lowest_price":
        for tc in award:
            found.append(
                _check(
                    "error",
                    "award_criterion_under_lowest_price",
                    tc_obj(tc),
                    f"{tc.code} är ett tilldelningskriterium men utvärderingen är lägsta pris; gör det "
                    "till ett krav eller välj en annan modell.",
                    f"{tc.code} is an award criterion but the method is lowest price; make it a "
                    "requirement or choose another method.",
                )
            )

    if method in ("weighted_points", "value_for_money"):
        found += _weight_checks(tender, ev, method, award, t_obj, tc_obj)

    if method == "added_value":
        mode = ev.get("mode")
        if not mode:
            found.append(
                _check(
                    "error",
                    "mode_missing",
                    t_obj,
                    "Ange mervärdesmodellens variant (mode).",
                    "Set the added-value mode (deduction, surcharge or percent_surcharge).",
                )
            )
        amount = amount_field(method, mode) or "value"
        for tc in award:
            if getattr(tc, amount) is None:
                found.append(
                    _check(
                        "error",
                        f"{amount}_missing",
                        tc_obj(tc),
                        f"{tc.code} saknar {'procentsats' if amount == 'percent' else 'mervärde i kronor'}.",
                        f"{tc.code} needs a {'percent' if amount == 'percent' else 'money value'}.",
                    )
                )

    if method == "lowest_cost":
        for name in ("lifetime_years", "discount_rate", "co2_price_per_tonne"):
            if ev.get(name) in (None, ""):
                found.append(
                    _check(
                        "error",
                        "lcc_parameter_missing",
                        {**t_obj, "field": name},
                        f"Livscykelkostnaden behöver {name}.",
                        f"The life-cycle cost needs {name}.",
                    )
                )
        for tc in award:
            if tc.value is None:
                found.append(
                    _check(
                        "error",
                        "value_missing",
                        tc_obj(tc),
                        f"{tc.code} saknar mervärde i kronor.",
                        f"{tc.code} needs a money value.",
                    )
                )

    codes = {tc.code for tc in tcs}
    for item in ev.get("tie_break") or []:
        if item.startswith("criterion:") and item.split(":", 1)[1] not in codes:
            found.append(
                _check(
                    "error",
                    "tie_break_unknown_criterion",
                    t_obj,
                    f"Särskiljningsregeln {item} avser inget kriterium i upphandlingen.",
                    f"The tie-break rule {item} names no criterion of this tender.",
                )
            )
    return found


def _weight_checks(tender, ev, method, award, t_obj, tc_obj) -> list[dict[str, Any]]:
    found = []
    price_weight = _dec(ev.get("price_weight")) if method == "weighted_points" else Decimal(0)
    missing_weight = [tc for tc in award if tc.weight is None]
    for tc in missing_weight:
        found.append(
            _check(
                "error",
                "weight_missing",
                tc_obj(tc),
                f"{tc.code} saknar vikt.",
                f"{tc.code} needs a weight.",
            )
        )
    if method == "weighted_points":
        if price_weight is None:
            found.append(
                _check(
                    "error",
                    "price_weight_missing",
                    t_obj,
                    "Ange prisets vikt.",
                    "Set the price weight.",
                )
            )
            price_weight = Decimal(0)
        scoring = ev.get("price_scoring")
        if not scoring:
            found.append(
                _check(
                    "error",
                    "price_scoring_missing",
                    t_obj,
                    "Ange hur priset poängsätts.",
                    "Set how price is scored.",
                )
            )
        elif scoring in ("proportional", "linear_range"):
            found.append(
                _check(
                    "warning",
                    "relative_price_scoring",
                    t_obj,
                    "Relativ prisutvärdering: ett anbuds prispoäng beror på de andra anbuden, så "
                    "ett tillkommande eller bortfallande anbud kan byta ordning på två andra. "
                    "Absolut prisutvärdering kan inte det.",
                    "Relative price scoring: a bid's price points depend on the other bids, so "
                    "adding or removing a bid can swap two others (rank reversal). Absolute "
                    "price scoring cannot.",
                )
            )
        elif scoring == "absolute":
            ceiling, floor = (
                _dec(ev.get("price_ceiling")),
                _dec(ev.get("price_floor")) or Decimal(0),
            )
            if ceiling is None:
                found.append(
                    _check(
                        "error",
                        "price_ceiling_missing",
                        t_obj,
                        "Absolut prisutvärdering behöver ett pristak.",
                        "Absolute price scoring needs a price ceiling.",
                    )
                )
            elif floor >= ceiling:
                found.append(
                    _check(
                        "error",
                        "price_floor_not_below_ceiling",
                        t_obj,
                        "Prisgolvet måste vara lägre än pristaket.",
                        "The price floor must be below the price ceiling.",
                    )
                )
            if floor > 0:
                found.append(
                    _check(
                        "warning",
                        "price_floor_above_zero",
                        t_obj,
                        f"Prisgolvet {_sv(floor)} gör prissänkningar under golvet värdelösa; "
                        "domstolar har underkänt det (HFD 2022 ref. 41).",
                        f"The price floor {_fmt(floor)} makes price cuts below it worthless, "
                        "which Swedish courts have rejected (HFD 2022 ref. 41).",
                    )
                )
    lots = list(tender.lots.all()) or [None]
    for lot in lots:
        applicable = [
            tc for tc in award if tc.lot_id is None or (lot is not None and tc.lot_id == lot.pk)
        ]
        total = (price_weight or Decimal(0)) + sum((tc.weight or Decimal(0)) for tc in applicable)
        if total != 100:
            several = lot is not None and len(lots) > 1
            where_sv = f" (delkontrakt {lot.number})" if several else ""
            where = f" (lot {lot.number})" if several else ""
            found.append(
                _check(
                    "error",
                    "weights_do_not_sum_to_100",
                    {"type": "lot", "id": str(lot.pk)} if lot is not None else t_obj,
                    f"Vikterna{where_sv} summerar till {_sv(total)}, inte 100.",
                    f"The weights{where} sum to {_fmt(total)}, not 100.",
                )
            )
        if method == "weighted_points" and applicable:
            discrete = [
                tc.weight
                for tc in applicable
                if tc.weight and rule_type(tc.rule) in ("boolean", "choice", "thresholds")
            ]
            if discrete and price_weight is not None and min(discrete) > price_weight:
                found.append(
                    _check(
                        "warning",
                        "price_cannot_change_order",
                        t_obj,
                        f"Priset ger högst {_sv(price_weight)} poäng, men ett uppfyllt kriterium ger "
                        f"minst {_sv(min(discrete))}: inget pris kan väga upp det.",
                        f"Price gives at most {_fmt(price_weight)} points, but one more fulfilled "
                        f"criterion gives at least {_fmt(min(discrete))}: no price can outweigh it.",
                    )
                )
                break
    return found
