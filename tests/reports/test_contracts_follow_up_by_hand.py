"""The contracts' follow-up of a year (API.md, "Third wave": the `contracts` block of the
follow-up report), built by hand through the API and every figure checked against numbers
worked out by hand.

The region's egg contract (tests/contracts/conftest.py) is signed on 1 March 2027, in force
to 28 February 2029, with three commitments: ORGANIC (environmental, the promise "80"),
WELFARE (animal welfare) and SOCIAL (social); QUAL earned no points, so no quality
commitment. The officer schedules ORGANIC quarterly from 20 March, WELFARE once on 15 June
and SOCIAL yearly from 1 September, and adds an unannounced WELFARE check due 10 October.

- ORGANIC 20 Mar: answered 18 Mar, reviewed met -> met, on time.
- WELFARE 15 Jun: answered 20 Jun (late), reviewed met -> met, not on time.
- ORGANIC 20 Jun: answered 19 Jun ("60"), reviewed a deviation on 25 Jun; the deviation is
  remedied on 1 August -> deviation, opened and closed in 2027.
- SOCIAL 1 Sep: never answered -> overdue on 15 October.
- ORGANIC 20 Sep: answered 19 Sep ("50"), reviewed a deviation on 25 Sep -> deviation, open.
- WELFARE 10 Oct (added): answered 5 Oct, not reviewed -> open.
- ORGANIC 20 Dec: not requested yet on 15 October -> open.
- ORGANIC 2028 and SOCIAL 1 Sep 2028: due next year, not counted.

By hand, on 15 October 2027 for 2027: active 1; checks due 7 = met 2 + deviation 2 +
overdue 1 + open 2; on time 1 of 7 = 0.142857... -> "0.1429"; deviations opened 2, closed 1,
open 1. By category: environmental 1 commitment, 4 due, 1 met, 2 deviations; animal
welfare 1, 2 due, 1 met, 0; social 1, 1 due, 0, 0; small suppliers and quality 0. For 2026
(before signing): nothing, and no on-time share. For 2028 (the clock still in 2027): the
contract is active, its five checks (ORGANIC x4, SOCIAL) are open, the deviation opened in
2027 is still open at the end of 2028.
"""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from contracts.models import Check, Contract
from procurement.models import User
from reports.followup import Period, follow_up
from reports.spreadsheets import csv_text, rows
from tests.contracts.conftest import at, awarded, ok, signed  # noqa: F401 - the fixtures
from tests.reports.test_dashboard import text_of
from workbench.followup import figure_tables

pytestmark = pytest.mark.django_db


def _report(officer, year, explain=False):
    query = f"year={year}" + ("&explain=true" if explain else "")
    return ok(officer.get(f"/api/v1/reports/follow-up/?{query}"))


