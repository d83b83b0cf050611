"""The contract follow-up in the workbench (issue #27): an officer signs the contract of an
awarded lot from the tender's contracts page, changes a commitment's schedule, adds a check,
reviews an answered check as a deviation and closes it; an auditor reads the same pages without
forms; an evaluator and another region get a 404. The service's refusals are form errors in
Swedish, and the desk lists what the follow-up asks of an officer."""

import re

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import Check, Contract, Deviation
from tests.admin.test_admin import logged_in
from tests.admin.test_workbench import text_of
from tests.contracts.conftest import at, build_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(api, clock, other_supplier, other_buyer, django_capture_on_commit_callbacks):
    """Alice's egg tender awarded to Charlie on 3 February 2027 (standstill to 13 February)."""
    return build_award(api, clock, other_supplier, other_buyer, django_capture_on_commit_callbacks)


def page(tender, name="contracts", *args):
    return reverse(f"admin:procurement_tender_{name}", args=[tender, *args])


def swedish(person):
    client = logged_in(person)
    client.cookies["django_language"] = "sv"
    return client


SIGN = {
    "lot": None,
    "lot1-reference": "AVT-2027-014",
    "lot1-signed_on": "2027-03-01",
    "lot1-starts_on": "2027-03-01",
    "lot1-ends_on": "2029-02-28",
    "lot1-value": "4 630 000,50",
}


def sign(awarded, person, **changes):
    body = {**SIGN, "lot": awarded.lot, **changes}
    return swedish(person).post(page(awarded.tender), body)


@pytest.fixture
def people(awarded, api, other_buyer):
    return {
        "officer": api("officer")[1],
        "auditor": api("auditor")[1],
        "evaluator": api("evaluator")[1],
        "charlie": api("bidder")[1],
        "bob": api("officer", other_buyer)[1],
    }


def test_the_officer_signs_after_the_standstill_and_refusals_are_swedish_form_errors(
    awarded, people
):
    officer = people["officer"]
    # Before the standstill ends: the service's 409, in Swedish, on the form.
    awarded.clock.move_to(at(2027, 2, 5))
    response = sign(awarded, officer, **{"lot1-signed_on": "2027-02-05"})
    assert response.status_code == 200
    text = text_of(response)
    # ... with the moment in Swedish time, as the workbench writes times (not the API's UTC).
    assert re.search(r"Avtalsspärren löper ut \d+ februari 2027 kl\. \d+\.\d+ CET;", text), text
    assert "+00:00" not in text
    assert not Contract.objects.exists()
    # After it: a date that does not fit is the field's error, in Swedish.
    awarded.clock.move_to(at(2027, 3, 1))
    text = text_of(sign(awarded, officer, **{"lot1-ends_on": "2027-01-01"}))
    assert "Avtalet slutar innan det börjar." in text
    assert not Contract.objects.exists()
    response = sign(awarded, officer)
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(awarded.tender, "contract", contract.pk)
    assert str(contract.value_amount) == "4630000.50" and contract.value_currency == "SEK"
    text = text_of(swedish(officer).get(response["Location"]))
    assert "AVT-2027-014" in text and "Charlie Gård AB" in text
    assert "4 630 000,50 kr" in text.replace("\u00a0", " ")
    text = text_of(logged_in(officer).get(response["Location"]))
    # The promise in words, as the bid page shows answers: "80 %" organic.
    assert "80 %" in text.replace("\u00a0", " ")
    assert "Change the schedule" in text and "Add a check" in text
    # The tender page links to its contracts.
    text = text_of(swedish(officer).get(page(awarded.tender, "change")))
    assert "AVT-2027-014" in text
    # A second contract for the lot: the form is gone, the contract is linked.
    text = text_of(logged_in(officer).get(page(awarded.tender)))
    assert "Open contract AVT-2027-014" in text and "Sign the contract" not in text


@pytest.fixture
def signed(awarded, people):
    awarded.clock.move_to(at(2027, 3, 1))
    assert sign(awarded, people["officer"]).status_code == 302
    return Contract.objects.get()


