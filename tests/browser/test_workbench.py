"""The officer workbench in a real browser (Debian's Chromium, driven by Playwright): a tender
from an empty draft to opened bids, all in the admin, with axe-core on every page.

`make screenshots` keeps each checked page as a screenshot (tests/browser/conftest.py).
"""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from criteria.models import Criterion, TenderCriterion
from criteria.services import attach_criterion
from procurement.models import Tender, User
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import create_tender, publish_tender
from scoring.services.runs import start_evaluation
from tests.browser.conftest import screenshot

PASSWORD = "Ett-långt-lösen-2026"

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Workbench:
    """One officer's browser tab, with an axe check (and, asked for, a screenshot) at every
    page."""

    def __init__(self, browser, base_url, username, *, locale="en-GB"):
        self.base_url = base_url
        self.context = browser.new_context(locale=locale, viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.username = username
        self.checked: dict[str, list] = {}

    def login(self, then: str = "/admin/") -> None:
        """Log in as a person following a link does: the login page, then the page asked for."""
        self.page.goto(f"{self.base_url}/admin/login/?{urlencode({'next': then})}")
        self.page.fill("#id_username", self.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("#login-form input[type=submit]")
        self.page.wait_for_selector("#content")
        assert self.page.url == f"{self.base_url}{then}", self.page.url

    def sign_in(self, then: str = "/admin/") -> None:
        """Start on the page asked for, already signed in: a session made on the server, as the
        login form makes it (``login`` goes through the form itself)."""
        client = Client()
        client.force_login(User.objects.get(username=self.username))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.base_url}]
        )
        self.go(then)

    def go(self, path):
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.status < 400, (path, response.status)

    def check(self, name: str) -> None:
        """axe-core on the page as it is now: no serious or critical violation."""
        from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - optional dep, needed only with chromium

        screenshot(self.page, f"workbench-{name}")
        results = Axe().run(self.page)
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        self.checked[name] = bad
        assert bad == [], f"{name}: {bad}"

    def messages(self) -> str:
        return " ".join(self.page.locator("ul.messagelist li").all_inner_texts())

    def click_text(self, text: str) -> None:
        self.page.get_by_role("link", name=text, exact=True).first.click()
        self.page.wait_for_load_state()

    def press(self, text: str) -> None:
        self.page.get_by_role("button", name=text, exact=True).first.click()
        self.page.wait_for_load_state()