def _year_2027(signed):  # noqa: F811
    a, contract = signed
    cid = contract["id"]
    commitments = {c["code"]: c["id"] for c in contract["commitments"]}
    for code, schedule in (
        ("ORGANIC", {"every_months": 3, "next_due_on": "2027-03-20"}),
        ("WELFARE", {"every_months": None, "next_due_on": "2027-06-15"}),
        ("SOCIAL", {"every_months": 12, "next_due_on": "2027-09-01"}),
    ):
        path = f"/api/v1/contracts/{cid}/commitments/{commitments[code]}/"
        ok(a.officer.patch(path, schedule, format="json"))

    def check(code, due_on):
        found = ok(a.officer.get(f"/api/v1/contracts/{cid}/checks/"))["results"]
        return next(c["id"] for c in found if c["code"] == code and c["due_on"] == due_on)

    def answer(check_id, value):
        body = {"value": value, "statement": "Enligt leveranssedlarna."}
        ok(a.charlie.post(f"/api/v1/checks/{check_id}/answer/", body, format="json"))

    def review(check_id, outcome):
        body = {"outcome": outcome, "note": "Granskat." if outcome == "met" else "För lågt."}
        ok(a.officer.post(f"/api/v1/checks/{check_id}/review/", body, format="json"))

    a.clock.move_to(at(2027, 3, 18))
    organic_1 = check("ORGANIC", "2027-03-20")
    answer(organic_1, "80")
    a.clock.move_to(at(2027, 3, 22))
    review(organic_1, "met")

    a.clock.move_to(at(2027, 6, 19))
    organic_2 = check("ORGANIC", "2027-06-20")
    answer(organic_2, "60")
    a.clock.move_to(at(2027, 6, 20))
    welfare_1 = check("WELFARE", "2027-06-15")
    answer(welfare_1, True)
    a.clock.move_to(at(2027, 6, 21))
    review(welfare_1, "met")
    a.clock.move_to(at(2027, 6, 25))
    review(organic_2, "deviation")
    deviation = ok(a.officer.get(f"/api/v1/contracts/{cid}/deviations/"))["results"][0]
    a.clock.move_to(at(2027, 8, 1))
    ok(
        a.officer.post(
            f"/api/v1/deviations/{deviation['id']}/close/",
            {"status": "remedied", "note": "Andelen är tillbaka på 80 %."},
            format="json",
        )
    )

    a.clock.move_to(at(2027, 9, 19))
    organic_3 = check("ORGANIC", "2027-09-20")
    answer(organic_3, "50")
    a.clock.move_to(at(2027, 9, 25))
    review(organic_3, "deviation")

    a.clock.move_to(at(2027, 10, 1))
    added = ok(
        a.officer.post(
            f"/api/v1/contracts/{cid}/checks/",
            {
                "commitment": commitments["WELFARE"],
                "due_on": "2027-10-10",
                "request": "Visa transporttider för vecka 39.",
            },
            format="json",
        ),
        201,
    )
    a.clock.move_to(at(2027, 10, 5))
    answer(added["id"], True)
    a.clock.move_to(at(2027, 10, 15))
    return a, {
        # not requested yet, so not in the API's list
        "organic": [
            organic_1,
            organic_2,
            organic_3,
            str(Check.objects.get(commitment=commitments["ORGANIC"], due_on="2027-12-20").pk),
        ],
        "welfare": [welfare_1, added["id"]],
        "social": check("SOCIAL", "2027-09-01"),
        "contract": cid,
        "commitments": commitments,
    }


