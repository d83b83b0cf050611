"""What the tender page shows beside its form: the checks, the criteria with their weights, the
supplier burden, the documents and the opening protocol. Reads only, in the chosen language.
"""

import json
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from criteria import rules
from criteria.burden import supplier_burden
from criteria.models import Kind, TenderAmendment, TenderCriterion
from procurement import projection
from procurement.checks import all_checks
from procurement.models import Tender
from procurement.selectors import bids_for
from scoring.engine.inputs import amount_field
from workbench import formats, words

HUNDRED = Decimal(100)


def lang() -> str:
    return "sv" if (get_language() or "en").startswith("sv") else "en"


def in_language(text: dict[str, str] | str) -> str:
    """A {"sv", "en"} text in the chosen language (English when the Swedish is missing)."""
    if isinstance(text, dict):
        return text.get(lang()) or text.get("en") or ""
    return text


def warning_words(warning: dict[str, Any]) -> str:
    """An engine warning as the page says it: in our words where the engine's own text names a
    code or counts awkwardly (its stored text stays as it is: it is part of the result)."""
    code, details = warning.get("code"), warning.get("details") or {}
    if code == "relative_price_scoring":
        return _(
            "Price scoring is relative (%(scoring)s): a bid's price points depend on the other "
            "bids, so adding or removing a bid can change the order of two others (rank "
            "reversal). Absolute price scoring cannot."
        ) % {"scoring": str(words.value(details.get("price_scoring", ""))).lower()}
    if code == "manual_scores_spread":
        count = len(details.get("items") or [])
        return ngettext(
            "%(count)s manual score has evaluator scores spread more than the tender's "
            "threshold: moderate it.",
            "%(count)s manual scores have evaluator scores spread more than the tender's "
            "threshold: moderate them.",
            count,
        ) % {"count": count}
    return in_language(warning.get("message", ""))


