"""Engine tests: pure Python, no Django, no database.

Builders shared by the test modules live here (a conftest would be loaded beside the
project's Django conftest; plain functions keep these tests importable on their own).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scoring.engine import EvaluationInput, EvaluationResult
from scoring.engine.decimal_context import display_money, display_score
from scoring.engine.results import BidResult

T0 = "2026-12-01T10:00:00Z"


def criterion(
    code: str,
    rule: dict[str, Any],
    *,
    kind: str = "award",
    category: str = "quality",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": f"c-{code}",
        "code": code,
        "title": code,
        "category": category,
        "kind": kind,
        "rule": rule,
        **extra,
    }


def points_criterion(code: str, max_points: str, category: str = "quality") -> dict[str, Any]:
    """A criterion whose answer is the points earned: linear 0..max with weight max."""
    return criterion(
        code,
        {"type": "linear", "worst": "0", "best": max_points},
        category=category,
        weight=max_points,
    )


def bid(
    bid_id: str,
    price: str,
    responses: dict[str, Any] | None = None,
    *,
    lot: str = "L1",
    submitted_at: str = T0,
    profile: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": bid_id,
        "lot": lot,
        "supplier": {"id": f"s-{bid_id}", "name": f"Supplier {bid_id}", "profile": profile or {}},
        "price": price,
        "submitted_at": submitted_at,
        "responses": {f"c-{code}": value for code, value in (responses or {}).items()},
        **extra,
    }


def make_input(
    method: dict[str, Any],
    criteria: list[dict[str, Any]],
    bids: list[dict[str, Any]],
    **extra: Any,
) -> EvaluationInput:
    return EvaluationInput.model_validate(
        {
            "currency": extra.pop("currency", "SEK"),
            "method": method,
            "lots": extra.pop("lots", [{"id": "L1", "number": 1, "title": "Lot 1"}]),
            "criteria": criteria,
            "bids": bids,
            **extra,
        }
    )


def bids_of(result: EvaluationResult, lot: int = 0) -> dict[str, BidResult]:
    return {b.bid: b for b in result.lots[lot].bids}


def order_of(result: EvaluationResult, lot: int = 0) -> list[str]:
    return [b.bid for b in result.lots[lot].bids]


def shown(value: Decimal | None, places: int = 4) -> str | None:
    """A figure as the result shows it (ROUND_HALF_UP), for comparing with published ones."""
    if value is None:
        return None

    return display_score(value) if places == 4 else display_money(value, "SEK")