def test_every_contracts_figure_of_the_year_is_the_one_worked_out_by_hand(signed):  # noqa: F811
    a, ids = _year_2027(signed)
    report = _report(a.officer, 2027)
    assert report["contracts"] == {
        "active": 1,
        "checks": {
            "due": 7,
            "met": 2,
            "deviation": 2,
            "overdue": 1,
            "open": 2,
            "on_time_share": "0.1429",
        },
        "deviations": {"opened": 2, "closed": 1, "open": 1},
        "by_category": {
            "environmental": {"commitments": 1, "checks_due": 4, "met": 1, "deviation": 2},
            "social": {"commitments": 1, "checks_due": 1, "met": 0, "deviation": 0},
            "animal_welfare": {"commitments": 1, "checks_due": 2, "met": 1, "deviation": 0},
            "small_supplier": {"commitments": 0, "checks_due": 0, "met": 0, "deviation": 0},
            "quality": {"commitments": 0, "checks_due": 0, "met": 0, "deviation": 0},
        },
    }

    explained = _report(a.officer, 2027, explain=True)["explain"]["contracts"]
    organic, welfare = ids["organic"], ids["welfare"]
    assert explained["active"] == [ids["contract"]]
    assert explained["checks"]["met"] == sorted([organic[0], welfare[0]])
    assert explained["checks"]["deviation"] == sorted(organic[1:3])
    assert explained["checks"]["overdue"] == [ids["social"]]
    assert explained["checks"]["open"] == sorted([organic[3], welfare[1]])
    assert explained["checks"]["on_time"] == [organic[0]]
    assert len(explained["checks"]["due"]) == 7
    assert len(explained["deviations"]["opened"]) == 2
    assert explained["deviations"]["open"] != explained["deviations"]["closed"]
    assert explained["by_category"]["environmental"]["commitments"] == [
        ids["commitments"]["ORGANIC"]
    ]
    assert explained["by_category"]["animal_welfare"]["checks_due"] == sorted(welfare)

    before = _report(a.officer, 2026)["contracts"]
    assert before["active"] == 0
    assert before["checks"] == {
        "due": 0,
        "met": 0,
        "deviation": 0,
        "overdue": 0,
        "open": 0,
        "on_time_share": None,
    }
    assert before["deviations"] == {"opened": 0, "closed": 0, "open": 0}

    after = _report(a.officer, 2028)["contracts"]
    assert after["active"] == 1
    assert after["checks"]["due"] == after["checks"]["open"] == 5
    assert after["deviations"] == {"opened": 0, "closed": 0, "open": 1}

    # Compared with 2026: the change of every contracts figure.
    compared = ok(a.officer.get("/api/v1/reports/follow-up/?year=2027&compare=2026"))
    assert compared["comparison"]["change"]["contracts"]["checks"]["due"] == 7
    assert compared["comparison"]["figures"]["contracts"]["active"] == 0

    # The spreadsheets carry the same figures.
    table = a.officer.get("/api/v1/reports/follow-up/?year=2027&format=csv").content
    assert b"checks due,7" in table
    xlsx = a.officer.get("/api/v1/reports/follow-up/?year=2027&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content))["Contract follow-up"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Environmental"] == (1, 4, 1, 2)
    assert rows["Animal welfare"] == (1, 2, 1, 0)


def test_a_report_published_before_the_contracts_block_stays_as_stored(signed):  # noqa: F811
    """Reports published before the contracts' follow-up keep their stored JSON: the public
    page and the spreadsheets read them without `contracts`."""
    report = follow_up(Contract.objects.get().organization, Period.year(2027))
    assert report["contracts"]["active"] == 1
    del report["contracts"]
    assert all(table != "Contract follow-up" for table, _f, _v in rows(report))
    assert "Contract follow-up" not in csv_text(report, ",")


def test_the_dashboard_and_the_public_page_show_the_contracts_figures_in_words(signed):  # noqa: F811
    """The dashboard and the published page say the contracts' figures (in the page's
    language); the public page shows counts only, never a supplier's answers, statements or
    evidence, nor the officer's review notes."""
    a, _ids = _year_2027(signed)
    officer = User.objects.get(role="officer", organization=Contract.objects.get().organization)
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    page = text_of(client.get("/admin/follow-up/?year=2027"))
    assert "Contract follow-up" in page
    for figure in (
        "Active contracts 1",
        "Checks due 7",
        "Checks met 2",
        "Checks with a deviation 2",
        "Checks overdue 1",
        "Checks open 2",
        "Share met on time 14.3%",
        "Deviations opened 2",
        "Deviations closed 1",
        "Deviations open 1",
        "Environmental 1 4 1 2",
        "Animal welfare 1 2 1 0",
    ):
        assert figure in page, figure

    ok(a.officer.post("/api/v1/reports/follow-up/publish/", {"year": 2027}, format="json"), 201)
    organization = Contract.objects.get().organization_id
    public = Client().get(f"/follow-up/{organization}/2027/?lang=en")
    assert public.status_code == 200
    page = text_of(public)
    assert "Checks due 7" in page
    assert "Deviations open 1" in page
    for private in ("Enligt leveranssedlarna", "För lågt", "Granskat", "Visa transporttider"):
        assert private not in public.content.decode()

    # A report published before the contracts' follow-up has no such table.
    report = follow_up(Contract.objects.get().organization, Period.year(2027))
    del report["contracts"]
    assert figure_tables(report)["contracts"] is None
