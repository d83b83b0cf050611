"""The officer workbench in a real browser (Debian's Chromium, driven by Playwright), in
Swedish and Swedish time as our officers use it: a tender from an empty draft to opened bids,
evaluators scoring, the result, the award and the audit trail, all in the admin; the switch to
English. axe-core on every page, in the light and the dark theme.

`make screenshots` keeps each checked page as a screenshot (tests/browser/conftest.py), each
in the light and the dark theme.
"""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from criteria.models import Criterion, TenderCriterion
from criteria.services import attach_criterion
from procurement.models import Bid, Tender, User
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import create_tender, publish_tender
from scoring.models import Award
from scoring.services.runs import start_evaluation
from tests.browser.conftest import screenshot

PASSWORD = "Ett-långt-lösen-2026"
# Our officers' time: they type and read it, the database keeps UTC.
STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
NBSP = "\u00a0"
# A laptop's screen: no page of the workbench may be wider than it.
VIEWPORT = {"width": 1366, "height": 768}

# Resolves when the page's CSS transitions (the admin's links fade to a theme's colours) end.
SETTLED = """() => Promise.all(
    document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished)
)"""

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def swedish_time(moment: dt.datetime, *, zone: bool = True) -> str:
    """A moment as a Swedish page writes it: ``1 mars 2027 kl. 12.00 CET`` (written here by
    hand, not by the workbench's own formatter, so that the two check each other)."""
    local = moment.astimezone(STOCKHOLM)
    text = f"{local.day} {MONTHS[local.month - 1]} {local.year} kl. {local:%H.%M}"
    return f"{text} {local.tzname()}" if zone else text


def swedish_list_time(moment: dt.datetime) -> str:
    """A moment in a list's column, kept on one line: ``2027-03-01 12.00 CET``."""
    local = moment.astimezone(STOCKHOLM)
    return NBSP.join((f"{local:%Y-%m-%d}", f"{local:%H.%M}", local.tzname() or ""))


