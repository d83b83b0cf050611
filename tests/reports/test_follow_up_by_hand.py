"""A year built by hand through the API, and every figure of its follow-up report checked
against numbers worked out by hand (API.md, "Second wave": the definitions).

The region's 2026, tender by tender (suppliers: micro M (5 staff, 1.5 MEUR: micro without a
balance sheet), large L, small non-profit N, and U whose facts settle nothing):

- T7 published in 2025, awarded in January 2026 to L (100 000): its award counts in 2026,
  the tender and its bid do not.
- T1 weighted points (price 60), environmental award criterion (advanced, 30), quality
  award criterion (10), social requirement (basic); bids M 500 000 (yes, yes), L 400 000
  (no, no), N submitted then withdrawn. M: 48 + 30 + 10 = 88 beats L: 60. Awarded to M.
- T2 lowest price, two lots; animal-welfare requirement (spearhead), social contract
  condition. Lot 1: N 300 000; lot 2: L 200 000 and U 250 000. Awarded N and L.
- T3 lowest price; one bid (M 100 000): opened, a single-bid tender, not awarded.
- T4 published, a bid of M, then cancelled: only under `cancelled`.
- T5 weighted points (price 50), environmental award criterion (basic, 50); a bid of U;
  the deadline is next year, so it is not opened.
- T6 a draft: not counted.

By hand: published 4 (T1 T2 T3 T5), cancelled 1, divided into lots 1 (T2), opened 3, single
bid 1 (T3). Environmental: T1, T5 -> 2 of 4 = 0.5000, award 2, advanced 1; its award-weight
share over the weighted tenders T1 (30/100) and T5 (50/100) is 0.4000. Social: T1
(requirement) and T2 (condition) -> 0.5000, weight share 0. Animal welfare: T2 -> 0.2500,
spearhead 1. Small suppliers: none. Bids: T1 2, T2 3, T3 1, T5 1 = 7; micro 2 (M on T1,
T3), small 1 (N), large 2 (L on T1, T2), unknown 2 (U); non-profit 1. Awards decided in
2026: T7, T1, T2 lot 1, T2 lot 2 = 4 lots, 1 100 000; SME lots 2 (M, N) = 0.5000 with value
800 000 / 1 100 000 = 0.7273; non-profit 1 lot = 0.2500, value 0.2727.
"""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from tests.api.helpers import iso
from tests.factories import SupplierFactory

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=STOCKHOLM)


def _ok(response, code=200):
    assert response.status_code == code, response.json() if response.content else response
    return response.json() if response.content else None