def _figure(value: Any, unit: str, currency: str) -> str:
    """A sensitivity figure as a reader writes it: a weight of 10 is "10", not "10,0000"."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    if unit == "money":
        return formats.money(amount, currency)
    places = max(0, -amount.normalize().as_tuple().exponent)  # type: ignore[operator]
    text = formats.number(amount, min(places, 4))
    return f"{text}\u00a0%" if unit == "percent" else text


def sensitivity_words(item: dict[str, Any], titles: dict[str, str], currency: str) -> str:
    """One line of the ranking's robustness in our words: the criterion by its title, figures
    as typed (the engine's stored text, part of the result, names the criterion by its code and
    every weight with 4 places). Bids stay named by id: the caller names them."""
    parameter, status = item.get("parameter"), item.get("status")
    unit = item.get("unit") or "weight"
    title = titles.get(str(item.get("criterion") or ""), item.get("code") or "")
    if parameter == "price_weight":
        name = _("the price weight")
    elif parameter == "value":
        name = _("the value of “%(criterion)s”") % {"criterion": title}
    elif parameter == "percent":
        name = _("the percentage of “%(criterion)s”") % {"criterion": title}
    elif parameter == "weight":
        name = _("the weight of “%(criterion)s”") % {"criterion": title}
    else:
        return in_language(item.get("explanation", ""))
    first, second = item.get("first", ""), item.get("second", "")
    now = _figure(item.get("current"), unit, currency)
    if status == "already_tied":
        return _("%(first)s and %(second)s are tied already.") % {
            "first": first,
            "second": second,
        }
    if item.get("at_tie") is None:
        return _(
            "No allowed value of %(name)s (now %(now)s) changes the order of %(first)s and "
            "%(second)s."
        ) % {"name": name, "now": now, "first": first, "second": second}
    tie = _figure(item.get("at_tie"), unit, currency)
    if unit == "weight":
        return _(
            "If %(name)s went from %(now)s to %(tie)s (the other weights scaled to keep the "
            "total), %(first)s and %(second)s would tie; beyond that %(second)s would be first."
        ) % {"name": name, "now": now, "tie": tie, "first": first, "second": second}
    return _(
        "If %(name)s went from %(now)s to %(tie)s, %(first)s and %(second)s would tie; beyond "
        "that %(second)s would be first."
    ) % {"name": name, "now": now, "tie": tie, "first": first, "second": second}


def criterion_title(tc) -> str:
    if lang() == "en" and tc.title_en:
        return tc.title_en
    return tc.title


def criterion_description(tc) -> str:
    if lang() == "en" and tc.description_en:
        return tc.description_en
    return tc.description


option_words = rules.option_words
rule_in_words = rules.rule_in_words


def answer_words(tc, value: Any) -> str:
    """A supplier's answer to a criterion as a person reads it: Ja/Nej, a number with its
    unit, a choice by its words, or the text as written."""
    if value is None or value == "":
        return _("No answer")
    kind = (tc.rule or {}).get("type")
    if kind == "choice":
        return option_words(tc.option_labels, str(value))
    if kind == "boolean":
        return formats.yes_no(value)
    if kind in ("linear", "thresholds"):
        text = formats.answer(value)
        return f"{text}\u00a0{tc.unit}" if tc.unit else text  # "62,5 %" on one line
    return formats.answer(value)


def amount_kind(tender: Tender) -> str:
    """Which amount the tender's method needs: weight (points), value (money) or percent
    (the engine's answer, ``amount_field``); weight where no criterion is scored."""
    evaluation = tender.evaluation or {}
    return (
        amount_field(evaluation.get("method", "lowest_price"), evaluation.get("mode")) or "weight"
    )


def plain(amount: Decimal | None) -> str:
    """15.0000 -> "15", 12.5 -> "12,5" in Swedish: amounts as a person wrote them; a dash
    when there is none."""
    return formats.DASH if amount is None else formats.number(amount.normalize())


AMOUNT_WORDS = {
    "weight": gettext_lazy("weight"),
    "value": gettext_lazy("value"),
    "percent": gettext_lazy("percent"),
}


def amendment_rows(tender: Tender) -> list[dict[str, Any]]:
    """Each amendment's changes in words, each criterion by its title and code."""
    names = {
        str(tc.pk): f"{criterion_title(tc)} ({tc.code})"
        for tc in TenderCriterion.objects.filter(tender=tender)
    }
    rows = []
    for amendment in TenderAmendment.objects.filter(tender=tender).select_related("created_by"):
        changes = []
        for key, value in (amendment.changes or {}).items():
            if key == "criteria":
                for item in value:
                    amounts = ", ".join(
                        f"{AMOUNT_WORDS.get(k, k)} {plain(Decimal(str(v)))}"
                        for k, v in item.items()
                        if k != "tender_criterion" and v is not None
                    )
                    name = names.get(str(item.get("tender_criterion")), _("a criterion"))
                    changes.append(
                        _("%(criterion)s: %(amounts)s") % {"criterion": name, "amounts": amounts}
                    )
            elif key == "evaluation":
                weight = value.get("price_weight")
                changes.append(
                    _("evaluation settings (price weight %(weight)s)")
                    % {"weight": plain(Decimal(str(weight))) if weight is not None else "—"}
                )
            elif key == "submission_deadline":
                changes.append(
                    _("new submission deadline: %(when)s") % {"when": formats.when_zoned(value)}
                )
            else:
                changes.append(f"{key}: {value}")
        rows.append({"amendment": amendment, "changes": changes})
    return rows


def checks(tender: Tender) -> dict[str, Any]:
    found = all_checks(tender)
    items = [
        {"severity": c["severity"], "code": c["code"], "message": in_language(c["message"])}
        for c in found
    ]
    errors = [c for c in items if c["severity"] == "error"]
    return {"items": items, "errors": errors, "ok": not errors}


def criteria_rows(tender: Tender) -> list[dict[str, Any]]:
    rows = []
    for tc in (
        TenderCriterion.objects.filter(tender=tender)
        .select_related("lot")
        .order_by("position", "code")
    ):
        rows.append(
            {
                "tc": tc,
                "title": criterion_title(tc),
                "description": criterion_description(tc),
                "kind": tc.get_kind_display(),
                "category": tc.get_category_display(),
                "rule": rule_in_words(tc.rule, tc.unit, tc.option_labels),
                "lot": f"{tc.lot.number}. {tc.lot.title}"
                if tc.lot is not None
                else _("whole tender"),
                "weight": plain(tc.weight),
                "value": plain(tc.value),
                "percent": plain(tc.percent),
            }
        )
    return rows


def weight_summary(tender: Tender) -> dict[str, Any] | None:
    """For weighted points: the price weight and each award criterion's weight, and whether
    they add up to 100 (per lot when criteria apply to single lots)."""
    evaluation = tender.evaluation or {}
    if evaluation.get("method") != "weighted_points":
        return None
    price = Decimal(str(evaluation.get("price_weight") or 0))
    award = list(
        TenderCriterion.objects.filter(tender=tender, kind=Kind.AWARD).order_by("position", "code")
    )
    lots = list(tender.lots.order_by("number"))
    per_lot = []
    for lot in lots:
        applicable = [tc for tc in award if tc.lot_id in (None, lot.pk)]
        criteria_total = sum((tc.weight or Decimal(0) for tc in applicable), Decimal(0))
        total = price + criteria_total
        per_lot.append(
            {
                "lot": lot,
                "parts": [(_("Price"), price)]
                + [(criterion_title(tc), tc.weight or Decimal(0)) for tc in applicable],
                "criteria_total": plain(criteria_total),
                "total": plain(total),
                "ok": total == HUNDRED,
                "missing": plain(HUNDRED - total),
            }
        )
    return {"lots": per_lot, "several": len(lots) > 1}


def burden(tender: Tender) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "flags": [
                {**flag, "message": in_language(flag.get("message", ""))}
                for flag in item.get("flags", [])
            ],
        }
        for item in supplier_burden(tender)
    ]