def staff(make_user, org, username, role="officer"):
    user = make_user(role, org, username=username, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_an_officer_takes_a_tender_from_nothing_to_opened_in_the_admin(
    browser,
    live_server,
    make_user,
    buyer,
    supplier,
    client_for,
    shared_library,
    time_machine,
    flushable_audit_trail,
):
    time_machine.move_to(timezone.now(), tick=True)
    officer1 = staff(make_user, buyer, "anna")
    staff(make_user, buyer, "bertil")
    bidder = make_user("bidder", supplier, username="cecilia")
    deadline = (timezone.localtime() + dt.timedelta(days=45)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    one = Workbench(browser, live_server.url, "anna")

    # An empty draft: details and evaluation settings as a form.
    one.login("/admin/procurement/tender/add/")
    one.check("tender-add")
    page = one.page
    page.fill("#id_reference", "WB-2026-1")
    page.fill("#id_title", "Ägg och kyckling")
    page.fill("#id_cpv_codes", "03142500\n15112130")
    page.fill("#id_estimated_value", "900000")
    page.fill("#id_submission_deadline_0", deadline.date().isoformat())
    page.fill("#id_submission_deadline_1", "12:00:00")
    page.fill("#id_no_lots_reason", "One kitchen, one delivery.")
    page.select_option("#id_method", "weighted_points")
    page.fill("#id_price_weight", "60")
    page.select_option("#id_price_scoring", "proportional")
    page.click("input[name=_continue]")
    page.wait_for_selector("#wb-checks-title")
    tender = Tender.objects.get(reference="WB-2026-1")
    assert tender.evaluation["method"] == "weighted_points"
    assert tender.cpv_codes == ["03142500", "15112130"]
    checks = page.inner_text("#wb-checks-title")
    assert "error" in checks.lower()
    assert "Weights: Price 60 = 60" in page.inner_text("body")
    one.check("tender-draft")

    # Two criteria from the library, found with the picker's filters.
    one.click_text("Add from the library")
    page.select_option("#id_category", "animal_welfare")
    page.select_option("#id_kind", "award")
    page.click("input[type=submit][value=Filter]")
    row = page.locator("tr", has_text="AW-ANTIBIOTICS-CRITICAL")
    assert "yes = 1, no = 0" in row.inner_text()
    one.check("library")
    row.locator("input[name$=weight]").fill("15")
    row.get_by_role("button", name="Add AW-ANTIBIOTICS-CRITICAL").click()
    page.wait_for_load_state()
    assert "AW-ANTIBIOTICS-CRITICAL is added to the tender." in one.messages()
    page.fill("#id_q", "organic")
    page.select_option("#id_category", "")
    page.click("input[type=submit][value=Filter]")
    row = page.locator("tr", has_text="ENV-ORGANIC-SHARE")
    row.locator("input[name$=weight]").fill("10")
    row.get_by_role("button", name="Add ENV-ORGANIC-SHARE").click()
    page.wait_for_load_state()
    assert "Price 60 + AW-ANTIBIOTICS-CRITICAL 15 + ENV-ORGANIC-SHARE 10 = 85" in page.inner_text(
        "body"
    )

    # An own criterion with a thresholds rule, typed as rows, not JSON. A wrong order of the
    # steps is shown on the row it concerns, and nothing is stored.
    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Add an own criterion")
    one.check("own-criterion-choose")
    one.click_text("Thresholds (steps)")
    page.fill("#id_code", "ENV-TRANSPORT-KM")
    page.select_option("#id_category", "environmental")
    page.fill("#id_title", "Kort transport")
    page.fill("#id_title_en", "Short transport")
    page.fill("#id_unit", "km")
    page.select_option("#id_direction", "at_most")
    page.fill("#id_row_1_bound", "50")
    page.fill("#id_row_1_fulfilment", "1")
    page.fill("#id_row_2_bound", "100")
    page.fill("#id_row_2_fulfilment", "0.5")
    page.fill("#id_weight", "15")
    one.press("Add the criterion")
    assert "The criterion is invalid." in one.messages()
    assert "steps must go down" in page.inner_text("body")
    assert not TenderCriterion.objects.filter(code="ENV-TRANSPORT-KM").exists()
    one.check("own-criterion-error")
    page.fill("#id_row_1_bound", "100")
    page.fill("#id_row_1_fulfilment", "0.5")
    page.fill("#id_row_2_bound", "50")
    page.fill("#id_row_2_fulfilment", "1")
    one.press("Add the criterion")
    assert "ENV-TRANSPORT-KM is added to the tender." in one.messages()

    # The checks turn green, and the weights add up.
    checks = page.inner_text("#wb-checks-title")
    assert "no errors" in checks, page.inner_text("#wb-checks-title")
    assert "= 100" in page.inner_text("body") and "adds up to 100" in page.inner_text("body")
    assert "steps ≤ 100 km → 0.5, ≤ 50 km → 1, otherwise 0" in page.inner_text("body")
    one.check("tender-ready")
    page.fill("#id_price_weight", "55.5")  # the summary follows while typing (not saved)
    weights = page.inner_text(".wb-weights").replace("\xa0", " ")
    assert "Price 55.5 +" in weights and "= 95.5" in weights and "4.5 to go" in weights, weights
    assert "adds up to 100" not in weights

    # A simulation shows the ranking the weights would give.
    one.click_text("Simulate")
    page.fill("#id_bid_1_name", "Billig")
    page.fill("#id_bid_1_price", "80000")
    page.fill("#id_bid_2_name", "Grön")
    page.fill("#id_bid_2_price", "100000")
    tcs = {tc.code: tc.pk for tc in TenderCriterion.objects.filter(tender=tender)}
    page.select_option(f"#id_bid_2_c_{tcs['AW-ANTIBIOTICS-CRITICAL']}", "yes")
    page.fill(f"#id_bid_2_c_{tcs['ENV-ORGANIC-SHARE']}", "100")
    page.fill(f"#id_bid_2_c_{tcs['ENV-TRANSPORT-KM']}", "40")
    page.select_option(f"#id_bid_1_c_{tcs['AW-ANTIBIOTICS-CRITICAL']}", "no")
    page.fill(f"#id_bid_1_c_{tcs['ENV-ORGANIC-SHARE']}", "0")
    page.fill(f"#id_bid_1_c_{tcs['ENV-TRANSPORT-KM']}", "300")
    one.press("Simulate")
    result = page.locator("#simulation-result tbody tr").all_inner_texts()
    assert result[0].startswith("1") and "Grön" in result[0], result
    assert "Billig" in result[1], result
    one.check("simulation")

    # Publish, through its confirmation page.
    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Publish")
    assert "The criteria, their weights and the evaluation method freeze" in page.inner_text(
        "#content"
    )
    one.check("publish-confirm")
    one.press("Publish the tender")
    assert "WB-2026-1 is published" in one.messages()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED

    # Amend the deadline with a reason; an earlier deadline is refused on the field.
    one.click_text("Amend")
    one.check("amend")
    page.fill("#id_reason", "More time for small suppliers.")
    earlier = deadline - dt.timedelta(days=1)
    page.fill("#id_submission_deadline_0", earlier.strftime("%Y-%m-%d"))
    page.fill("#id_submission_deadline_1", earlier.strftime("%H:%M"))
    one.press("Publish the amendment")
    assert "never shorten it" in one.messages()
    later = deadline + dt.timedelta(days=7)
    page.fill("#id_submission_deadline_0", later.strftime("%Y-%m-%d"))
    page.fill("#id_submission_deadline_1", later.strftime("%H:%M"))
    one.press("Publish the amendment")
    assert "Amendment 1 of WB-2026-1 is published." in one.messages()
    assert "More time for small suppliers." in page.inner_text("#wb-amendments-title + table")
    tender.refresh_from_db()
    assert tender.submission_deadline == later

    # A supplier bids through the API.
    api = client_for(bidder)
    created = api.post(
        "/api/v1/bids/",
        {
            "tender": str(tender.pk),
            "price": {"amount": "95000.00", "currency": "SEK"},
            "responses": [
                {"tender_criterion": str(tcs["AW-ANTIBIOTICS-CRITICAL"]), "value": True},
                {"tender_criterion": str(tcs["ENV-ORGANIC-SHARE"]), "value": "60"},
                {"tender_criterion": str(tcs["ENV-TRANSPORT-KM"]), "value": "80"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    submitted = api.post(f"/api/v1/bids/{created.json()['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()

    # After the deadline: officer 1 starts the opening and is not offered its confirmation
    # (the policy's allowed actions; the page that confirms would refuse them too), and a
    # second officer confirms it and sees the protocol.
    time_machine.move_to(later + dt.timedelta(hours=1), tick=True)
    # The session of 7 weeks ago has expired.
    one.login(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Start the opening")
    one.check("open-start")
    one.press("Start the opening")
    assert "a second officer confirms it" in one.messages()
    assert one.page.get_by_role("link", name="Confirm the opening", exact=True).count() == 0
    one.go(f"/admin/procurement/tender/{tender.pk}/open/")
    one.press("Confirm the opening")
    assert "a second, different officer must confirm it" in one.messages()
    assert "Server Error" not in page.content()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENING

    two = Workbench(browser, live_server.url, "bertil")
    two.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
    two.click_text("Confirm the opening")
    two.check("open-confirm")
    two.press("Confirm the opening")
    assert "The bids of WB-2026-1 are opened: 1 bid." in two.messages()
    protocol = two.page.inner_text("#wb-protocol-title ~ table")
    assert "SEK\u00a095,000.00" in protocol and supplier.name in protocol
    two.check("protocol")

    # Every step is in the audit trail, with the officer who took it.
    actions = dict(AuditEvent.objects.filter(tender_id=tender.pk).values_list("action", "actor_id"))
    assert actions["tender.published"] == officer1.pk
    assert actions["tender.amended"] == officer1.pk
    assert actions["tender.opening_started"] == officer1.pk
    assert "tender.opened" in actions and "simulation.run" in actions
    assert {"tender_criterion.attached", "tender.created"} <= set(actions)


def test_the_workbench_speaks_swedish_and_switches_to_english(
    browser, live_server, make_user, buyer, shared_library, flushable_audit_trail
):
    """A browser that asks for Swedish gets the workbench in Swedish (Django's own admin
    texts, ours, the model names and choices, the checks and the criteria); the switch in the
    header changes to English and the choice sticks."""
    officer = staff(make_user, buyer, "sigrid")

    tender = create_tender(
        actor=officer,
        reference="SV-2026-1",
        title="Ägg",
        procedure="open",
        cpv_codes=["03142500"],
        currency="SEK",
        submission_deadline=timezone.now() + dt.timedelta(days=40),
        evaluation={"method": "weighted_points", "price_weight": "70"},
    )
    swedish = Workbench(browser, live_server.url, "sigrid", locale="sv-SE")
    swedish.page.goto(f"{live_server.url}/admin/login/")
    assert "Användarnamn" in swedish.page.inner_text("#login-form")
    swedish.check("sv-login")
    swedish.login(f"/admin/procurement/tender/{tender.pk}/change/")
    page = swedish.page
    assert page.locator("html").get_attribute("lang") == "sv"
    body = page.inner_text("#content")
    for text in (
        "Kontroller före publicering",  # ours
        "Lägg till från biblioteket",
        "Publicera",
        "Viktade poäng (pris och kvalitet)",  # the method's choice label
        "Öppet förfarande",  # the model's choice label
        "Vikterna summerar till 70, inte 100.",  # the check, in the chosen language
    ):
        assert text in body, text
    swedish.check("sv-tender")
    swedish.click_text("Lägg till från biblioteket")
    assert "Djurskydd" in page.inner_text("#content")  # category label
    # The library's texts in Swedish: the shared criterion's Swedish title.
    page.fill("#id_q", "AW-ANTIBIOTICS-CRITICAL")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_load_state()
    assert "Inga kritiskt viktiga antibiotika till djuren" in page.inner_text("#content")
    swedish.check("sv-library")

    page.select_option("#wb-language-select", "en")
    page.get_by_role("button", name="Byt").click()
    page.wait_for_load_state()
    assert "Add criteria from the library" in page.inner_text("#content")
    swedish.go(f"/admin/procurement/tender/{tender.pk}/change/")
    assert "Checks before publishing" in page.inner_text("#content")
    assert "The weights sum to 70, not 100." in page.inner_text("#content")


def test_evaluators_score_and_an_officer_evaluates_in_the_admin(
    browser,
    live_server,
    make_user,
    buyer,
    supplier,
    other_supplier,
    shared_library,
    time_machine,
    flushable_audit_trail,
):
    """From an opened tender to a verified result, in the browser: two evaluators declare
    and score (differently, so the spread is flagged), the officer sets consensus, runs the
    evaluation, reads the matrix and an explanation, sees the chart (and its table), verifies
    and downloads the evidence package. axe on every page; the result page in Swedish too."""

    time_machine.move_to(timezone.now(), tick=True)
    officer = staff(make_user, buyer, "anna")
    second = staff(make_user, buyer, "bertil")
    staff(make_user, buyer, "eva", role="evaluator")
    staff(make_user, buyer, "erik", role="evaluator")
    staff(make_user, buyer, "ada", role="auditor")
    tender = create_tender(
        actor=officer,
        reference="WB-2026-2",
        title="Mat",
        procedure="open",
        cpv_codes=["15110000"],
        currency="SEK",
        submission_deadline=timezone.now() + dt.timedelta(days=40),
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
        },
        no_lots_reason="One kitchen.",
    )
    plan = attach_criterion(
        tender=tender,
        actor=officer,
        criterion=Criterion.objects.get(code="QUAL-IMPLEMENTATION-PLAN"),
        weight=20,
    )
    organic = attach_criterion(
        tender=tender,
        actor=officer,
        criterion=Criterion.objects.get(code="ENV-ORGANIC-SHARE"),
        weight=10,
    )
    tender = publish_tender(tender=tender, actor=officer)
    for org, price, share in ((supplier, "800000.00", "20"), (other_supplier, "900000.00", "90")):
        bidder = make_user("bidder", org)
        bid = create_bid(
            actor=bidder,
            tender=tender,
            lot=None,
            price_amount=Decimal(price),
            responses=[
                {"tender_criterion": plan.pk, "value": "Plan"},
                {"tender_criterion": organic.pk, "value": share},
            ],
        )
        submit_bid(bid=bid, actor=bidder)
    time_machine.move_to(tender.submission_deadline + dt.timedelta(minutes=5), tick=True)
    open_tender(tender=open_tender(tender=tender, actor=officer), actor=second)

    # Two evaluators declare and score; the second differs, so the spread is flagged.
    for name, scores in (("eva", ("5", "1")), ("erik", ("1", "2"))):
        evaluator = Workbench(browser, live_server.url, name)
        evaluator.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
        evaluator.click_text("Declare conflicts of interest")
        if name == "eva":
            evaluator.check("declare")
        evaluator.page.check("input[name=has_conflict][value=no]")
        evaluator.page.fill("#id_statement", "Inga band till anbudsgivarna.")
        evaluator.press("Record my declaration")
        assert "You may now score the bids" in evaluator.messages()
        body = evaluator.page.inner_text("#content")
        assert "800000" not in body and "900000" not in body  # blind to prices
        inputs = evaluator.page.locator("input[name^='score:']")
        assert inputs.count() == 2
        for i, score in enumerate(scores):
            inputs.nth(i).fill(score)
        evaluator.page.locator("textarea[name^='text:']").first.fill(f"{name} tycker så")
        if name == "eva":
            evaluator.check("scoring-sheet")
        evaluator.press("Save the scores")
        assert "2 scores saved" in evaluator.messages()
        evaluator.context.close()

    one = Workbench(browser, live_server.url, "anna")
    one.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Consensus")
    content = one.page.inner_text("#content")
    assert (
        "eva: 5" in content
        and "erik: 1" in content
        and "⚑ The scores differ: 1 to 5. A spread of 80% of the scale" in content
    )
    one.check("consensus")
    inputs = one.page.locator("input[name^='score:']")
    for i, score in enumerate(("4", "2")):
        inputs.nth(i).fill(score)
        one.page.locator("textarea[name^='text:']").nth(i).fill("Enig efter samtal.")
    one.press("Save the consensus scores")
    assert "2 consensus scores saved." in one.messages()

    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Run the evaluation")
    one.press("Run the evaluation")
    one.page.wait_for_selector(".wb-matrix", timeout=30_000)  # the page refreshes until done
    matrix = one.page.inner_text(".wb-matrix")
    assert supplier.name in matrix and other_supplier.name in matrix
    one.page.locator(".wb-matrix details summary").first.click()
    explanation = one.page.locator(".wb-matrix details[open]").first.inner_text()
    assert "of 20 points" in explanation or "av 20 poäng" in explanation, explanation
    assert one.page.locator("svg.wb-chart").count() == 1
    assert "Category profile" in one.page.inner_text("#content")
    one.check("result")
    one.press("Verify by replaying")
    assert "Verified: replaying the stored input gives the same result" in one.messages()
    with one.page.expect_download() as download:
        one.click_text("Download the evidence package (ZIP)")
    assert download.value.suggested_filename.startswith("evidence-WB-2026-2-")

    one.page.fill("#wb-justification", "Högst poäng enligt utvärderingen.")
    one.press("Award")
    assert "WB-2026-2 is awarded; the standstill period ends" in one.messages()
    assert f"Awarded to {other_supplier.name}" in one.page.inner_text("#wb-award ~ p, #content")
    one.check("award")

    # The auditor checks the chain and takes the trail as XLSX.
    auditor = Workbench(browser, live_server.url, "ada")
    auditor.sign_in("/admin/audit/auditevent/")
    auditor.press("Check the chain")
    assert "The chain is intact" in auditor.messages()
    auditor.check("audit-list")
    with auditor.page.expect_download() as download:
        auditor.click_text("Export XLSX")
    assert download.value.suggested_filename.endswith(".xlsx")

    swedish = Workbench(browser, live_server.url, "anna", locale="sv-SE")
    swedish.sign_in(one.page.url.removeprefix(live_server.url))
    text = swedish.page.inner_text("#content")
    assert "Kategoriprofil" in text and "Rangordning och matris" in text and "Klar" in text
    swedish.check("sv-result")


def test_a_tie_is_drawn_by_lot_in_the_browser(
    browser,
    live_server,
    make_user,
    buyer,
    supplier,
    other_supplier,
    time_machine,
    flushable_audit_trail,
):
    """Two equal bids and 'lottery' as the only tie-break: the result page offers the
    lottery with a witness instead of the award; the draw's rerun ranks them."""

    time_machine.move_to(timezone.now(), tick=True)
    officer = staff(make_user, buyer, "anna")
    second = staff(make_user, buyer, "bertil")
    tender = create_tender(
        actor=officer,
        reference="WB-2026-3",
        title="Papper",
        procedure="open",
        cpv_codes=["30197630"],
        currency="SEK",
        submission_deadline=timezone.now() + dt.timedelta(days=40),
        evaluation={"method": "lowest_price", "tie_break": ["lottery"]},
        no_lots_reason="One product.",
    )
    tender = publish_tender(tender=tender, actor=officer)
    for org in (supplier, other_supplier):
        bidder = make_user("bidder", org)
        bid = create_bid(actor=bidder, tender=tender, lot=None, price_amount=Decimal("100000.00"))
        submit_bid(bid=bid, actor=bidder)
    time_machine.move_to(tender.submission_deadline + dt.timedelta(minutes=5), tick=True)
    tender = open_tender(tender=open_tender(tender=tender, actor=officer), actor=second)
    evaluation = start_evaluation(tender=tender, actor=officer)  # eager: runs on commit

    one = Workbench(browser, live_server.url, "anna")
    one.sign_in(f"/admin/procurement/tender/{tender.pk}/evaluations/{evaluation.pk}/")
    one.page.wait_for_selector("#wb-ties", timeout=30_000)
    assert one.page.get_by_role("button", name="Award").count() == 0
    one.check("lottery")
    one.page.select_option("#wb-witness", label="bertil")
    one.press("Draw lots")
    assert "as witness; a new evaluation applies the draw" in one.messages()
    one.page.wait_for_selector(".wb-matrix", timeout=30_000)
    ranks = one.page.locator(".wb-matrix tbody tr td:first-child").all_inner_texts()
    assert [r.split()[0] for r in ranks] == ["1", "2"], ranks
    assert one.page.locator("#wb-ties").count() == 0
