"""The contract follow-up in OCDS (API.md, "Third wave"): a contract and its checks as the
release's ``contracts`` entry with ``implementation.milestones``, published from the contract
audit events through the outbox cursor, validated with the OCDS schema and the extensions at
each stage (signed, a check met, a deviation, a check overdue, terminated). The public feed
and the record carry the counts and the milestones, never a supplier's answer, statement or
evidence, nor the officer's notes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.models import Deviation
from contracts.services import follow_up_due_checks
from procurement.models import Tender
from publication import exactjson
from publication.feed import release_page
from publication.models import Release
from publication.services import sweep
from tests.contracts.conftest import at, awarded, ok  # noqa: F401 - the fixture
from tests.publication.ocds_validation import parse
from tests.publication.test_releases import check_everything, releases_of, tags_of
from tests.scenarios import PDF

pytestmark = pytest.mark.django_db

PRIVATE = (
    "Leveranssedlar jan-mars",  # the supplier's statement
    "leveranssedlar.pdf",  # an evidence file
    "Stämmer med fakturorna",  # the officer's review note
    "Två transporter över 8 timmar",  # a deviation's description
    "Visa transporttider",  # the officer's request
    "25000",  # a sanction
    "Hävt enligt avtalets punkt 12",  # the closing note
)


def _no_private(text: str) -> None:
    for secret in PRIVATE:
        assert secret not in text, secret


def test_a_contract_and_its_checks_are_published_at_each_stage(
    awarded,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    a = awarded
    capture = django_capture_on_commit_callbacks
    tender = Tender.objects.get(pk=a.tender)
    sweep()  # the tender's own milestones, up to the award
    assert tags_of(tender)[-1] == ["award"]

    # Signed: a `contract` release; the award is now active.
    a.clock.move_to(at(2027, 3, 1))
    with capture(execute=True):
        contract = ok(a.sign(), 201)
    assert tags_of(tender)[-1] == ["contract"]
    compiled = check_everything(tender)
    (entry,) = compiled["contracts"]
    (award,) = compiled["awards"]
    assert entry["id"] == contract["id"]
    assert entry["awardID"] == award["id"]
    assert award["status"] == "active"
    assert entry["status"] == "active"
    assert entry["title"] == "AVT-2027-014"
    assert entry["value"] == {"amount": 4630000, "currency": "SEK"}
    assert entry["dateSigned"] == "2027-02-28T23:00:00Z"  # local midnight, 1 March
    assert entry["period"] == {
        "startDate": "2027-02-28T23:00:00Z",
        "endDate": "2029-02-28T22:59:59Z",
    }
    assert "implementation" not in entry  # nothing requested yet

    cid = contract["id"]
    welfare = next(c["id"] for c in contract["commitments"] if c["code"] == "WELFARE")
    organic = next(c["id"] for c in contract["commitments"] if c["code"] == "ORGANIC")

    def add(commitment, due_on):
        body = {"commitment": commitment, "due_on": due_on, "request": "Visa transporttider."}
        with capture(execute=True):
            return ok(a.officer.post(f"/api/v1/contracts/{cid}/checks/", body, format="json"), 201)

    # A check met: the supplier's answer and evidence stay private.
    met = add(organic, "2027-03-20")
    assert tags_of(tender)[-1] == ["contract"]  # a check asked for is no release of its own
    ok(
        a.charlie.post(
            f"/api/v1/checks/{met['id']}/answer/",
            {"value": "85", "statement": "Leveranssedlar jan-mars."},
            format="json",
        )
    )
    upload = SimpleUploadedFile("leveranssedlar.pdf", PDF, content_type="application/pdf")
    ok(
        a.charlie.post(
            f"/api/v1/checks/{met['id']}/documents/", {"file": upload}, format="multipart"
        ),
        201,
    )
    a.clock.move_to(at(2027, 3, 5))
    with capture(execute=True):
        ok(
            a.officer.post(
                f"/api/v1/checks/{met['id']}/review/",
                {"outcome": "met", "note": "Stämmer med fakturorna."},
                format="json",
            )
        )
    assert tags_of(tender)[-1] == ["implementation"]
    compiled = check_everything(tender)
    (milestone,) = compiled["contracts"][0]["implementation"]["milestones"]
    assert milestone == {
        "id": met["id"],
        "title": "ORGANIC titel",
        "type": "reporting",
        "dueDate": "2027-03-20T22:59:59Z",
        "status": "met",
        "dateMet": "2027-03-05T09:00:00Z",
        "dateModified": "2027-03-05T09:00:00Z",
    }

    # A deviation: the milestone is not met; the deviation's texts and sanction stay private.
    deviating = add(welfare, "2027-03-15")
    with capture(execute=True):
        ok(
            a.officer.post(
                f"/api/v1/checks/{deviating['id']}/review/",
                {
                    "outcome": "deviation",
                    "note": "Två transporter över 8 timmar.",
                    "severity": "major",
                    "sanction": {"amount": "25000.00", "currency": "SEK"},
                },
                format="json",
            )
        )
    assert tags_of(tender)[-1] == ["implementation"]
    compiled = check_everything(tender)
    statuses = {
        m["id"]: m["status"] for m in compiled["contracts"][0]["implementation"]["milestones"]
    }
    assert statuses == {met["id"]: "met", deviating["id"]: "notMet"}

    # Overdue: an unanswered check past its due date, found by the periodic task.
    late = add(welfare, "2027-03-25")
    a.clock.move_to(at(2027, 3, 27))
    with capture(execute=True):
        assert follow_up_due_checks()["overdue"] == 1
    assert tags_of(tender)[-1] == ["implementation"]
    compiled = check_everything(tender)
    milestones = {m["id"]: m for m in compiled["contracts"][0]["implementation"]["milestones"]}
    assert milestones[late["id"]]["status"] == "notMet"
    assert milestones[late["id"]]["dateModified"] == "2027-03-25T23:00:00Z"

    # Terminated: a `contractTermination` release, the contract terminated.
    deviation = Deviation.objects.get(check_ref_id=deviating["id"])
    with capture(execute=True):
        ok(
            a.officer.post(
                f"/api/v1/deviations/{deviation.pk}/close/",
                {"status": "terminated", "note": "Hävt enligt avtalets punkt 12."},
                format="json",
            )
        )
    assert tags_of(tender)[-1] == ["contractTermination"]
    compiled = check_everything(tender)
    assert compiled["contracts"][0]["status"] == "terminated"
    assert compiled["awards"][0]["status"] == "active"

    # One release per event, through the cursor: a sweep publishes nothing twice.
    count = Release.objects.count()
    assert sweep() == 0
    assert Release.objects.count() == count

    # The public feed shows the contract releases, and nothing private.
    package, _more = release_page(None, 1, {})
    text = exactjson.dumps(package)
    tags = [r["tag"] for r in parse(text)["releases"]]
    assert ["contract"] in tags and ["implementation"] in tags
    assert ["contractTermination"] in tags
    _no_private(text)
    for release in releases_of(tender):
        _no_private(exactjson.dumps(release))
        for entry in release.get("contracts", []):
            for milestone in entry.get("implementation", {}).get("milestones", []):
                assert set(milestone) <= {
                    "id",
                    "title",
                    "type",
                    "dueDate",
                    "status",
                    "dateMet",
                    "dateModified",
                }
