"""OCDS releases derived from audit events through the outbox, validated at every stage of a
tender's life against OCDS 1.1.5 with the declared extensions (tests/publication/
ocds_validation.py)."""

import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from procurement.services.tenders import publish_tender
from publication import exactjson, ocds
from publication.feed import record_package, release_page, tender_package
from publication.models import ChainCursor, Record, Release
from publication.ocds import main_category, ocid_for
from publication.services import publish_chain, sweep
from tests.publication.lifecycle import METHODS, new_life
from tests.publication.ocds_validation import (
    check_record_package,
    check_release,
    check_release_package,
    parse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(officer, second_officer):
    return (officer, second_officer)


@pytest.fixture
def bidders(make_user, supplier, other_supplier):
    supplier.org_number = "556677-8899"
    supplier.country = "SE"
    supplier.employees = 8
    supplier.annual_turnover = Decimal("1500000.00")
    supplier.save()
    return make_user("bidder", supplier), make_user("bidder", other_supplier)


def releases_of(tender):
    return [parse(r.release_json) for r in Release.objects.filter(tender_id=tender.pk)]


def tags_of(tender):
    return [r.tag for r in Release.objects.filter(tender_id=tender.pk).order_by("date", "id")]


def check_everything(tender):
    """Every stored release, the feed and the record package validate."""
    for release in releases_of(tender):
        check_release(release)
    package, _found = release_page(None, 1, {})
    check_release_package(parse(exactjson.dumps(package)))
    record = record_package(ocid_for(tender.pk))
    assert record is not None
    check_record_package(parse(exactjson.dumps(record)))
    return record["records"][0]["compiledRelease"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_stage_of_every_method_validates(
    method, officers, bidders, clock, django_capture_on_commit_callbacks
):
    life = new_life(officers, django_capture_on_commit_callbacks, clock, method=method)
    # A draft is never published, and its staff's preview is a planning release.
    assert not Release.objects.exists()
    preview = tender_package(life.tender)
    check_release_package(parse(exactjson.dumps(preview)))
    assert preview["releases"][0]["tag"] == ["planning"]

    life.publish()
    assert tags_of(life.tender) == [["tender"]]
    compiled = check_everything(life.tender)
    assert compiled["tender"]["status"] == "active"
    assert "bids" not in compiled and "awards" not in compiled  # nothing sealed

    life.amend()
    assert tags_of(life.tender)[-1] == ["tenderAmendment"]
    compiled = check_everything(life.tender)
    assert compiled["tender"]["amendments"][0]["rationale"] == "Längre tid för anbud"

    life.bid(bidders[0], "900000.00")
    life.bid(bidders[1], "950000.00")
    assert len(tags_of(life.tender)) == 2  # bids are sealed: no release, no count
    assert "bids" not in check_everything(life.tender)

    life.open()
    assert tags_of(life.tender)[-1] == ["tenderUpdate"]
    compiled = check_everything(life.tender)
    assert compiled["bids"]["statistics"][0] == {"id": "bids", "measure": "bids", "value": 2}
    assert "details" not in compiled["bids"]

    life.evaluate()
    assert tags_of(life.tender)[-1] == ["tenderUpdate"]
    compiled = check_everything(life.tender)
    assert "awards" not in compiled

    life.award()
    assert tags_of(life.tender)[-1] == ["award"]
    compiled = check_everything(life.tender)
    (award,) = compiled["awards"]
    assert award["status"] == "pending"
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["milestones"][0]["code"] == "standstillPeriod"
    (detail,) = compiled["bids"]["details"]  # only the winner's bid, never a losing price
    assert detail["id"] in award["relatedBids"]
    winner = next(p for p in compiled["parties"] if "supplier" in p["roles"])
    if winner["name"] == "Charlie Gård AB":
        assert winner["identifier"] == {
            "scheme": "SE-BLV",
            "id": "556677-8899",
            "legalName": "Charlie Gård AB",
        }
        assert winner["details"] == {"scale": "micro"}
    criteria = compiled["tender"]["lots"][0]["awardCriteria"]["criteria"]
    assert criteria[0]["type"] in ("price", "cost")
    if method == "weighted_points":
        assert criteria[0]["numbers"] == [{"number": 70, "weight": "percentageExact"}]
        assert criteria[1] == {
            "type": "quality",
            "name": "Förnybart bränsle",
            "numbers": [{"number": 30, "weight": "percentageExact"}],
        }
    if method != "lowest_price":
        goals = compiled["tender"]["sustainability"]
        assert {"goal": "environmental", "strategies": ["awardCriteria"]} in goals
    assert {"goal": "social", "strategies": ["technicalSpecifications"]} in compiled["tender"][
        "sustainability"
    ]


def test_cancelled_after_publishing_and_a_cancelled_draft(
    officers, clock, django_capture_on_commit_callbacks
):
    draft = new_life(officers, django_capture_on_commit_callbacks, clock)
    draft.cancel()
    assert not Release.objects.exists()  # a draft is never public, not even cancelled

    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    life.publish()
    life.cancel()
    assert tags_of(life.tender) == [["tender"], ["tenderCancellation"]]
    compiled = check_everything(life.tender)
    assert compiled["tender"]["status"] == "cancelled"


def test_several_lots_one_supplier_winning_two_is_one_party(
    officers, bidders, clock, django_capture_on_commit_callbacks
):
    life = new_life(
        officers, django_capture_on_commit_callbacks, clock, method="weighted_points", lots=2
    )
    life.publish()
    first, second = life.lots
    for lot in (first, second):
        life.bid(bidders[0], "800000.00", lot=lot)
        life.bid(bidders[1], "990000.00", lot=lot)
    life.open()
    compiled = check_everything(life.tender)
    per_lot = {s.get("relatedLot"): s["value"] for s in compiled["bids"]["statistics"]}
    assert per_lot == {None: 4, str(first.pk): 2, str(second.pk): 2}
    life.evaluate()
    life.award()
    compiled = check_everything(life.tender)
    assert len(compiled["awards"]) == 2
    suppliers = [p for p in compiled["parties"] if "supplier" in p["roles"]]
    assert len(suppliers) == 1  # uniqueItems: one party however many lots it wins
    assert [len(lot["awardCriteria"]["criteria"]) for lot in compiled["tender"]["lots"]] == [2, 2]


def test_user_text_never_becomes_a_number(officers, clock, django_capture_on_commit_callbacks):
    life = new_life(officers, django_capture_on_commit_callbacks, clock, title="@number:42")
    life.publish()
    (release,) = releases_of(life.tender)
    assert release["tender"]["title"] == "@number:42"
    assert '"title":"@number:42"' in Release.objects.get().release_json
    # Amounts are exact JSON numbers.
    assert '"value":{"amount":5000000.00,"currency":"SEK"}' in Release.objects.get().release_json


def test_a_rolled_back_change_publishes_nothing(
    officers, clock, django_capture_on_commit_callbacks
):
    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    with (
        django_capture_on_commit_callbacks(execute=True) as hooks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish_tender(tender=life.tender, actor=officers[0])
        raise RuntimeError("the request failed after publishing")
    # The rolled-back transaction's after-commit hooks are discarded with it: the outbox sent
    # nothing, no task ran, nothing is stored.
    assert hooks == []
    assert not Release.objects.exists() and not Record.objects.exists()
    # The same change committed is published.
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        publish_tender(tender=life.tender, actor=officers[0])
    assert hooks  # the outbox's hook, then the receiver's hand-over to the task
    assert tags_of(life.tender) == [["tender"]]


def test_idempotent_and_the_sweep_catches_up_after_a_lost_hand_over(
    officers, clock, django_capture_on_commit_callbacks
):
    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    # Published without the after-commit hooks: as if the process died after the commit.
    publish_tender(tender=life.tender, actor=officers[0])
    assert not Release.objects.exists()
    assert sweep() == 1
    assert sweep() == 0  # the cursor moved on
    chain = str(life.tender.organization_id)
    ChainCursor.objects.filter(chain=chain).update(sequence=0)
    assert publish_chain(chain) == 0  # read again: each event gives one release at most
    assert Release.objects.count() == 1
    check_everything(life.tender)


def test_backfill_command_publishes_existing_events(
    officers, clock, django_capture_on_commit_callbacks
):
    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    publish_tender(tender=life.tender, actor=officers[0])
    call_command("publish_ocds_releases", verbosity=0)
    assert tags_of(life.tender) == [["tender"]]


def test_a_release_is_never_changed(officers, clock, django_capture_on_commit_callbacks):
    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    life.publish()
    release = Release.objects.get()
    release.release_json = "{}"
    with pytest.raises(ValueError):
        release.save()


@pytest.mark.parametrize(
    ("codes", "category"),
    [
        (["45000000-7"], "works"),
        (["50100000"], "services"),
        (["98000000"], "services"),
        (["15110000", "45000000"], "goods"),
        ([], None),
    ],
)
def test_main_procurement_category_from_cpv(codes, category):
    assert main_category(codes) == category


def test_extensions_are_pinned_and_the_prefix_is_checked_at_start_up():
    for url in ocds.EXTENSIONS:
        assert re.search(r"/[0-9a-f]{40}/extension\.json$", url), url
    for prefix, ok in (("ocds-213czf", True), ("ocds-anbud", False), ("anbud-123456", False)):
        started = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "OCDS_PREFIX": prefix},
            capture_output=True,
            text=True,
            check=False,
        )
        assert (started.returncode == 0) is ok, started.stderr
        if not ok:
            assert "OCDS_PREFIX must be a registered ocid prefix" in started.stderr
