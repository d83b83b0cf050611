"""The contract follow-up in a real browser, in Swedish (issue #27): from the award on the officer's desk to
a signed contract, a changed schedule, a check added, answered by the supplier, reviewed as a
deviation, and the deviation closed. axe-core on every page in the light and the dark theme;
no page wider than a laptop's screen (1366 px)."""

import datetime as dt

import pytest
from django.utils import timezone

from contracts import services
from contracts.models import Check, Contract, Deviation
from scoring.models import Award
from tests.admin.test_printable_records import (  # noqa: F401 - the fixtures
    awarded,
    evaluated,
    opened,
    people,
    published,
)
from tests.browser.test_workbench import Workbench

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_officer_follows_a_contract_from_the_award_to_a_closed_deviation(
    browser,
    live_server,
    people,  # noqa: F811
    awarded,  # noqa: F811
    time_machine,
    flushable_audit_trail,
):
    tender = awarded[0]
    award = Award.objects.get(tender=tender)
    time_machine.move_to(award.standstill_ends_at + dt.timedelta(hours=1), tick=True)
    today = timezone.localdate()
    iso = lambda days: (today + dt.timedelta(days=days)).isoformat()  # noqa: E731

    # The desk asks to sign the contract once the standstill has ended.
    wb = Workbench(browser, live_server.url, people["officer"].username)
    wb.sign_in("/admin/")
    page = wb.page
    todo = page.locator(".wb-scroll[aria-labelledby=wb-todo] tr", has_text=tender.reference)
    assert "Underteckna avtal" in todo.inner_text()
    wb.check("contract-desk")
    todo.get_by_role("link", name="Underteckna avtal").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/procurement/tender/{tender.pk}/contracts/"), page.url
    assert "Charlie" in wb.text()
    wb.check("contract-sign")

    # A contract that ends before it starts: the service's error on the form.
    page.fill("#id_lot1-reference", "AVT-2026-777")
    page.fill("#id_lot1-signed_on", iso(0))
    page.fill("#id_lot1-starts_on", iso(1))
    page.fill("#id_lot1-ends_on", iso(-10))
    page.fill("#id_lot1-value", "800 000,50")  # a Swedish number
    wb.press("Underteckna avtal")
    assert "Avtalet slutar innan det börjar." in wb.text()
    assert not Contract.objects.exists()
    wb.check("contract-sign-error")
    page.fill("#id_lot1-ends_on", iso(730))
    wb.press("Underteckna avtal")
    contract = Contract.objects.get()
    assert "Avtal AVT-2026-777 är undertecknat med" in wb.messages()
    assert str(contract.value_amount) == "800000.50"
    assert "62,5 %" in wb.text().replace("\u00a0", " ")  # the promise, as the bid answered
    wb.check("contract")

    # The schedule of the promise: quarterly from ten days from now.
    page.get_by_role("link", name="Ändra schemat").first.click()
    page.wait_for_load_state()
    wb.check("contract-schedule")
    page.fill("#id_every_months", "3")
    page.fill("#id_next_due_on", iso(10))
    wb.press("Ändra schemat")
    assert "Schemat för " in wb.messages() and "är ändrat." in wb.messages()
    commitment = contract.commitments.get()
    commitment.refresh_from_db()
    assert commitment.every_months == 3
    assert "var 3:e månad" in wb.text()

    # An unannounced check, requested at once.
    wb.click_text("Lägg till en kontroll")
    wb.check("contract-add-check")
    page.select_option("#id_commitment", str(commitment.pk))
    page.fill("#id_due_on", iso(5))
    page.fill("#id_request", "Leveranssedlar för den senaste veckan.")
    wb.press("Begär kontrollen")
    assert "Kontrollen är begärd från Charlie" in wb.messages()
    check = Check.objects.get(scheduled=False)
    wb.check("contract-check-requested")

    # The supplier answers (through the API's service); the officer reviews a deviation.
    services.answer_check(
        check=check, actor=people["charlie"], value="40", statement="Sämre tillgång i år."
    )
    page.reload()
    assert "Sämre tillgång i år." in wb.text() and "40 %" in wb.text().replace("\u00a0", " ")
    wb.check("contract-check-answered")
    page.check("input[name=outcome][value=deviation]")
    page.fill("#id_note", "40 % ekologiskt mot utlovade 62,5 %.")
    page.select_option("#id_severity", "major")
    page.fill("#id_remedy_due_on", iso(30))
    page.fill("#id_sanction", "12 500,50")
    wb.press("Registrera granskningen")
    deviation = Deviation.objects.get()
    assert "En avvikelse är öppnad." in wb.messages()
    assert str(deviation.sanction_amount) == "12500.50"
    assert "Avvikelse öppnad" in wb.text()
    wb.check("contract-deviation")

    # Closed as remedied: the history says so, the form is gone.
    page.check("input[name=status][value=remedied]")
    page.fill("#id_note", "Leverantören har bytt grossist.")
    wb.press("Stäng avvikelsen")
    assert "Avvikelsen är stängd: Åtgärdad." in wb.messages()
    deviation.refresh_from_db()
    assert deviation.status == Deviation.Status.REMEDIED
    wb.go(
        f"/admin/procurement/tender/{tender.pk}/contracts/{contract.pk}/deviations/{deviation.pk}/"
    )
    assert "Stängd som: Åtgärdad" in wb.text()
    assert page.get_by_role("button", name="Stäng avvikelsen").count() == 0
    wb.check("contract-deviation-closed")

    # The tender page links to its contract.
    wb.go(f"/admin/procurement/tender/{tender.pk}/change/")
    assert page.get_by_role("link", name="AVT-2026-777").count() == 1