def serious_violations(page) -> list:
    """axe-core on the page as it is now: its serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - optional dep, needed only with chromium

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class Workbench:
    """One person's browser tab, in Swedish and Swedish time unless asked otherwise, with an
    axe check in the light and the dark theme (and, asked for, screenshots) at every page."""

    def __init__(self, browser, base_url, username, *, locale="sv-SE"):
        self.base_url = base_url
        self.context = browser.new_context(
            locale=locale, timezone_id="Europe/Stockholm", viewport=VIEWPORT
        )
        self.page = self.context.new_page()
        self.username = username
        # page name -> theme -> its serious and critical axe violations
        self.checked: dict[str, dict[str, list]] = {}

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
        """The page as it is now, in the light and in the dark theme (the browser's colour
        scheme; the admin follows it unless its toggle says otherwise): no serious or critical
        axe violation in either, and nothing wider than the screen."""
        found: dict[str, list] = {}
        for scheme in ("light", "dark"):
            self.page.emulate_media(color_scheme=scheme)
            # The admin's links fade into the theme's colours: axe reads them once they have.
            self.page.evaluate(SETTLED)
            screenshot(self.page, f"workbench-{name}" + ("-dark" if scheme == "dark" else ""))
            found[scheme] = serious_violations(self.page)
        self.page.emulate_media(color_scheme="light")
        self.checked[name] = found
        assert found == {"light": [], "dark": []}, f"{name}: {found}"
        widths = self.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{name}: the page is {widths[0]} px wide on {widths[1]}"

    def check_theme_switch(self, name: str) -> None:
        """The admin's own theme switch (the header's button; the choice kept in the browser)
        wins over the browser's scheme both ways: dark chosen on a light system, light on a
        dark one. No serious or critical axe violation in either; back to "auto" after."""
        toggle = self.page.locator("button.theme-toggle").first
        html = self.page.locator("html")
        found: dict[str, list] = {}
        for scheme, chosen in (("light", "dark"), ("dark", "light"), ("light", "auto")):
            self.page.emulate_media(color_scheme=scheme)
            for _ in range(3):  # the switch cycles through auto, dark and light
                if html.get_attribute("data-theme") == chosen:
                    break
                toggle.click()
            assert html.get_attribute("data-theme") == chosen
            if chosen != "auto":
                self.page.evaluate(SETTLED)
                screenshot(self.page, f"workbench-{name}-{chosen}-chosen")
                found[chosen] = serious_violations(self.page)
        self.checked[f"{name}-switch"] = found
        assert found == {"dark": [], "light": []}, f"{name}: {found}"

    def messages(self) -> str:
        return " ".join(self.page.locator("ul.messagelist li").all_inner_texts())

    def text(self, selector: str = "#content") -> str:
        return self.page.inner_text(selector)

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
    # A winter deadline, 1 March at noon Swedish time (CET, UTC+1), at least six weeks ahead;
    # the amendment moves it to 1 April at noon, summer time (CEST, UTC+2).
    today = timezone.localdate()
    year = today.year if today <= dt.date(today.year, 1, 15) else today.year + 1
    deadline = dt.datetime(year, 3, 1, 12, 0, tzinfo=STOCKHOLM)
    one = Workbench(browser, live_server.url, "anna")

    # An empty draft: details and evaluation settings as a form, typed the Swedish way.
    one.login("/admin/procurement/tender/add/")
    assert one.page.locator("html").get_attribute("lang") == "sv"
    assert "Lokal tid (Europe/Stockholm)" in one.text()  # the deadline's help text
    one.check("sv-tender-add")
    page = one.page
    page.fill("#id_reference", "WB-2026-1")
    page.fill("#id_title", "Ägg och kyckling")
    page.fill("#id_cpv_codes", "03142500\n15112130")
    page.fill("#id_estimated_value", "900 000")
    page.fill("#id_submission_deadline_0", f"{year}-03-01")
    page.fill("#id_submission_deadline_1", "12:00")
    page.fill("#id_no_lots_reason", "Ett kök, en leverans.")
    page.select_option("#id_method", "weighted_points")
    page.fill("#id_price_weight", "60")
    page.select_option("#id_price_scoring", "proportional")
    page.click("input[name=_continue]")
    page.wait_for_selector("#wb-checks-title")
    tender = Tender.objects.get(reference="WB-2026-1")
    assert tender.evaluation["method"] == "weighted_points"
    assert tender.cpv_codes == ["03142500", "15112130"]
    assert tender.estimated_value == Decimal("900000")
    # Noon in Stockholm's winter is 11:00 UTC.
    assert tender.submission_deadline == deadline == dt.datetime(year, 3, 1, 11, 0, tzinfo=dt.UTC)
    assert f"Sista anbudsdag: 1 mars {year} kl. 12.00 CET" in one.text(".wb-status")
    checks = page.inner_text("#wb-checks-title")
    assert re.search(r"✗ \d+ fel", checks), checks
    assert "Vikter: Pris 60 = 60" in page.inner_text("body")
    one.check("sv-tender-draft")

    # Two criteria from the library, found with the picker's filters.
    one.click_text("Lägg till från biblioteket")
    page.select_option("#id_category", "animal_welfare")
    page.select_option("#id_kind", "award")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text="AW-ANTIBIOTICS-CRITICAL")
    assert "ja = 1, nej = 0" in row.inner_text()
    one.check("sv-library-filtered")
    row.locator("input[name$=weight]").fill("15")
    row.get_by_role("button", name="Lägg till AW-ANTIBIOTICS-CRITICAL").click()
    page.wait_for_load_state()
    assert "AW-ANTIBIOTICS-CRITICAL har lagts till i upphandlingen." in one.messages()
    page.fill("#id_q", "ekologiska")
    page.select_option("#id_category", "")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_load_state()
    row = page.locator("tr", has_text="ENV-ORGANIC-SHARE")
    assert "Andel ekologiska livsmedel" in row.inner_text()
    row.locator("input[name$=weight]").fill("10")
    row.get_by_role("button", name="Lägg till ENV-ORGANIC-SHARE").click()
    page.wait_for_load_state()
    weights = page.inner_text(".wb-weights")
    assert (
        "Pris 60 + Inga kritiskt viktiga antibiotika till djuren 15 + "
        "Andel ekologiska livsmedel 10 = 85"
    ) in " ".join(weights.split()), weights

    # An own criterion with a thresholds rule, typed as rows, not JSON, with a decimal comma.
    # A wrong order of the steps is shown on the row it concerns, and nothing is stored.
    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Lägg till ett eget kriterium")
    one.check("sv-own-criterion-choose")
    one.click_text("Tröskelvärden (steg)")
    page.fill("#id_code", "ENV-TRANSPORT-KM")
    page.select_option("#id_category", "environmental")
    page.fill("#id_title", "Kort transport")
    page.fill("#id_title_en", "Short transport")
    page.fill("#id_unit", "km")
    page.select_option("#id_direction", "at_most")
    page.fill("#id_row_1_bound", "50")
    page.fill("#id_row_1_fulfilment", "1")
    page.fill("#id_row_2_bound", "100")
    page.fill("#id_row_2_fulfilment", "0,5")
    page.fill("#id_weight", "15")
    one.press("Lägg till kriteriet")
    assert "Kriteriet är ogiltigt." in one.messages()
    assert "stegen måste gå nedåt" in page.inner_text("body")
    assert not TenderCriterion.objects.filter(code="ENV-TRANSPORT-KM").exists()
    one.check("sv-own-criterion-error")
    page.fill("#id_row_1_bound", "100")
    page.fill("#id_row_1_fulfilment", "0,5")
    page.fill("#id_row_2_bound", "50")
    page.fill("#id_row_2_fulfilment", "1")
    one.press("Lägg till kriteriet")
    assert "ENV-TRANSPORT-KM har lagts till i upphandlingen." in one.messages()
    assert TenderCriterion.objects.get(code="ENV-TRANSPORT-KM").rule["steps"][0] == {
        "at_most": "100",
        "fulfilment": "0.5",
    }

    # The checks turn green, and the weights add up.
    checks = page.inner_text("#wb-checks-title")
    assert "✓ inga fel" in checks, checks
    assert "= 100" in page.inner_text("body") and "summerar till 100" in page.inner_text("body")
    assert "steg ≤ 100 km → 0,5, ≤ 50 km → 1, annars 0" in page.inner_text("body")
    one.check("sv-tender-ready")
    page.fill("#id_price_weight", "55,5")  # the summary follows while typing (not saved)
    weights = page.inner_text(".wb-weights").replace(NBSP, " ")
    assert "Pris 55,5 +" in weights and "= 95,5" in weights and "4,5 kvar" in weights, weights
    assert "summerar till 100" not in weights

    # A simulation shows the ranking the weights would give.
    one.click_text("Simulera")
    page.fill("#id_bid_1_name", "Billig")
    page.fill("#id_bid_1_price", "80 000")
    page.fill("#id_bid_2_name", "Grön")
    page.fill("#id_bid_2_price", "100 000,00")
    tcs = {tc.code: tc.pk for tc in TenderCriterion.objects.filter(tender=tender)}
    page.select_option(f"#id_bid_2_c_{tcs['AW-ANTIBIOTICS-CRITICAL']}", "yes")
    page.fill(f"#id_bid_2_c_{tcs['ENV-ORGANIC-SHARE']}", "100")
    page.fill(f"#id_bid_2_c_{tcs['ENV-TRANSPORT-KM']}", "40")
    page.select_option(f"#id_bid_1_c_{tcs['AW-ANTIBIOTICS-CRITICAL']}", "no")
    page.fill(f"#id_bid_1_c_{tcs['ENV-ORGANIC-SHARE']}", "0")
    page.fill(f"#id_bid_1_c_{tcs['ENV-TRANSPORT-KM']}", "300")
    one.press("Simulera")
    result = page.locator("#simulation-result tbody tr").all_inner_texts()
    assert result[0].startswith("1") and "Grön" in result[0], result
    assert f"100{NBSP}000,00{NBSP}kr" in result[0], result
    assert "Billig" in result[1] and f"80{NBSP}000,00{NBSP}kr" in result[1], result
    one.check("sv-simulation")

    # Publish, through its confirmation page.
    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Publicera")
    assert "Kriterierna, deras vikter och utvärderingsmodellen låses" in one.text()
    one.check("sv-publish-confirm")
    one.press("Publicera upphandlingen")
    assert "WB-2026-1 är publicerad" in one.messages()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED

    # Amend the deadline with a reason, typed as the page writes dates ("1 april 2027",
    # "kl. 12.00"); an earlier deadline is refused on the field.
    one.click_text("Ändra")
    one.check("sv-amend")
    page.fill("#id_reason", "Mer tid för små leverantörer.")
    page.fill("#id_submission_deadline_0", f"{year}-02-28")
    page.fill("#id_submission_deadline_1", "12:00")
    one.press("Publicera ändringen")
    assert "aldrig förkorta den" in one.messages()
    page.fill("#id_submission_deadline_0", f"1 april {year}")
    page.fill("#id_submission_deadline_1", "kl. 12.00")
    one.press("Publicera ändringen")
    assert "Ändring 1 av WB-2026-1 är publicerad." in one.messages()
    assert "Mer tid för små leverantörer." in page.inner_text(
        ".wb-scroll[aria-labelledby=wb-amendments-title] table"
    )
    tender.refresh_from_db()
    later = dt.datetime(year, 4, 1, 12, 0, tzinfo=STOCKHOLM)
    # Noon in Stockholm's summer is 10:00 UTC.
    assert tender.submission_deadline == later == dt.datetime(year, 4, 1, 10, 0, tzinfo=dt.UTC)
    assert f"Sista anbudsdag: 1 april {year} kl. 12.00 CEST" in one.text(".wb-status")
    changes = page.inner_text(".wb-scroll[aria-labelledby=wb-amendments-title] table")
    assert f"1 april {year} kl. 12.00" in changes, changes

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
    # The session of months ago has expired.
    one.login(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Påbörja anbudsöppningen")
    assert f"Sista anbudsdag (1 april {year} kl. 12.00 CEST) har passerat" in one.text()
    one.check("sv-open-start")
    one.press("Påbörja anbudsöppningen")
    assert "en andra upphandlare bekräftar den" in one.messages()
    assert one.page.get_by_role("link", name="Bekräfta anbudsöppningen", exact=True).count() == 0
    one.go(f"/admin/procurement/tender/{tender.pk}/open/")
    one.press("Bekräfta anbudsöppningen")
    assert "en annan upphandlare måste bekräfta den" in one.messages()
    assert "Server Error" not in page.content()
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENING

    two = Workbench(browser, live_server.url, "bertil")
    two.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
    two.click_text("Bekräfta anbudsöppningen")
    two.check("sv-open-confirm")
    two.press("Bekräfta anbudsöppningen")
    assert "Anbuden i WB-2026-1 är öppnade: 1 anbud." in two.messages()
    protocol = two.page.inner_text(".wb-scroll[aria-labelledby=wb-protocol-title] table")
    assert f"95{NBSP}000,00{NBSP}kr" in protocol and supplier.name in protocol
    # Each time in Swedish time, with its zone: the opening in summer time.
    bid = Bid.objects.get(tender=tender)
    assert swedish_time(bid.submitted_at) in protocol, protocol
    opened = two.page.inner_text("#wb-protocol-title + p")
    assert re.search(rf"Öppnades 1 april {year} kl\. 13\.\d\d CEST av ", opened), opened
    two.check("sv-protocol")

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
        swedish_time(tender.submission_deadline),  # the deadline in Swedish time
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
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Checks before publishing" in page.inner_text("#content")
    assert "The weights sum to 70, not 100." in page.inner_text("#content")
    swedish.check("en-tender")


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
    """From an opened tender to a verified result, in the browser and in Swedish: two
    evaluators declare and score (differently, so the spread is flagged), the officer sets
    consensus, runs the evaluation, reads the matrix and an explanation, sees the chart (and
    its table), verifies and downloads the evidence package, and awards. axe on every page."""

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
        evaluator.click_text("Redovisa jäv")
        if name == "eva":
            evaluator.check("sv-declare")
        evaluator.page.check("input[name=has_conflict][value=no]")
        evaluator.page.fill("#id_statement", "Inga band till anbudsgivarna.")
        evaluator.press("Registrera min deklaration")
        assert "Du kan nu poängsätta anbuden" in evaluator.messages()
        body = evaluator.text()
        for price in ("800000", f"800{NBSP}000", "900000", f"900{NBSP}000"):
            assert price not in body, price  # blind to prices, written either way
        inputs = evaluator.page.locator("input[name^='score:']")
        assert inputs.count() == 2
        for i, score in enumerate(scores):
            inputs.nth(i).fill(score)
        evaluator.page.locator("textarea[name^='text:']").first.fill(f"{name} tycker så")
        if name == "eva":
            evaluator.check("sv-scoring-sheet")
        evaluator.press("Spara poängen")
        assert "2 poäng sparade" in evaluator.messages()
        evaluator.context.close()

    one = Workbench(browser, live_server.url, "anna")
    one.sign_in(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Konsensus")
    content = one.text()
    assert (
        "eva: 5" in content
        and "erik: 1" in content
        and f"⚑ Poängen skiljer sig: 1 till 5. En spridning på 80{NBSP}% av skalan" in content
    ), content
    one.check("sv-consensus")
    inputs = one.page.locator("input[name^='score:']")
    for i, score in enumerate(("4", "2")):
        inputs.nth(i).fill(score)
        one.page.locator("textarea[name^='text:']").nth(i).fill("Enig efter samtal.")
    one.press("Spara konsensuspoängen")
    assert "2 konsensuspoäng sparade." in one.messages()

    one.go(f"/admin/procurement/tender/{tender.pk}/change/")
    one.click_text("Kör utvärderingen")
    one.press("Kör utvärderingen")
    started = one.messages()  # what is true when the page comes back: started or done
    assert "Utvärderingen har startat" in started or "Utvärderingen är klar" in started, started
    one.page.wait_for_selector(".wb-matrix", timeout=30_000)  # the page refreshes until done
    matrix = one.page.inner_text(".wb-matrix")
    assert supplier.name in matrix and other_supplier.name in matrix
    headers = one.page.locator(".wb-matrix thead th").all_inner_texts()
    assert {"ANDEL EKOLOGISKA LIVSMEDEL", "PLAN FÖR INFÖRANDE"} <= {
        " ".join(h.split()).upper() for h in headers
    }, headers  # the criteria by their titles, not their codes
    assert f"800{NBSP}000,00{NBSP}kr" in matrix and f"900{NBSP}000,00{NBSP}kr" in matrix, matrix
    one.page.locator(".wb-matrix details summary").first.click()
    explanation = one.page.locator(".wb-matrix details[open]").first.inner_text()
    assert "av 20 poäng" in explanation, explanation
    assert one.page.locator("svg.wb-chart").count() == 1
    text = one.text()
    assert "Kategoriprofil" in text and "Rangordning och matris" in text and "Klar" in text
    one.check("sv-result")
    one.press("Kontrollera genom omkörning")
    assert (
        "Kontrollerad: en omkörning av det sparade underlaget ger samma resultat" in one.messages()
    )
    with one.page.expect_download() as download:
        one.click_text("Ladda ner bevispaketet (ZIP)")
    assert download.value.suggested_filename.startswith("evidence-WB-2026-2-")

    one.page.fill("#wb-justification", "Högst poäng enligt utvärderingen.")
    one.press("Tilldela")
    assert "WB-2026-2 är tilldelad; avtalsspärren upphör" in one.messages()
    award = Award.objects.get(tender=tender)
    assert swedish_time(award.standstill_ends_at) in one.messages(), one.messages()
    assert (
        f"Tilldelad {other_supplier.name} den {swedish_time(award.decided_at)} av"
        in one.page.inner_text("#wb-award ~ p, #content")
    )
    one.check("sv-award")

    # The auditor checks the chain and takes the trail as XLSX.
    auditor = Workbench(browser, live_server.url, "ada")
    auditor.sign_in("/admin/audit/auditevent/")
    auditor.press("Kontrollera kedjan")
    assert "Kedjan är obruten" in auditor.messages()
    auditor.check("sv-audit-list")
    with auditor.page.expect_download() as download:
        auditor.click_text("Exportera XLSX")
    assert download.value.suggested_filename.endswith(".xlsx")


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
    assert "Olösta likalägen" in one.text("#wb-ties")
    assert one.page.get_by_role("button", name="Tilldela").count() == 0
    one.check("sv-lottery")
    one.page.select_option("#wb-witness", label="bertil")
    one.press("Dra lott")
    assert "som vittne; en ny utvärdering tillämpar lottningen" in one.messages()
    one.page.wait_for_selector(".wb-matrix", timeout=30_000)
    ranks = one.page.locator(".wb-matrix tbody tr td:first-child").all_inner_texts()
    assert [r.split()[0] for r in ranks] == ["1", "2"], ranks
    assert one.page.locator("#wb-ties").count() == 0
