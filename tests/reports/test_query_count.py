"""The follow-up report is counted in SQL: one organisation's year costs the same number of
queries whatever the number of its tenders, bids and awards (bench/report.py times it on
10,000 tenders; this test holds the query count)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Contract
from reports.followup import Period, follow_up
from tests.contracts.conftest import awarded, signed  # noqa: F401 - the fixtures
from tests.factories import BidFactory, BuyerFactory, TenderCriterionFactory, TenderFactory
from tests.reports.test_follow_up_by_hand import _ok, at, year_2026  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

YEAR = Period.year(2026)


def queries(organization, *, explain: bool) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        report = follow_up(organization, YEAR, explain=explain)
    return len(captured.captured_queries), report


def more_tenders(organization, count: int) -> None:
    """``count`` published tenders in 2026, each with two criteria and three submitted bids."""
    for n in range(count):
        tender = TenderFactory(
            organization=organization,
            status="published",
            published_at=at(2026, 4, 1 + n % 28),
            submission_deadline=at(2026, 5, 1, 12),
        )
        TenderCriterionFactory(tender=tender, category="environmental", kind="requirement")
        TenderCriterionFactory(tender=tender, category="social", level="advanced")
        for price in ("100000.00", "200000.00", "300000.00"):
            BidFactory(tender=tender, status="submitted", price_amount=Decimal(price))


def test_the_query_count_is_the_same_for_a_small_and_a_big_organisation(year_2026, buyer):  # noqa: F811
    small = BuyerFactory(name="Lilla kommunen")
    more_tenders(small, 1)
    _ok(
        year_2026.officer.post(
            "/api/v1/follow-up-targets/",
            {"year": 2026, "metric": "sme_award_share", "target": "0.5"},
            format="json",
        ),
        201,
    )

    counts = {}
    for explain in (False, True):
        small_count, small_report = queries(small, explain=explain)
        region_count, region_report = queries(buyer, explain=explain)
        assert small_report["tenders"]["published"] == 1
        assert region_report["tenders"]["published"] == 4
        assert region_report["awards"]["lots"] == 4
        assert region_count == small_count, explain
        counts[explain] = (small_count, region_report["bids"]["submitted"])

    more_tenders(buyer, 12)
    for explain in (False, True):
        bigger_count, bigger_report = queries(buyer, explain=explain)
        small_count, bids_before = counts[explain]
        assert bigger_report["tenders"]["published"] == 16
        assert bigger_report["bids"]["submitted"] == bids_before + 36
        assert bigger_count == small_count, explain


def test_the_api_report_costs_a_fixed_number_of_queries(year_2026, buyer):  # noqa: F811
    officer = year_2026.officer
    with CaptureQueriesContext(connection) as before:
        _ok(officer.get("/api/v1/reports/follow-up/?year=2026&explain=true"))
    more_tenders(buyer, 8)
    with CaptureQueriesContext(connection) as after:
        report = _ok(officer.get("/api/v1/reports/follow-up/?year=2026&explain=true"))
    assert report["tenders"]["published"] == 12
    assert len(after.captured_queries) == len(before.captured_queries)
    assert dt.date.fromisoformat(report["period"]["to"]) == dt.date(2026, 12, 31)


def test_the_contracts_figures_cost_the_same_queries_with_and_without_contracts(
    signed,  # noqa: F811
    other_buyer,
):
    """The contracts block is counted in SQL too: an organisation with no contract, one with
    a contract and its first checks, and the same with a check every month and a deviation
    cost the same number of queries."""
    a, contract = signed
    region = Contract.objects.get().organization
    year = Period.year(2027)
    for explain in (False, True):
        with CaptureQueriesContext(connection) as none:
            follow_up(other_buyer, year, explain=explain)
        with CaptureQueriesContext(connection) as few:
            first = follow_up(region, year, explain=explain)
        assert len(none.captured_queries) == len(few.captured_queries), explain
    organic = next(c for c in contract["commitments"] if c["code"] == "ORGANIC")
    _ok(
        a.officer.patch(
            f"/api/v1/contracts/{contract['id']}/commitments/{organic['id']}/",
            {"every_months": 1, "next_due_on": "2027-03-10"},
            format="json",
        )
    )
    check = _ok(a.officer.get(f"/api/v1/contracts/{contract['id']}/checks/"))["results"][0]
    _ok(
        a.officer.post(
            f"/api/v1/checks/{check['id']}/review/",
            {"outcome": "deviation", "note": "Inga leveranssedlar."},
            format="json",
        )
    )
    for explain in (False, True):
        with CaptureQueriesContext(connection) as few:
            follow_up(other_buyer, year, explain=explain)
        with CaptureQueriesContext(connection) as many:
            report = follow_up(region, year, explain=explain)
        assert report["contracts"]["checks"]["due"] > first["contracts"]["checks"]["due"] + 5
        assert report["contracts"]["deviations"]["opened"] == 1
        assert len(many.captured_queries) == len(few.captured_queries), explain
