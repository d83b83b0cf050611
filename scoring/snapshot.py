"""ORM -> EvaluationInput: the one module that knows both the database and the engine.

A tender's data is loaded in a constant number of queries whatever the number of bids
(tender, lots, criteria, bids with suppliers, responses, scores, consensus, lottery draws).
"""

import datetime
import json
import uuid
from typing import Any, cast

from django.db import connection
from django.utils.translation import gettext as _

from audit.chain import utc_text
from criteria.models import Kind, TenderCriterion
from procurement.errors import InvalidInput, field_error
from procurement.models import Bid, BidResponse, Tender
from scoring.engine import EvaluationInput
from scoring.models import ConsensusScore, EvaluatorScore, LotteryDraw

ENGINE_CONFIG_KEYS = (
    "method",
    "price_weight",
    "price_scoring",
    "price_floor",
    "price_ceiling",
    "mode",
    "lifetime_years",
    "discount_rate",
    "co2_price_per_tonne",
    "tie_break",
    "aggregation",
    "spread_threshold",
    "evaluators_see_prices",
)


def _num(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def method_config(tender: Tender) -> dict[str, Any]:
    evaluation = tender.evaluation or {}
    config = {k: evaluation[k] for k in ENGINE_CONFIG_KEYS if evaluation.get(k) is not None}
    config.setdefault("method", "lowest_price")
    return config


def criterion_input(tc: TenderCriterion) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(tc.pk),
        "code": tc.code,
        "title": tc.title,
        "category": tc.category,
        "kind": tc.kind,
        "rule": tc.rule,
        "lot": str(tc.lot_id) if tc.lot_id else None,
        "source": tc.source,
        "unit": tc.unit,
    }
    if tc.title_en:
        data["title_en"] = tc.title_en
    if tc.source == "supplier_profile":
        data["profile_field"] = tc.profile_field
    if tc.kind == "award":
        for name in ("weight", "value", "percent"):
            amount = getattr(tc, name)
            if amount is not None:
                data[name] = _num(amount)
    return data


def supplier_profile(facts: dict[str, Any]) -> dict[str, Any]:
    """The profile a criterion with ``source: supplier_profile`` reads: the supplier's facts
    as the bid recorded them at submission, never the organisation's profile today (a
    supplier could otherwise change its size after the deadline and win the criterion)."""
    profile: dict[str, Any] = {"non_profit": bool(facts.get("non_profit"))}
    if facts.get("sme_class"):
        profile["sme_class"] = facts["sme_class"]
    if facts.get("employees") is not None:
        profile["employees"] = facts["employees"]
    if facts.get("country"):
        profile["country"] = facts["country"]
    return profile


def _facts(bid: Bid) -> dict[str, Any]:
    # Every submitted bid has them (recorded at submission; earlier bids by migration 0005).
    return bid.supplier_facts or bid.supplier.facts()


def _responses(tender: Tender) -> dict[str, dict[str, Any]]:
    """Every submitted bid's answers, {bid id: {criterion id: value}}, in one query.

    Read with plain SQL: with 50,000 answers, turning each row's two ids into UUID objects
    and back into text costs seconds (measured by bench/evaluation.py); ids are formatted once
    per distinct value instead.
    """
    table, bids = BidResponse._meta.db_table, Bid._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT r.bid_id::text, r.tender_criterion_id::text, r.value FROM {table} r "  # noqa: S608
            f"JOIN {bids} b ON b.id = r.bid_id WHERE b.tender_id = %s AND b.status = %s"
        )
    else:
        sql = (
            f"SELECT r.bid_id, r.tender_criterion_id, r.value FROM {table} r "  # noqa: S608
            f"JOIN {bids} b ON b.id = r.bid_id WHERE b.tender_id = %s AND b.status = %s"
        )
    tender_key = tender.pk if connection.vendor == "postgresql" else tender.pk.hex
    ids: dict[Any, str] = {}

    def as_id(raw: Any) -> str:
        text = ids.get(raw)
        if text is None:
            text = ids[raw] = str(uuid.UUID(str(raw)))
        return text

    result: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [tender_key, Bid.Status.SUBMITTED])
        for bid_id, criterion_id, value in cursor.fetchall():
            if isinstance(value, str):  # JSON text on both backends (Django leaves jsonb as text)
                value = json.loads(value)
            result.setdefault(as_id(bid_id), {})[as_id(criterion_id)] = value
    return result