class Region:
    """The officer's and a second officer's clients, the suppliers' clients, and the clock."""

    def __init__(self, api, clock, buyer):
        self.officer, _ = api("officer")
        self.second, _ = api("admin")
        self.clock = clock
        self.suppliers = {
            "M": SupplierFactory(
                name="Mikro", employees=5, annual_turnover="1500000", balance_sheet_total=None
            ),
            "L": SupplierFactory(
                name="Stor", employees=900, annual_turnover="90000000", balance_sheet_total=None
            ),
            "N": SupplierFactory(
                name="Ideell",
                employees=20,
                annual_turnover="5000000",
                balance_sheet_total="3000000",
                non_profit=True,
            ),
            "U": SupplierFactory(
                name="Okänd", employees=None, annual_turnover=None, balance_sheet_total=None
            ),
        }
        self.bidders = {name: api("bidder", org)[0] for name, org in self.suppliers.items()}

    def tender(self, reference, deadline, evaluation, lots=("Hela",)):
        body = {
            "reference": reference,
            "title": f"Upphandling {reference}",
            "procedure": "open",
            "cpv_codes": ["15110000"],
            "currency": "SEK",
            "submission_deadline": iso(deadline),
            "evaluation": evaluation,
            "no_lots_reason": "En leverans.",
        }
        tender = _ok(self.officer.post("/api/v1/tenders/", body, format="json"), 201)
        ids = [tender["lots"][0]["id"]]
        for title in lots[1:]:
            lot = _ok(
                self.officer.post(
                    f"/api/v1/tenders/{tender['id']}/lots/", {"title": title}, format="json"
                ),
                201,
            )
            ids.append(lot["id"])
        return tender["id"], ids

    def criterion(self, tender, code, category, kind, level, weight=None, lot=None):
        definition = {
            "code": code,
            "title": code,
            "category": category,
            "kind": kind,
            "level": level,
            "rule": {"type": "boolean"},
        }
        body = {"definition": definition}
        if weight is not None:
            body["weight"] = weight
        if lot is not None:
            body["lot"] = lot
        created = self.officer.post(f"/api/v1/tenders/{tender}/criteria/", body, format="json")
        return _ok(created, 201)["id"]

    def publish(self, tender):
        _ok(self.officer.post(f"/api/v1/tenders/{tender}/publish/"))

    def bid(self, who, tender, price, answers, lot=None):
        body = {
            "tender": tender,
            "price": {"amount": price, "currency": "SEK"},
            "responses": [{"tender_criterion": tc, "value": value} for tc, value in answers],
        }
        if lot is not None:
            body["lot"] = lot
        client = self.bidders[who]
        made = _ok(client.post("/api/v1/bids/", body, format="json"), 201)
        _ok(client.post(f"/api/v1/bids/{made['id']}/submit/"))
        return made["id"]

    def open(self, tender):
        _ok(self.officer.post(f"/api/v1/tenders/{tender}/open/"))
        _ok(self.second.post(f"/api/v1/tenders/{tender}/open/"))

    def evaluate_and_award(self, tender, capture, winners):
        with capture(execute=True):
            run = self.officer.post(f"/api/v1/tenders/{tender}/evaluations/")
        evaluation = _ok(run, 202)["id"]
        body = {
            "evaluation": evaluation,
            "lots": [{"lot": lot, "bids": [bid]} for lot, bid in winners],
            "justification": "Enligt utvärderingen.",
        }
        _ok(self.officer.post(f"/api/v1/tenders/{tender}/award/", body, format="json"))


