"""A tender moved through its whole life by the real services, each step with its after-commit
hooks run (``django_capture_on_commit_callbacks(execute=True)``), as in production: the outbox
sends ``events_committed``, publication's task (eager) stores the releases."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from criteria.services import amend_tender, attach_criterion
from procurement.models import Bid, Lot, Tender
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import add_lot, cancel_tender, publish_tender
from scoring.models import Evaluation
from scoring.selectors import result_of
from scoring.services.award import award_tender
from scoring.services.runs import start_evaluation
from tests.scenarios import new_tender

FUEL = {
    "code": "ENV-FUEL",
    "title": "Förnybart bränsle",
    "title_en": "Renewable fuel",
    "category": "environmental",
    "level": "advanced",
    "kind": "award",
    "rule": {"type": "linear", "worst": "0", "best": "100"},
    "unit": "%",
}
ANIMALS = {
    "code": "AW-8H",
    "title": "Högst åtta timmars transport",
    "category": "animal_welfare",
    "level": "basic",
    "kind": "requirement",
    "rule": {"type": "boolean"},
}
SME = {
    "code": "SME-SIZE",
    "title": "Småföretag",
    "category": "small_supplier",
    "level": "basic",
    "kind": "award",
    "source": "supplier_profile",
    "profile_field": "sme_class",
    "rule": {
        "type": "choice",
        "options": {"micro": "1", "small": "1", "medium": "1", "large": "0"},
    },
}

METHODS: dict[str, dict[str, Any]] = {
    "lowest_price": {"method": "lowest_price"},
    "weighted_points": {
        "method": "weighted_points",
        "price_weight": "70",
        "price_scoring": "proportional",
    },
    "value_for_money": {"method": "value_for_money"},
    "added_value": {"method": "added_value", "mode": "deduction"},
    "lowest_cost": {
        "method": "lowest_cost",
        "lifetime_years": 5,
        "discount_rate": "0.04",
        "co2_price_per_tonne": "1500",
    },
}
COST = {
    "acquisition_cost": "800000",
    "annual_operating_cost": "20000",
    "annual_co2e_tonnes": "3",
    "end_of_life_cost": "10000",
}


@dataclass
class Life:
    tender: Tender
    officers: tuple
    capture: Any
    clock: Any
    fuel: Any = None
    animals: Any = None
    bids: list[Bid] = field(default_factory=list)
    evaluation: Evaluation | None = None

    def step(self, action, *args, **kwargs):
        with self.capture(execute=True):
            result = action(*args, **kwargs)
        self.tender.refresh_from_db()
        return result

    @property
    def lots(self) -> list[Lot]:
        return list(self.tender.lots.order_by("number"))

    def publish(self):
        return self.step(publish_tender, tender=self.tender, actor=self.officers[0])

    def amend(self, reason="Längre tid för anbud"):
        return self.step(
            amend_tender,
            tender=self.tender,
            actor=self.officers[0],
            reason=reason,
            changes={"submission_deadline": self.tender.submission_deadline + dt.timedelta(days=5)},
        )

    def bid(self, bidder, price: str, lot: Lot | None = None) -> Bid:
        method = (self.tender.evaluation or {}).get("method")
        responses = []
        if self.fuel is not None and (
            self.fuel.lot_id is None or lot is None or self.fuel.lot_id == lot.pk
        ):
            responses.append({"tender_criterion": self.fuel.pk, "value": "80"})
        if self.animals is not None:
            responses.append({"tender_criterion": self.animals.pk, "value": True})

        def make():
            bid = create_bid(
                actor=bidder,
                tender=self.tender,
                lot=lot,
                price_amount=Decimal(price),
                cost=COST if method == "lowest_cost" else None,
                responses=responses,
            )
            return submit_bid(bid=bid, actor=bidder)

        bid = self.step(make)
        self.bids.append(bid)
        return bid

    def open(self):
        self.clock.move_to(self.tender.submission_deadline + dt.timedelta(seconds=1))
        for officer in self.officers:
            self.step(open_tender, tender=self.tender, actor=officer)
        assert self.tender.status == Tender.Status.OPENED

    def evaluate(self):
        evaluation = self.step(start_evaluation, tender=self.tender, actor=self.officers[0])
        evaluation.refresh_from_db()
        assert evaluation.status == Evaluation.Status.DONE, evaluation.error
        self.evaluation = evaluation
        return evaluation

    def award(self):
        assert self.evaluation is not None
        lots = []
        for lot in result_of(self.evaluation)["lots"]:
            ranked = sorted(
                (b for b in lot["bids"] if b["qualified"] and b["rank"] is not None),
                key=lambda b: b["rank"],
            )
            lots.append({"lot": lot["lot"], "bids": [ranked[0]["bid"]]})
        return self.step(
            award_tender,
            tender=self.tender,
            actor=self.officers[0],
            evaluation=self.evaluation,
            lots=lots,
            justification="Det ekonomiskt mest fördelaktiga anbudet enligt utvärderingen.",
        )

    def cancel(self, reason="Behovet har upphört"):
        return self.step(cancel_tender, tender=self.tender, actor=self.officers[0], reason=reason)


def new_life(
    officers, capture, clock, *, method="lowest_price", lots=1, criteria=True, **overrides
) -> Life:
    """A draft (with its criteria for the method, and ``lots`` lots) ready to publish."""
    officer = officers[0]
    evaluation = METHODS[method]
    tender = new_tender(officer, evaluation=evaluation, **overrides)
    life = Life(tender=tender, officers=officers, capture=capture, clock=clock)
    for number in range(2, lots + 1):
        add_lot(
            tender=tender,
            actor=officer,
            title=f"Delområde {number}",
            estimated_value=Decimal("1000000.00"),
        )
    if criteria and method != "lowest_price":
        amounts = {
            "weighted_points": {"weight": Decimal(30)},
            "value_for_money": {"weight": Decimal(100)},
            "added_value": {"value": Decimal("50000.00")},
            "lowest_cost": {"value": Decimal("25000.00")},
        }[method]
        life.fuel = attach_criterion(tender=tender, actor=officer, definition=FUEL, **amounts)
    if criteria:
        life.animals = attach_criterion(tender=tender, actor=officer, definition=ANIMALS)
    tender.refresh_from_db()
    return life