def build_input_data(tender: Tender, *, lottery_for=None) -> dict[str, Any]:
    """The engine's input as plain JSON data, from the database."""
    lots = list(tender.lots.all().order_by("number"))
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    bids = list(
        Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED)
        .select_related("supplier")
        .order_by("submitted_at", "id")
    )
    responses = _responses(tender)
    scores = [
        {"bid": str(b), "criterion": str(c), "evaluator": str(e), "score": _num(s)}
        for b, c, e, s in EvaluatorScore.objects.filter(tender=tender, is_current=True)
        .exclude(tender_criterion__kind=Kind.CONTRACT_CONDITION)
        .order_by("bid_id", "tender_criterion_id", "evaluator_id")
        .values_list("bid_id", "tender_criterion_id", "evaluator_id", "score")
    ]
    consensus = [
        {"bid": str(b), "criterion": str(c), "score": _num(s), "justification": j}
        for b, c, s, j in ConsensusScore.objects.filter(tender=tender, is_current=True)
        .exclude(tender_criterion__kind=Kind.CONTRACT_CONDITION)
        .order_by("bid_id", "tender_criterion_id")
        .values_list("bid_id", "tender_criterion_id", "score", "justification")
    ]
    lottery = []
    if lottery_for is not None:
        lottery = [
            {"lot": str(d.lot_id), "order": list(d.order)}
            for d in LotteryDraw.objects.filter(evaluation=lottery_for).order_by("drawn_at")
        ]
    data = {
        "currency": tender.currency,
        "method": method_config(tender),
        "lots": [{"id": str(lot.pk), "number": lot.number, "title": lot.title} for lot in lots],
        "criteria": [criterion_input(tc) for tc in criteria],
        "bids": [
            {
                "id": str(bid.pk),
                "lot": str(bid.lot_id),
                "supplier": {
                    "id": str(bid.supplier_id),
                    "name": _facts(bid).get("name") or bid.supplier.name,
                    "profile": supplier_profile(_facts(bid)),
                },
                "price": _num(bid.price_amount),
                # A submitted bid has its submission time.
                "submitted_at": utc_text(cast(datetime.datetime, bid.submitted_at)),
                **({"cost": bid.cost} if bid.cost else {}),
                "responses": responses.get(str(bid.pk), {}),
            }
            for bid in bids
        ],
        "scores": scores,
        "consensus": consensus,
    }
    if lottery:
        data["lottery"] = lottery
    return data


def build_input(tender: Tender, *, lottery_for=None) -> EvaluationInput:
    return EvaluationInput.model_validate(build_input_data(tender, lottery_for=lottery_for))


def simulation_input_data(
    tender: Tender, bids: list[dict[str, Any]], scores: list[dict[str, Any]]
) -> dict[str, Any]:
    """Engine input for a simulation: the tender's configuration (draft or frozen) and the
    fictitious bids and consensus scores an officer typed in, addressed by lot number and
    criterion code. Nothing real is read but the configuration. Unknown lots or codes are a
    400 naming each (``/bids/{i}/lot``, ``/bids/{i}/responses/{code}``, ``/scores/{i}/code``)."""
    lots = list(tender.lots.all().order_by("number"))
    lot_by_number = {lot.number: lot for lot in lots}
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    # Looked up below with the typed-in code, which may be missing (None).
    by_code: dict[str | None, TenderCriterion] = {tc.code: tc for tc in criteria}
    errors = []
    engine_bids = []
    for i, item in enumerate(bids):
        lot = lot_by_number.get(item.get("lot", 1))
        if lot is None:
            errors.append(field_error(f"/bids/{i}/lot", "unknown_lot", _("no such lot number")))
            continue
        responses = {}
        for code, value in (item.get("responses") or {}).items():
            if code not in by_code:
                errors.append(
                    field_error(
                        f"/bids/{i}/responses/{code}",
                        "unknown_criterion",
                        _("no criterion with this code"),
                    )
                )
                continue
            responses[str(by_code[code].pk)] = value
        engine_bids.append(
            {
                "id": f"sim-{i + 1}",
                "lot": str(lot.pk),
                "supplier": {
                    "id": f"sim-supplier-{i + 1}",
                    "name": item.get("name") or f"Bid {i + 1}",
                    "profile": item.get("profile") or {},
                },
                "price": item.get("price"),
                "submitted_at": item.get("submitted_at") or f"2000-01-01T00:00:{i % 60:02d}Z",
                **({"cost": item["cost"]} if item.get("cost") else {}),
                "responses": responses,
            }
        )
    if errors:
        raise InvalidInput(_("Some fictitious bids do not fit the tender."), errors=errors)
    consensus = []
    for i, item in enumerate(scores):
        tc = by_code.get(item.get("code"))
        if tc is None:
            raise InvalidInput(
                _("Unknown criterion code."),
                errors=[
                    field_error(
                        f"/scores/{i}/code", "unknown_criterion", _("no criterion with this code")
                    )
                ],
            )
        consensus.append(
            {
                "bid": f"sim-{item.get('bid')}",
                "criterion": str(tc.pk),
                "score": item.get("score"),
                "justification": "simulation",
            }
        )
    data: dict[str, Any] = {
        "currency": tender.currency,
        "method": method_config(tender),
        "lots": [{"id": str(lot.pk), "number": lot.number, "title": lot.title} for lot in lots],
        "criteria": [criterion_input(tc) for tc in criteria],
        "bids": engine_bids,
        "consensus": consensus,
    }
    if (tender.evaluation or {}).get("aggregation", "consensus") != "consensus":
        data["method"]["aggregation"] = "consensus"
    return data
