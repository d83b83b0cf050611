"""The rules of the follow-up: when a contract may be signed, what input is refused (and then
changes nothing), what the clock does on its own, and the periodic task's idempotency."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.readcache import memory
from audit.models import AuditEvent
from contracts import services
from contracts.models import Check, Commitment, Contract, Deviation
from contracts.tasks import follow_up_due_checks_task
from procurement.models import Lot, Tender
from tests.contracts.conftest import at, build_award, ok
from tests.scenarios import PDF
from webhooks import deliveries, payloads
from webhooks import services as webhook_services
from webhooks.models import Delivery, Event


def _counts():
    return (
        Contract.objects.count(),
        Commitment.objects.count(),
        Check.objects.count(),
        Deviation.objects.count(),
        AuditEvent.objects.filter(action__startswith="contract.").count(),
    )


def _problem(response, status, code=None):
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"] == "application/problem+json"
    if code is not None:
        assert response.json()["code"] == code, response.json()
    return response.json()


# --- signing -----------------------------------------------------------------------------------


def test_signing_waits_for_the_end_of_the_standstill_period(awarded):
    awarded.clock.move_to(at(2027, 2, 10))
    before = _counts()
    _problem(awarded.sign(signed_on="2027-02-10", starts_on="2027-03-01"), 409, "standstill")
    assert _counts() == before
    awarded.clock.move_to(at(2027, 2, 13, 12))  # decided 3 Feb 10:00 + ten days
    ok(awarded.sign(signed_on="2027-02-13", starts_on="2027-03-01"), 201)


def test_a_lot_with_a_single_bid_may_be_signed_during_the_standstill(
    api, clock, other_supplier, other_buyer, django_capture_on_commit_callbacks
):
    awarded = build_award(
        api,
        clock,
        other_supplier,
        other_buyer,
        django_capture_on_commit_callbacks,
        dana_bids=False,
    )
    clock.move_to(at(2027, 2, 4))
    contract = ok(awarded.sign(signed_on="2027-02-04", starts_on="2027-03-01"), 201)
    event = AuditEvent.objects.get(action="contract.signed")
    assert event.data["single_bid"] is True
    assert contract["status"] == "active"


def test_a_second_contract_for_the_same_lot_is_409(signed):
    a, _contract = signed
    before = _counts()
    _problem(a.sign(reference="AVT-2027-015"), 409, "already_signed")
    _problem(a.sign(lot=a.lot, reference="AVT-2027-015"), 409, "already_signed")
    assert _counts() == before


def test_a_lot_without_an_award_is_409(awarded):
    awarded.clock.move_to(at(2027, 3, 1))
    tender = Tender.objects.get(pk=awarded.tender)
    extra = Lot.objects.create(tender=tender, number=2, title="Efterlot")
    before = _counts()
    _problem(awarded.sign(lot=str(extra.pk)), 409, "lot_not_awarded")
    assert _counts() == before


def test_a_tender_without_an_award_is_409(api, signed):
    a, _contract = signed
    draft = ok(
        a.officer.post(
            "/api/v1/tenders/",
            {
                "reference": "RK-2027-0099",
                "title": "Inte tilldelad",
                "procedure": "open",
                "cpv_codes": ["15110000"],
                "currency": "SEK",
                "submission_deadline": "2027-06-01T10:00:00Z",
                "evaluation": {"method": "lowest_price"},
                "no_lots_reason": "En leverans.",
            },
            format="json",
        ),
        201,
    )
    before = _counts()
    response = a.officer.post(
        f"/api/v1/tenders/{draft['id']}/contracts/",
        {
            "reference": "X",
            "signed_on": "2027-03-01",
            "starts_on": "2027-03-01",
            "ends_on": "2028-03-01",
            "value": {"amount": "1.00", "currency": "SEK"},
        },
        format="json",
    )
    _problem(response, 409, "not_awarded")
    assert _counts() == before


@pytest.mark.parametrize(
    ("case", "dates", "field"),
    [
        pytest.param(
            "ends before it starts",
            {"starts_on": "2027-03-01", "ends_on": "2027-02-28"},
            "/ends_on",
            id="ends-before-start",
        ),
        pytest.param(
            "signed in the future",
            {"signed_on": "2027-03-02"},
            "/signed_on",
            id="signed-tomorrow",
        ),
        pytest.param(
            "signed before the award",
            {"signed_on": "2027-02-01"},
            "/signed_on",
            id="signed-before-award",
        ),
        pytest.param(
            "signed after it ends",
            {"starts_on": "2026-01-01", "ends_on": "2026-12-31"},
            "/signed_on",
            id="signed-after-end",
        ),
    ],
)
def test_dates_that_do_not_fit_are_400_and_change_nothing(awarded, case, dates, field):
    awarded.clock.move_to(at(2027, 3, 1))
    before = _counts()
    problem = _problem(awarded.sign(**dates), 400)
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert _counts() == before


def test_another_region_cannot_sign_and_a_bidder_may_not(signed):
    a, _contract = signed
    body = {
        "reference": "X",
        "signed_on": "2027-03-01",
        "starts_on": "2027-03-01",
        "ends_on": "2028-03-01",
        "value": {"amount": "1.00", "currency": "SEK"},
    }
    assert (
        a.bob.post(f"/api/v1/tenders/{a.tender}/contracts/", body, format="json").status_code == 404
    )
    assert (
        a.charlie.post(f"/api/v1/tenders/{a.tender}/contracts/", body, format="json").status_code
        == 403
    )


# --- bad input changes nothing --------------------------------------------------------------


def _commitment(contract, code):
    return next(c for c in contract["commitments"] if c["code"] == code)


def _add_check(a, contract, code="ORGANIC", due_on="2027-03-20"):
    return ok(
        a.officer.post(
            f"/api/v1/contracts/{contract['id']}/checks/",
            {"commitment": _commitment(contract, code)["id"], "due_on": due_on, "request": "Visa."},
            format="json",
        ),
        201,
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        pytest.param(True, None, id="boolean-for-a-number"),
        pytest.param("mycket", None, id="text-for-a-number"),
        pytest.param(85.5, "float_not_allowed", id="float"),
        pytest.param(None, None, id="nothing"),
    ],
)
def test_an_answer_of_the_wrong_type_is_400_and_changes_nothing(signed, value, code):
    a, contract = signed
    check = _add_check(a, contract)
    before = _counts()
    problem = _problem(
        a.charlie.post(f"/api/v1/checks/{check['id']}/answer/", {"value": value}, format="json"),
        400,
    )
    assert problem["errors"][0]["field"] == "/value", problem
    if code:
        assert problem["errors"][0]["code"] == code
    assert _counts() == before
    assert Check.objects.get(pk=check["id"]).submitted_at is None


def test_a_check_before_the_contract_or_of_another_contract_is_400(signed):
    a, contract = signed
    tender_lot = Lot.objects.get(pk=a.lot)
    other_lot = Lot.objects.create(tender=tender_lot.tender, number=2, title="Annan")
    original = Contract.objects.get(pk=contract["id"])
    other = Contract.objects.create(
        organization_id=original.organization_id,
        tender_id=original.tender_id,
        lot=other_lot,
        bid_id=original.bid_id,
        supplier_id=original.supplier_id,
        reference="AVT-ANNAT",
        signed_on=original.signed_on,
        starts_on=original.starts_on,
        ends_on=original.ends_on,
        value_amount=1,
        value_currency="SEK",
        created_by_id=original.created_by_id,
    )
    foreign = Commitment.objects.create(
        contract=other,
        tender_criterion_id=_commitment(contract, "ORGANIC")["tender_criterion"],
        code="ORGANIC",
        title_sv="x",
        category="environmental",
        kind="award",
        rule={"type": "boolean"},
    )
    before = _counts()
    url = f"/api/v1/contracts/{contract['id']}/checks/"
    welfare = _commitment(contract, "WELFARE")["id"]
    too_early = a.officer.post(
        url, {"commitment": welfare, "due_on": "2027-02-28", "request": "Visa."}, format="json"
    )
    assert _problem(too_early, 400)["errors"][0]["field"] == "/due_on"
    too_late = a.officer.post(
        url, {"commitment": welfare, "due_on": "2029-03-01", "request": "Visa."}, format="json"
    )
    assert _problem(too_late, 400)["errors"][0]["field"] == "/due_on"
    elsewhere = a.officer.post(
        url,
        {"commitment": str(foreign.pk), "due_on": "2027-03-20", "request": "Visa."},
        format="json",
    )
    assert _problem(elsewhere, 400)["errors"][0]["field"] == "/commitment"
    assert _counts() == before


def test_a_review_twice_and_an_answer_after_the_review_are_409(signed):
    a, contract = signed
    check = _add_check(a, contract)
    url = f"/api/v1/checks/{check['id']}"
    ok(a.charlie.post(f"{url}/answer/", {"value": "85"}, format="json"))
    ok(a.officer.post(f"{url}/review/", {"outcome": "met"}, format="json"))
    before = _counts()
    _problem(
        a.officer.post(f"{url}/review/", {"outcome": "deviation", "note": "Nej."}, format="json"),
        409,
        "already_reviewed",
    )
    _problem(a.charlie.post(f"{url}/answer/", {"value": "90"}, format="json"), 409)
    upload = a.charlie.post(
        f"{url}/documents/",
        {"file": _file()},
        format="multipart",
    )
    _problem(upload, 409)
    assert _counts() == before
    assert Check.objects.get(pk=check["id"]).answer_value == "85"


def test_a_deviation_needs_a_description_and_closes_once(signed):
    a, contract = signed
    check = _add_check(a, contract)
    url = f"/api/v1/checks/{check['id']}/review/"
    before = _counts()
    _problem(a.officer.post(url, {"outcome": "deviation"}, format="json"), 400)
    _problem(a.officer.post(url, {"outcome": "maybe"}, format="json"), 400)
    assert _counts() == before
    ok(a.officer.post(url, {"outcome": "deviation", "note": "Fel andel."}, format="json"))
    deviation = Deviation.objects.get(check_ref_id=check["id"])
    close = f"/api/v1/deviations/{deviation.pk}/close/"
    _problem(a.officer.post(close, {"status": "open", "note": "x"}, format="json"), 400)
    ok(a.officer.post(close, {"status": "accepted", "note": "Godtas."}, format="json"))
    before = _counts()
    _problem(a.officer.post(close, {"status": "remedied", "note": "Igen."}, format="json"), 409)
    _problem(
        a.officer.patch(
            f"/api/v1/deviations/{deviation.pk}/", {"severity": "major"}, format="json"
        ),
        409,
    )
    assert _counts() == before


def test_a_schedule_outside_the_contract_is_400(signed):
    a, contract = signed
    url = f"/api/v1/contracts/{contract['id']}/commitments/{_commitment(contract, 'SOCIAL')['id']}/"
    before = _counts()
    for body in (
        {"next_due_on": "2029-03-01"},
        {"next_due_on": "2027-02-01"},
        {"every_months": 0},
        {"verification": "hearsay"},
    ):
        _problem(a.officer.patch(url, body, format="json"), 400)
    assert _counts() == before


def test_a_recurring_schedule_runs_to_the_end_of_the_contract(signed):
    a, contract = signed
    social = _commitment(contract, "SOCIAL")
    ok(
        a.officer.patch(
            f"/api/v1/contracts/{contract['id']}/commitments/{social['id']}/",
            {"every_months": 6, "next_due_on": "2027-08-31"},
            format="json",
        )
    )
    dates = list(
        Check.objects.filter(commitment_id=social["id"])
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )
    assert dates == [
        dt.date(2027, 8, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 8, 31),
        dt.date(2029, 2, 28),  # the contract's last day
    ]
    # The old single date (30 May) was not yet requested: it is replaced.
    assert dt.date(2027, 5, 30) not in dates


# --- the clock --------------------------------------------------------------------------------


def test_a_check_turns_overdue_across_its_due_date_with_no_write(signed, settings):
    settings.ANBUD_READ_CACHE_SECONDS = 10**7  # only the clock may end a kept answer
    a, contract = signed
    check = _add_check(a, contract, due_on="2027-03-10")
    url = f"/api/v1/checks/{check['id']}/"
    first = a.charlie.get(url)
    assert first.json()["status"] == "requested"
    assert a.charlie.get(url).content == first.content  # kept (and answered from memory)
    assert len(memory._entries) >= 1
    assert ok(a.officer.get("/api/v1/contracts/?overdue=true"))["count"] == 0
    listed = a.officer.get(f"/api/v1/contracts/{contract['id']}/")

    a.clock.move_to(at(2027, 3, 10, 23))  # still the due date in Stockholm
    assert a.charlie.get(url).json()["status"] == "requested"
    a.clock.move_to(at(2027, 3, 11, 0) + dt.timedelta(minutes=1))
    later = a.charlie.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert later.status_code == 200
    assert later.json()["status"] == "overdue"
    assert later["ETag"] != first["ETag"]
    assert ok(a.officer.get("/api/v1/contracts/?overdue=true"))["count"] == 1
    assert ok(a.officer.get("/api/v1/contracts/?overdue=false"))["count"] == 0
    # The contract's own representation moved on too (the commitments' next due dates).
    assert a.officer.get(f"/api/v1/contracts/{contract['id']}/").content != listed.content
    # A late answer is still taken: submitted.
    answered = ok(a.charlie.post(f"{url}answer/", {"value": "80"}, format="json"))
    assert answered["status"] == "submitted"


def test_a_contract_ends_with_its_last_day_on_every_read(signed, settings):
    settings.ANBUD_READ_CACHE_SECONDS = 10**7
    a, contract = signed
    url = f"/api/v1/contracts/{contract['id']}/"
    a.clock.move_to(at(2029, 2, 28, 22))
    assert ok(a.charlie.get(url))["status"] == "active"
    a.clock.move_to(at(2029, 3, 1, 0) + dt.timedelta(minutes=1))
    assert ok(a.charlie.get(url))["status"] == "ended"
    assert ok(a.officer.get("/api/v1/contracts/?status=ended"))["count"] == 1
    assert ok(a.officer.get("/api/v1/contracts/?status=active"))["count"] == 0


def test_the_periodic_task_records_each_request_and_overdue_once(signed):
    a, contract = signed
    cid = contract["id"]

    def events(action):
        return AuditEvent.objects.filter(action=action, data__contract=cid).count()

    assert events("contract.check_requested") == 0  # nothing due within 30 days at signing
    # 30 April: the three scheduled checks (due 30 May) are requested by the clock.
    a.clock.move_to(at(2027, 4, 30, 9))
    assert follow_up_due_checks_task.delay().get() == {"requested": 3, "overdue": 0}
    assert follow_up_due_checks_task.delay().get() == {"requested": 0, "overdue": 0}
    assert events("contract.check_requested") == 3
    # One is answered; the two others are overdue on 31 May, recorded once each.
    organic = Check.objects.get(contract_id=cid, commitment__code="ORGANIC")
    ok(a.charlie.post(f"/api/v1/checks/{organic.pk}/answer/", {"value": "80"}, format="json"))
    a.clock.move_to(at(2027, 6, 2, 3))
    assert services.follow_up_due_checks() == {"requested": 0, "overdue": 2}
    assert services.follow_up_due_checks() == {"requested": 0, "overdue": 0}
    a.clock.move_to(at(2027, 7, 1))
    assert services.follow_up_due_checks() == {"requested": 0, "overdue": 0}
    assert events("contract.check_overdue") == 2
    overdue = AuditEvent.objects.filter(action="contract.check_overdue").first()
    assert overdue.actor_id is None
    # Nothing depended on when the task ran: the reads said overdue before it ran too.
    statuses = {
        c["code"]: c["status"]
        for c in ok(a.charlie.get(f"/api/v1/contracts/{cid}/checks/"))["results"]
    }
    assert statuses == {"ORGANIC": "submitted", "WELFARE": "overdue", "SOCIAL": "overdue"}


def test_the_task_is_scheduled_in_beat(settings):
    assert any(
        entry["task"] == "contracts.tasks.follow_up_due_checks_task"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


# --- webhooks --------------------------------------------------------------------------------


def test_contract_events_are_webhook_events_without_the_suppliers_words(signed):
    a, contract = signed
    for name in (
        "contract.signed",
        "contract.check_requested",
        "contract.check_overdue",
        "contract.deviation_opened",
        "contract.deviation_closed",
    ):
        assert name in Event.values
    check = _add_check(a, contract)
    ok(
        a.charlie.post(
            f"/api/v1/checks/{check['id']}/answer/",
            {"value": "10", "statement": "HEMLIG förklaring"},
            format="json",
        )
    )
    ok(
        a.officer.post(
            f"/api/v1/checks/{check['id']}/review/",
            {"outcome": "deviation", "note": "KÄNSLIG beskrivning"},
            format="json",
        )
    )
    deviation = Deviation.objects.get()
    ok(
        a.officer.post(
            f"/api/v1/deviations/{deviation.pk}/close/",
            {"status": "accepted", "note": "KÄNSLIG anteckning"},
            format="json",
        )
    )
    tender = Tender.objects.get(pk=a.tender)
    seen = set()
    for event in AuditEvent.objects.filter(action__in=Event.values, data__contract=contract["id"]):
        body = payloads.body_bytes(payloads.for_event(event, tender)).decode()
        for secret in ("HEMLIG", "KÄNSLIG", '"10"', "statement", "description", "note"):
            assert secret not in body, (event.action, body)
        assert contract["id"] in body
        seen.add(event.action)
    assert seen == {
        "contract.signed",
        "contract.check_requested",
        "contract.deviation_opened",
        "contract.deviation_closed",
    }


def _file():
    return SimpleUploadedFile("bevis.pdf", PDF, content_type="application/pdf")


def test_evidence_follows_the_upload_rules(signed, settings):
    a, contract = signed
    check = _add_check(a, contract)
    url = f"/api/v1/checks/{check['id']}/documents/"
    before = _counts()
    fake = SimpleUploadedFile("bevis.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    _problem(a.charlie.post(url, {"file": fake}, format="multipart"), 415)
    settings.ANBUD_MAX_UPLOAD_BYTES = 10
    _problem(a.charlie.post(url, {"file": _file()}, format="multipart"), 413)
    assert _counts() == before
    assert timezone.now()  # the clock is still the suite's


def test_a_subscribed_endpoint_gets_a_delivery_of_the_signing(awarded, api):
    _officer_client, officer = api("officer")
    endpoint = webhook_services.create_endpoint(
        actor=officer,
        organization=officer.organization,
        url="https://hooks.alice.example/anbud",
        events=["contract.signed", "contract.check_requested"],
    ).endpoint
    awarded.clock.move_to(at(2027, 3, 1))
    contract = ok(awarded.sign(), 201)
    deliveries.read_chain(str(officer.organization_id))
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.event == "contract.signed"
    assert delivery.payload["data"]["contract"]["id"] == contract["id"]
    assert delivery.payload["data"]["contract"]["commitments"] == 3
    assert delivery.payload["data"]["tender"]["id"] == awarded.tender


def _copy_contract(original: Contract, number: int) -> Contract:
    lot = Lot.objects.create(tender_id=original.tender_id, number=number, title=f"Lot {number}")
    copy = Contract.objects.create(
        organization_id=original.organization_id,
        tender_id=original.tender_id,
        lot=lot,
        bid_id=original.bid_id,
        supplier_id=original.supplier_id,
        reference=f"AVT-{number}",
        signed_on=original.signed_on,
        starts_on=original.starts_on,
        ends_on=original.ends_on,
        value_amount=1,
        value_currency="SEK",
        created_by_id=original.created_by_id,
    )
    for commitment in original.commitments.all():
        Commitment.objects.create(
            contract=copy,
            tender_criterion_id=commitment.tender_criterion_id,
            code=commitment.code,
            title_sv=commitment.title_sv,
            category=commitment.category,
            kind=commitment.kind,
            rule=commitment.rule,
            next_due_on=commitment.next_due_on,
        )
    return copy


def test_reads_do_not_grow_with_the_number_of_contracts(signed, settings):
    settings.ANBUD_READ_CACHE_SECONDS = 0  # every read runs its view
    a, contract = signed
    original = Contract.objects.get(pk=contract["id"])

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            ok(a.officer.get(url))
        return len(captured)

    one = queries("/api/v1/contracts/")
    _copy_contract(original, 2)
    _copy_contract(original, 3)
    assert ok(a.officer.get("/api/v1/contracts/"))["count"] == 3
    assert queries("/api/v1/contracts/") == one
    for code in ("ORGANIC", "WELFARE"):
        _add_check(a, contract, code=code)
    few = queries(f"/api/v1/contracts/{contract['id']}/checks/")
    _add_check(a, contract, code="SOCIAL")
    assert queries(f"/api/v1/contracts/{contract['id']}/checks/") == few