def protocol(tender: Tender, viewer) -> dict[str, Any] | None:
    """The opening protocol as the viewer sees it (procurement.projection.protocol_for)."""
    found = projection.protocol_for(viewer, tender)
    if found is None:
        return None
    # A bid's page only for the bids the viewer may read (an evaluator declares first).
    readable = {
        str(pk) for pk in bids_for(viewer).filter(tender=tender).values_list("pk", flat=True)
    }
    bids = [{**bid, "readable": str(bid.get("bid")) in readable} for bid in found.get("bids", [])]
    return {**found, "bids": bids, "prices_hidden": not projection.sees_prices(viewer, tender)}


def _money_text(money: dict | None) -> str:
    return formats.money_of(money) if money else ""


def simulation_result(simulation) -> list[dict[str, Any]]:
    """The ranking a simulation gave, per lot: rank, bid, price, score and each criterion's
    explanation, in the chosen language."""
    result = json.loads(simulation.result_json)
    lots = []
    for lot in result.get("lots", []):
        bids = []
        for bid in lot.get("bids", []):
            bids.append(
                {
                    "rank": bid.get("rank"),
                    "name": (bid.get("supplier") or {}).get("name", ""),
                    "price": _money_text(bid.get("price")),
                    "score": (
                        formats.points(bid["total_score"])
                        if bid.get("total_score") is not None
                        else _money_text(bid.get("comparison_price"))
                    ),
                    "qualified": bid.get("qualified", True),
                    "reasons": [
                        in_language(r.get("message", ""))
                        for r in bid.get("disqualification_reasons", [])
                    ],
                    "criteria": [
                        {
                            "code": c.get("code"),
                            "explanation": in_language(c.get("explanation") or c.get("text") or ""),
                        }
                        for c in bid.get("criteria", [])
                    ],
                }
            )
        lots.append({"lot": lot.get("lot"), "number": lot.get("number"), "bids": bids})
    return lots