def test_schedule_check_review_and_close_through_the_pages(awarded, people, signed):
    officer, contract = people["officer"], signed
    client = swedish(officer)
    organic = contract.commitments.get(code="ORGANIC")
    schedule_url = page(awarded.tender, "contract_schedule", contract.pk, organic.pk)
    # A date before today is the service's field error, in Swedish.
    text = text_of(
        client.post(
            schedule_url,
            {"verification": "documents", "every_months": "3", "next_due_on": "2027-02-20"},
        )
    )
    assert "Ett datum inom avtalet" in text
    within = text[text.index("Ett datum inom avtalet") :][:80]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", within), within  # dates as Swedes write them
    response = client.post(
        schedule_url,
        {"verification": "documents", "every_months": "3", "next_due_on": "2027-03-20"},
    )
    assert response.status_code == 302
    organic.refresh_from_db()
    assert (organic.every_months, str(organic.next_due_on)) == (3, "2027-03-20")
    # Add a check: an empty request is refused by the form, a due date after the end by the
    # service.
    add_url = page(awarded.tender, "contract_add_check", contract.pk)
    welfare = contract.commitments.get(code="WELFARE")
    text = text_of(
        client.post(
            add_url,
            {"commitment": str(welfare.pk), "due_on": "2030-01-01", "request": "Stickprov"},
        )
    )
    assert "Kontrollen förfaller efter att avtalet har slutat." in text
    response = client.post(
        add_url, {"commitment": str(welfare.pk), "due_on": "2027-03-15", "request": "Stickprov"}
    )
    assert response.status_code == 302
    added = Check.objects.get(commitment=welfare, scheduled=False)
    # The supplier answers the organic check (through the service, as the API would).
    check = Check.objects.filter(commitment=organic).order_by("due_on").first()
    services.answer_check(
        check=check, actor=people["charlie"], value="55", statement="Leveranssedlar för mars."
    )
    check_url = page(awarded.tender, "contract_check", contract.pk, check.pk)
    text = text_of(client.get(check_url))
    assert "55 %" in text.replace("\u00a0", " ") and "Leveranssedlar för mars." in text
    # Times as the workbench writes them on a page: "3 mars 2027 kl. 10.00 CET", never ISO.
    assert re.search(r"Begärd:? \d+ \w+ 2027 kl\. \d+\.\d+ CES?T", text), text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text
    # A deviation without a description: the service's message, in Swedish.
    text = text_of(client.post(check_url, {"outcome": "deviation", "note": ""}))
    assert "Beskriv avvikelsen." in text
    response = client.post(
        check_url,
        {
            "outcome": "deviation",
            "note": "Bara 55 % ekologiskt, utlovat 80 %.",
            "severity": "major",
            "remedy_due_on": "2027-04-30",
            "sanction": "12 500,50",
        },
    )
    deviation = Deviation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page(
        awarded.tender, "contract_deviation", contract.pk, deviation.pk
    )
    assert str(deviation.sanction_amount) == "12500.50" and deviation.sanction_currency == "SEK"
    text = text_of(client.get(response["Location"]))
    assert "Större" in text and "12 500,50 kr" in text.replace("\u00a0", " ")
    text = text_of(logged_in(officer).get(response["Location"]))
    assert "Deviation opened" in text  # the history, from the audit trail
    # The desk lists the open deviation.
    desk = text_of(logged_in(officer).get("/admin/"))
    follow = desk[desk.index("Contract follow-up") :]
    assert "Open deviations (1)" in follow or "Open deviation (1)" in follow
    assert "Answered check to review" not in follow  # reviewed already
    assert "AVT-2027-014" in follow
    # Close it.
    text = text_of(client.post(response["Location"], {"status": "remedied", "note": ""}))
    assert "Det här fältet är obligatoriskt." in text
    assert not Deviation.objects.filter(status="remedied").exists()
    response = client.post(response["Location"], {"status": "remedied", "note": "Rättat i april."})
    assert response.status_code == 302
    deviation.refresh_from_db()
    assert deviation.status == "remedied"
    text = text_of(
        logged_in(officer).get(
            page(awarded.tender, "contract_deviation", contract.pk, deviation.pk)
        )
    )
    assert "Deviation closed" in text and "Closed as: Remedied" in text
    assert "Rättat i april." in text and "Close the deviation" not in text
    assert added.request == "Stickprov" and added.due_on.isoformat() == "2027-03-15"


def test_the_auditor_reads_without_forms_and_outsiders_get_a_404(awarded, people, signed):
    contract = signed
    check = services.add_check(
        contract=contract,
        actor=people["officer"],
        commitment=contract.commitments.get(code="WELFARE"),
        due_on=at(2027, 3, 20).date(),
        request="Revision på plats.",
    )
    urls = [
        page(awarded.tender),
        page(awarded.tender, "contract", contract.pk),
        page(awarded.tender, "contract_check", contract.pk, check.pk),
    ]
    auditor = logged_in(people["auditor"])
    for url in urls:
        response = auditor.get(url)
        assert response.status_code == 200, url
        assert b'<form method="post" class="wb-form' not in response.content, url
    assert auditor.post(urls[2], {"outcome": "met", "note": ""}).status_code == 200
    assert Check.objects.get(pk=check.pk).outcome == ""
    officer_only = [
        page(awarded.tender, "contract_add_check", contract.pk),
        page(
            awarded.tender,
            "contract_schedule",
            contract.pk,
            contract.commitments.first().pk,
        ),
    ]
    for url in officer_only:
        assert auditor.get(url).status_code == 404, url
    for outsider in (people["evaluator"], people["bob"]):
        client = logged_in(outsider)
        for url in urls + officer_only:
            assert client.get(url).status_code in (404, 302), url
        assert "AVT-2027-014" not in text_of(client.get("/admin/"))
    evaluator = logged_in(people["evaluator"])
    assert evaluator.get(urls[1]).status_code == 404
    text = text_of(evaluator.get(page(awarded.tender, "change")))
    assert "AVT-2027-014" not in text


def test_the_desk_asks_to_sign_after_the_standstill(awarded, people):
    officer = people["officer"]
    awarded.clock.move_to(at(2027, 2, 5))
    desk = text_of(logged_in(officer).get("/admin/"))
    assert "Sign the contract" not in desk
    awarded.clock.move_to(at(2027, 2, 14))
    desk = text_of(logged_in(officer).get("/admin/"))
    todo = desk[desk.index("To do next") : desk.index("Contract follow-up")]
    assert "RK-2027-0001" in todo and "Sign the contract" in todo
    assert "Sign the contract" not in text_of(logged_in(people["auditor"]).get("/admin/"))
    sign(awarded, officer, **{"lot1-signed_on": "2027-02-14", "lot1-starts_on": "2027-02-14"})
    assert Contract.objects.exists()
    assert "Sign the contract" not in text_of(logged_in(officer).get("/admin/"))