@pytest.fixture
def year_2026(api, clock, buyer, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    region = Region(api, clock, buyer)
    lowest = {"method": "lowest_price"}

    clock.move_to(at(2025, 11, 3))
    t7, (t7_lot,) = region.tender("T7", at(2025, 12, 15, 12), lowest)
    region.publish(t7)
    t7_l = region.bid("L", t7, "100000.00", [])
    clock.move_to(at(2026, 1, 12))
    region.open(t7)
    region.evaluate_and_award(t7, capture, [(t7_lot, t7_l)])

    clock.move_to(at(2026, 2, 2))
    deadline = at(2026, 3, 16, 12)
    weighted = {"method": "weighted_points", "price_weight": "60", "price_scoring": "proportional"}
    t1, (t1_lot,) = region.tender("T1", deadline, weighted)
    env = region.criterion(t1, "ENV", "environmental", "award", "advanced", "30")
    qual = region.criterion(t1, "QUAL", "quality", "award", "basic", "10")
    soc = region.criterion(t1, "SOC", "social", "requirement", "basic")
    t2, (t2_north, t2_south) = region.tender("T2", deadline, lowest, lots=("Norr", "Syd"))
    aw = region.criterion(t2, "AW", "animal_welfare", "requirement", "spearhead")
    cond = region.criterion(t2, "COND", "social", "contract_condition", "basic")
    t3, _ = region.tender("T3", deadline, lowest)
    t4, _ = region.tender("T4", deadline, lowest)
    half = {"method": "weighted_points", "price_weight": "50", "price_scoring": "proportional"}
    t5, _ = region.tender("T5", at(2027, 1, 15, 12), half)
    env5 = region.criterion(t5, "ENV5", "environmental", "award", "basic", "50")
    region.tender("T6", deadline, lowest)  # stays a draft
    for tender in (t1, t2, t3, t4, t5):
        region.publish(tender)

    clock.move_to(at(2026, 2, 10))
    t1_m = region.bid("M", t1, "500000.00", [(env, True), (qual, True), (soc, True)])
    region.bid("L", t1, "400000.00", [(env, False), (qual, False), (soc, True)])
    withdrawn = region.bid("N", t1, "450000.00", [(env, True), (qual, True), (soc, True)])
    t2_n = region.bid("N", t2, "300000.00", [(aw, True), (cond, True)], lot=t2_north)
    t2_l = region.bid("L", t2, "200000.00", [(aw, True), (cond, True)], lot=t2_south)
    region.bid("U", t2, "250000.00", [(aw, True), (cond, True)], lot=t2_south)
    region.bid("M", t3, "100000.00", [])
    region.bid("M", t4, "90000.00", [])
    region.bid("U", t5, "80000.00", [(env5, True)])
    clock.move_to(at(2026, 2, 20))
    _ok(
        region.officer.post(
            f"/api/v1/tenders/{t4}/cancel/", {"reason": "Behovet föll bort"}, format="json"
        )
    )
    _ok(region.bidders["N"].post(f"/api/v1/bids/{withdrawn}/withdraw/"))

    clock.move_to(at(2026, 3, 17))
    for tender in (t1, t2, t3):
        region.open(tender)
    clock.move_to(at(2026, 3, 18))
    region.evaluate_and_award(t1, capture, [(t1_lot, t1_m)])
    region.evaluate_and_award(t2, capture, [(t2_north, t2_n), (t2_south, t2_l)])
    clock.move_to(at(2026, 12, 30))
    return region


def test_every_figure_of_the_year_is_what_was_worked_out_by_hand(year_2026):
    officer = year_2026.officer
    for body in (
        {"year": 2026, "metric": "category_share", "category": "animal_welfare", "target": "0.80"},
        {"year": 2026, "metric": "single_bid_share", "target": "0.40", "note": "Högst 40 %"},
        {"year": 2026, "metric": "sme_award_share", "target": "0.5"},
        {
            "year": 2026,
            "metric": "award_weight_share",
            "category": "environmental",
            "target": "0.45",
        },
    ):
        _ok(officer.post("/api/v1/follow-up-targets/", body, format="json"), 201)

    report = _ok(officer.get("/api/v1/reports/follow-up/?year=2026"))
    assert report["period"] == {"from": "2026-01-01", "to": "2026-12-31"}
    assert report["tenders"] == {
        "published": 4,
        "cancelled": 1,
        "divided_into_lots": 1,
        "opened": 3,
        "single_bid": 1,
    }
    assert report["categories"]["environmental"] == {
        "tenders": 2,
        "share": "0.5000",
        "requirement": 0,
        "award": 2,
        "contract_condition": 0,
        "advanced_or_spearhead": 1,
        "award_weight_share": "0.4000",
    }
    assert report["categories"]["social"] == {
        "tenders": 2,
        "share": "0.5000",
        "requirement": 1,
        "award": 0,
        "contract_condition": 1,
        "advanced_or_spearhead": 0,
        "award_weight_share": "0.0000",
    }
    assert report["categories"]["animal_welfare"] == {
        "tenders": 1,
        "share": "0.2500",
        "requirement": 1,
        "award": 0,
        "contract_condition": 0,
        "advanced_or_spearhead": 1,
        "award_weight_share": "0.0000",
    }
    assert report["categories"]["small_supplier"]["tenders"] == 0
    assert report["categories"]["small_supplier"]["share"] == "0.0000"
    assert report["bids"] == {
        "submitted": 7,
        "by_sme_class": {"micro": 2, "small": 1, "medium": 0, "large": 2, "unknown": 2},
        "non_profit": 1,
    }
    assert report["awards"] == {
        "lots": 4,
        "value": {"amount": "1100000.00", "currency": "SEK"},
        "sme": {"lots": 2, "share": "0.5000", "value_share": "0.7273"},
        "non_profit": {"lots": 1, "share": "0.2500", "value_share": "0.2727"},
        "other_currencies": [],
    }
    outcome = {(t["metric"], t.get("category")): (t["actual"], t["met"]) for t in report["targets"]}
    assert outcome == {
        ("category_share", "animal_welfare"): ("0.2500", False),
        ("single_bid_share", None): ("0.3333", True),  # 1 of 3 opened, a ceiling of 0.40
        ("sme_award_share", None): ("0.5000", True),
        ("award_weight_share", "environmental"): ("0.4000", False),
    }
    # The same figures again: reproducible to the last digit.
    again = _ok(officer.get("/api/v1/reports/follow-up/?year=2026"))
    assert {k: v for k, v in again.items() if k != "generated_at"} == {
        k: v for k, v in report.items() if k != "generated_at"
    }


def test_each_figure_names_what_it_counts(year_2026):
    report = _ok(year_2026.officer.get("/api/v1/reports/follow-up/?year=2026&explain=true"))
    explain = report["explain"]
    for key, ids in explain["tenders"].items():
        assert len(ids) == report["tenders"][key], key
    for category, figures in explain["categories"].items():
        for key, ids in figures.items():
            assert len(ids) == report["categories"][category][key], (category, key)
    assert len(explain["bids"]["submitted"]) == 7
    assert {k: len(v) for k, v in explain["bids"]["by_sme_class"].items()} == {
        "micro": 2,
        "small": 1,
        "medium": 0,
        "large": 2,
    }
    assert len(explain["awards"]["lots"]) == 4 and len(explain["awards"]["sme"]) == 2
    assert len(explain["awards"]["non_profit"]) == 1


def test_the_report_as_spreadsheets_and_compared_with_the_year_before(year_2026):
    officer = year_2026.officer
    compared = _ok(officer.get("/api/v1/reports/follow-up/?year=2026&compare=2025"))
    assert compared["comparison"]["figures"]["tenders"]["published"] == 1  # T7
    assert compared["comparison"]["change"]["tenders"]["published"] == 3
    assert compared["comparison"]["change"]["awards"]["lots"] == 4  # none decided in 2025

    swedish = officer.get("/api/v1/reports/follow-up/?year=2026&format=csv&lang=sv")
    text = swedish.content.decode("utf-8")
    assert text.startswith("\ufeff") and ";" in text.splitlines()[0]
    assert "0,5000" in text  # the environmental share, with a decimal comma

    workbook = load_workbook(
        io.BytesIO(officer.get("/api/v1/reports/follow-up/?year=2026&format=xlsx&lang=sv").content)
    )
    summary = workbook.worksheets[0]
    values = {(row[0], row[1]): row[2] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert values[("Upphandlingar", "publicerade")] == 4
    share = values[("Miljö", "andel av upphandlingarna")]
    assert share == Decimal("0.5") or share == 0.5
    assert next(c.number_format for c in summary["C"] if c.value == share) == "0.00%"
    tenders = workbook.worksheets[-1]
    references = sorted(row[0] for row in tenders.iter_rows(min_row=2, values_only=True))
    assert references == ["T1", "T2", "T3", "T4", "T5"]
    assert isinstance(tenders["C2"].value, dt.datetime)


def test_a_published_year_is_public_frozen_and_corrected_only_as_a_new_version(
    year_2026, client, api
):
    officer = year_2026.officer
    published = _ok(
        officer.post("/api/v1/reports/follow-up/publish/", {"year": 2026}, format="json"), 201
    )
    assert published["version"] == 1 and len(published["sha256"]) == 64
    public = client.get(published["url"])  # no token
    assert public.status_code == 200
    assert public.json()["report"]["tenders"]["published"] == 4
    assert public.json()["sha256"] == published["sha256"]
    assert "explain" not in public.json()["report"]
    again = officer.post("/api/v1/reports/follow-up/publish/", {"year": 2026}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_published"
    corrected = _ok(
        officer.post(
            "/api/v1/reports/follow-up/publish/",
            {"year": 2026, "note": "T2 rättad"},
            format="json",
        ),
        201,
    )
    assert corrected["version"] == 2 and corrected["replaces"] == 1
    assert client.get(published["url"]).json()["version"] == 2
    assert client.get(published["url"] + "?version=1").json()["sha256"] == published["sha256"]
    assert AuditEvent.objects.filter(action="follow_up.published").count() == 2
    evaluator, _ = api("evaluator")
    assert (
        evaluator.post(
            "/api/v1/reports/follow-up/publish/", {"year": 2026}, format="json"
        ).status_code
        == 403
    )
