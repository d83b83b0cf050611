"""A contract followed from the award to its end (API.md, "Third wave"): every kind of
commitment (a requirement, a contract condition, an award criterion with a promise) through
checks, answers, reviews and a deviation to its close, as the buyer and as the supplier, while
another supplier, another region and an evaluator see nothing."""

from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from contracts.models import Check, CheckDocument, Contract, Deviation
from tests.contracts.conftest import at, ok
from tests.scenarios import PDF


def _by_code(contract):
    return {c["code"]: c for c in contract["commitments"]}


def _actions(contract_id):
    return list(
        AuditEvent.objects.filter(data__contract=str(contract_id))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def test_a_contract_is_followed_through_every_kind_of_commitment(signed):
    a, contract = signed
    cid = contract["id"]
    commitments = _by_code(contract)

    # Frozen at signing: the requirement, the condition, and the award criterion with points
    # (its answer is the promise); QUAL earned nothing, so it promised nothing.
    assert set(commitments) == {"ORGANIC", "WELFARE", "SOCIAL"}
    assert commitments["ORGANIC"]["kind"] == "award"
    assert commitments["ORGANIC"]["promised"] == "80"
    assert commitments["ORGANIC"]["verification"] == "documents"  # "Leveranssedlar och certifikat"
    assert commitments["WELFARE"]["kind"] == "requirement"
    assert commitments["WELFARE"]["verification"] == "audit"  # "Revision på plats"
    assert commitments["SOCIAL"]["kind"] == "contract_condition"
    assert commitments["SOCIAL"]["verification"] == "self_declaration"
    assert commitments["SOCIAL"]["next_due_on"] == "2027-05-30"  # a quarter after the start
    assert contract["supplier"]["name"] == "Charlie Gård AB"
    assert contract["status"] == "active"

    # Who reads it: the buyer's readers and the supplier's bidders; nobody else.
    for reader in (a.officer, a.admin, a.auditor, a.charlie):
        assert ok(reader.get(f"/api/v1/contracts/{cid}/"))["id"] == cid
    for outsider in (a.dana, a.bob, a.evaluator):
        assert outsider.get(f"/api/v1/contracts/{cid}/").status_code == 404
        assert ok(outsider.get("/api/v1/contracts/"))["count"] == 0
    assert ok(a.charlie.get("/api/v1/contracts/"))["count"] == 1
    # Nothing is due within 30 days yet: no check is requested.
    assert ok(a.charlie.get(f"/api/v1/contracts/{cid}/checks/"))["count"] == 0

    # The officer checks the organic share quarterly from 20 March: requested at once.
    organic = ok(
        a.officer.patch(
            f"/api/v1/contracts/{cid}/commitments/{commitments['ORGANIC']['id']}/",
            {"every_months": 3, "next_due_on": "2027-03-20"},
            format="json",
        )
    )
    assert organic["every_months"] == 3
    assert organic["next_due_on"] == "2027-03-20"
    # An unannounced audit of the animal-welfare requirement.
    audit = a.officer.post(
        f"/api/v1/contracts/{cid}/checks/",
        {
            "commitment": commitments["WELFARE"]["id"],
            "due_on": "2027-03-15",
            "request": "Visa transporttider för vecka 10.",
        },
        format="json",
    )
    welfare_check = ok(audit, 201)
    assert audit["Location"] == f"/api/v1/checks/{welfare_check['id']}/"
    assert welfare_check["status"] == "requested"

    checks = ok(a.charlie.get(f"/api/v1/contracts/{cid}/checks/"))["results"]
    assert [(c["code"], c["due_on"]) for c in checks] == [
        ("WELFARE", "2027-03-15"),
        ("ORGANIC", "2027-03-20"),
    ]
    organic_check = checks[1]

    # The supplier answers with the same kind of value as in the bid, and adds evidence.
    answered = ok(
        a.charlie.post(
            f"/api/v1/checks/{organic_check['id']}/answer/",
            {"value": "85", "statement": "Leveranssedlar jan-mars."},
            format="json",
        )
    )
    assert answered["status"] == "submitted"
    assert answered["answer"]["value"] == "85"
    upload = a.charlie.post(
        f"/api/v1/checks/{organic_check['id']}/documents/",
        {"file": _pdf("leveranssedlar.pdf")},
        format="multipart",
    )
    document = ok(upload, 201)
    assert upload["Location"].endswith(f"/documents/{document['id']}/download/")
    download = a.officer.get(upload["Location"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert a.dana.get(upload["Location"]).status_code == 404
    # Stored outside procurement's documents/ folder, which its orphan purge sweeps.
    assert CheckDocument.objects.get(pk=document["id"]).file.name.startswith("evidence/")

    # The officer finds it met.
    met = ok(
        a.officer.post(
            f"/api/v1/checks/{organic_check['id']}/review/",
            {"outcome": "met", "note": "Stämmer med fakturorna."},
            format="json",
        )
    )
    assert met["status"] == "met"
    assert met["review"]["outcome"] == "met"
    assert len(met["documents"]) == 1

    # The animal-welfare audit finds a deviation, with a remedy date and a penalty.
    ok(
        a.charlie.post(
            f"/api/v1/checks/{welfare_check['id']}/answer/",
            {"value": True, "statement": "Alla transporter under 8 timmar."},
            format="json",
        )
    )
    reviewed = ok(
        a.officer.post(
            f"/api/v1/checks/{welfare_check['id']}/review/",
            {
                "outcome": "deviation",
                "note": "Två transporter över 8 timmar.",
                "severity": "major",
                "remedy_due_on": "2027-04-15",
                "sanction": {"amount": "25000.00", "currency": "SEK"},
            },
            format="json",
        )
    )
    assert reviewed["status"] == "deviation"
    deviations = ok(a.charlie.get(f"/api/v1/contracts/{cid}/deviations/"))["results"]
    assert len(deviations) == 1
    deviation = deviations[0]
    assert deviation["check"] == welfare_check["id"]
    assert deviation["commitment"] == commitments["WELFARE"]["id"]
    assert deviation["severity"] == "major"
    assert deviation["sanction"] == {"amount": "25000.00", "currency": "SEK"}
    assert deviation["status"] == "open"
    assert reviewed["deviation"] == deviation["id"]
    assert a.dana.get(f"/api/v1/deviations/{deviation['id']}/").status_code == 404
    assert a.dana.get(f"/api/v1/checks/{welfare_check['id']}/").status_code == 404
    assert a.charlie.get(f"/api/v1/deviations/{deviation['id']}/").status_code == 200

    # The officer gives more time, then closes it as remedied.
    read = a.officer.get(f"/api/v1/deviations/{deviation['id']}/")
    changed = ok(
        a.officer.patch(
            f"/api/v1/deviations/{deviation['id']}/",
            {"remedy_due_on": "2027-04-30"},
            format="json",
            HTTP_IF_MATCH=read["ETag"],
        )
    )
    assert changed["remedy_due_on"] == "2027-04-30"
    stale = a.officer.patch(
        f"/api/v1/deviations/{deviation['id']}/",
        {"severity": "minor"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert stale.status_code == 412
    closed = ok(
        a.officer.post(
            f"/api/v1/deviations/{deviation['id']}/close/",
            {"status": "remedied", "note": "Nya transportrutter från april."},
            format="json",
        )
    )
    assert closed["status"] == "remedied"
    assert closed["closed_at"] is not None
    assert closed["closing_note"] == "Nya transportrutter från april."

    # The contract condition's check appears 30 days before it is due (30 May), by the clock.
    a.clock.move_to(at(2027, 4, 30, 9))
    checks = ok(a.charlie.get(f"/api/v1/contracts/{cid}/checks/"))["results"]
    social = next(c for c in checks if c["code"] == "SOCIAL")
    assert social["status"] == "requested"
    assert social["due_on"] == "2027-05-30"
    ok(
        a.charlie.post(
            f"/api/v1/checks/{social['id']}/answer/",
            {"value": True, "statement": "Kollektivavtal gäller."},
            format="json",
        )
    )
    ok(a.officer.post(f"/api/v1/checks/{social['id']}/review/", {"outcome": "met"}, format="json"))

    # Every change is an audit event on the buyer's chain, in order.
    assert _actions(cid) == [
        "contract.signed",
        "contract.commitment_changed",
        "contract.check_requested",  # ORGANIC, 20 March: within 30 days
        "contract.check_added",
        "contract.check_requested",  # the unannounced audit
        "contract.check_answered",
        "contract.check_document_added",
        "contract.check_reviewed",
        "contract.check_answered",
        "contract.check_reviewed",
        "contract.deviation_opened",
        "contract.deviation_changed",
        "contract.deviation_closed",
        "contract.check_answered",  # SOCIAL: requested by the clock, recorded by the task
        "contract.check_reviewed",
    ]
    buyer_chain = str(Contract.objects.get(pk=cid).organization_id)
    assert set(AuditEvent.objects.filter(data__contract=cid).values_list("chain", flat=True)) == {
        buyer_chain
    }


def test_a_terminating_close_ends_the_contract(signed):
    a, contract = signed
    cid = contract["id"]
    welfare = _by_code(contract)["WELFARE"]["id"]
    check = ok(
        a.officer.post(
            f"/api/v1/contracts/{cid}/checks/",
            {"commitment": welfare, "due_on": "2027-03-10", "request": "Transportloggar."},
            format="json",
        ),
        201,
    )
    ok(
        a.officer.post(
            f"/api/v1/checks/{check['id']}/review/",
            {"outcome": "deviation", "note": "Inga loggar.", "severity": "critical"},
            format="json",
        )
    )
    deviation = Deviation.objects.get(check_ref_id=check["id"])
    scheduled_before = Check.objects.filter(
        contract_id=cid, requested_at__gt=at(2027, 3, 2)
    ).count()
    assert scheduled_before > 0
    ok(
        a.officer.post(
            f"/api/v1/deviations/{deviation.pk}/close/",
            {"status": "terminated", "note": "Hävt enligt avtalets punkt 12."},
            format="json",
        )
    )
    shown = ok(a.charlie.get(f"/api/v1/contracts/{cid}/"))
    assert shown["status"] == "terminated"
    assert shown["terminated_at"] is not None
    assert ok(a.officer.get("/api/v1/contracts/?status=terminated"))["count"] == 1
    assert ok(a.officer.get("/api/v1/contracts/?status=active"))["count"] == 0
    # Checks not yet requested are dropped; nothing more can be asked.
    assert Check.objects.filter(contract_id=cid, requested_at__gt=at(2027, 3, 2)).count() == 0
    again = a.officer.post(
        f"/api/v1/contracts/{cid}/checks/",
        {"commitment": welfare, "due_on": "2027-03-20", "request": "Igen."},
        format="json",
    )
    assert again.status_code == 409
    assert "contract.terminated" in _actions(cid)


def test_roles_that_may_not_write_are_refused(signed):
    a, contract = signed
    cid = contract["id"]
    welfare = _by_code(contract)["WELFARE"]["id"]
    body = {"commitment": welfare, "due_on": "2027-03-20", "request": "Visa."}
    for refused in (a.auditor, a.charlie, a.evaluator):
        response = refused.post(f"/api/v1/contracts/{cid}/checks/", body, format="json")
        assert response.status_code in (403, 404)
    check = ok(a.officer.post(f"/api/v1/contracts/{cid}/checks/", body, format="json"), 201)
    # Only the supplier answers; only officers review.
    assert (
        a.officer.post(
            f"/api/v1/checks/{check['id']}/answer/", {"value": True}, format="json"
        ).status_code
        == 403
    )
    assert (
        a.charlie.post(
            f"/api/v1/checks/{check['id']}/review/", {"outcome": "met"}, format="json"
        ).status_code
        == 403
    )
    assert (
        a.auditor.post(
            f"/api/v1/checks/{check['id']}/review/", {"outcome": "met"}, format="json"
        ).status_code
        == 403
    )
    assert Check.objects.get(pk=check["id"]).outcome == ""


def _pdf(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
