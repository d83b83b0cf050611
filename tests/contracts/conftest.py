"""An awarded tender to sign contracts on, built through the API (tenders, criteria, bids,
opening by two, evaluation, award), with the clock in Stockholm time.

Alice's region buys eggs (weighted points, price 60): ORGANIC (award, linear 0-100 %, 30
points), QUAL (award, boolean, 10 points), WELFARE (requirement, boolean) and SOCIAL (contract
condition, boolean). Charlie bids 1 000 000 with 80 % organic, no QUAL; Dana 1 200 000 with 20 %
organic. Charlie wins: ORGANIC earned points (promised "80"), QUAL none (not a commitment).
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from tests.api.helpers import iso

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=STOCKHOLM)


def ok(response, code=200):
    assert response.status_code == code, response.content[:600]
    return response.json() if response.content else None


@dataclass
class Awarded:
    tender: str
    lot: str
    winning_bid: str
    losing_bid: str
    criteria: dict
    officer: object
    admin: object
    auditor: object
    evaluator: object
    charlie: object
    dana: object
    bob: object
    clock: object
    decided: dt.datetime

    def sign(self, **overrides):
        body = {
            "reference": "AVT-2027-014",
            "signed_on": "2027-03-01",
            "starts_on": "2027-03-01",
            "ends_on": "2029-02-28",
            "value": {"amount": "4630000.00", "currency": "SEK"},
            **overrides,
        }
        return self.officer.post(f"/api/v1/tenders/{self.tender}/contracts/", body, format="json")


def _criterion(officer, tender, code, kind, rule, category, weight=None, **extra):
    definition = {
        "code": code,
        "title": f"{code} titel",
        "category": category,
        "kind": kind,
        "level": "advanced",
        "rule": rule,
        **extra,
    }
    body = {"definition": definition}
    if weight is not None:
        body["weight"] = weight
    return ok(officer.post(f"/api/v1/tenders/{tender}/criteria/", body, format="json"), 201)["id"]


def build_award(api, clock, other_supplier, other_buyer, capture, *, dana_bids=True):
    officer, _ = api("officer")
    admin, _ = api("admin")
    auditor, _ = api("auditor")
    evaluator, _ = api("evaluator")
    charlie, _ = api("bidder")
    dana, _ = api("bidder", other_supplier)
    bob, _ = api("officer", other_buyer)
    clock.move_to(at(2027, 1, 4))
    body = {
        "reference": "RK-2027-0001",
        "title": "Ägg till regionens kök",
        "procedure": "open",
        "cpv_codes": ["15110000"],
        "currency": "SEK",
        "estimated_value": {"amount": "5000000.00", "currency": "SEK"},
        "submission_deadline": iso(at(2027, 2, 1, 12)),
        "evaluation": {
            "method": "weighted_points",
            "price_weight": "60",
            "price_scoring": "proportional",
        },
        "no_lots_reason": "En leverans.",
    }
    tender = ok(officer.post("/api/v1/tenders/", body, format="json"), 201)
    tid, lot = tender["id"], tender["lots"][0]["id"]
    criteria = {
        "ORGANIC": _criterion(
            officer,
            tid,
            "ORGANIC",
            "award",
            {"type": "linear", "worst": "0", "best": "100"},
            "environmental",
            "30",
            unit="%",
            verification="Leveranssedlar och certifikat",
        ),
        "QUAL": _criterion(officer, tid, "QUAL", "award", {"type": "boolean"}, "quality", "10"),
        "WELFARE": _criterion(
            officer,
            tid,
            "WELFARE",
            "requirement",
            {"type": "boolean"},
            "animal_welfare",
            verification="Revision på plats",
        ),
        "SOCIAL": _criterion(
            officer, tid, "SOCIAL", "contract_condition", {"type": "boolean"}, "social"
        ),
    }
    ok(officer.post(f"/api/v1/tenders/{tid}/publish/"))

    def bid(client, price, organic):
        answers = [
            (criteria["ORGANIC"], organic),
            (criteria["QUAL"], False),
            (criteria["WELFARE"], True),
            (criteria["SOCIAL"], True),
        ]
        made = ok(
            client.post(
                "/api/v1/bids/",
                {
                    "tender": tid,
                    "price": {"amount": price, "currency": "SEK"},
                    "responses": [{"tender_criterion": c, "value": v} for c, v in answers],
                },
                format="json",
            ),
            201,
        )
        ok(client.post(f"/api/v1/bids/{made['id']}/submit/"))
        return made["id"]

    winning = bid(charlie, "1000000.00", "80")
    losing = bid(dana, "1200000.00", "20") if dana_bids else None
    clock.move_to(at(2027, 2, 2))
    ok(officer.post(f"/api/v1/tenders/{tid}/open/"))
    ok(admin.post(f"/api/v1/tenders/{tid}/open/"))
    with capture(execute=True):
        evaluation = ok(officer.post(f"/api/v1/tenders/{tid}/evaluations/"), 202)["id"]
    clock.move_to(at(2027, 2, 3))
    ok(
        officer.post(
            f"/api/v1/tenders/{tid}/award/",
            {
                "evaluation": evaluation,
                "lots": [{"lot": lot, "bids": [winning]}],
                "justification": "Enligt utvärderingen.",
            },
            format="json",
        )
    )
    return Awarded(
        tender=tid,
        lot=lot,
        winning_bid=winning,
        losing_bid=losing,
        criteria=criteria,
        officer=officer,
        admin=admin,
        auditor=auditor,
        evaluator=evaluator,
        charlie=charlie,
        dana=dana,
        bob=bob,
        clock=clock,
        decided=at(2027, 2, 3),
    )


@pytest.fixture
def awarded(api, clock, other_supplier, other_buyer, django_capture_on_commit_callbacks):
    """Awarded on 3 February 2027; the standstill ends on 13 February."""
    return build_award(api, clock, other_supplier, other_buyer, django_capture_on_commit_callbacks)


@pytest.fixture
def signed(awarded):
    """Signed on 1 March 2027 (after the standstill): 1 March 2027 to 28 February 2029."""
    awarded.clock.move_to(at(2027, 3, 1))
    contract = ok(awarded.sign(), 201)
    return awarded, contract
