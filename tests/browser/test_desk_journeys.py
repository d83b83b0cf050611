"""Journeys of a working day in the workbench, in Swedish and Swedish time, in a real browser
(Debian's Chromium, driven by Playwright): the start page of each role, an evaluator scoring
with the supplier's answers and documents at hand, and an auditor filtering the trail and
taking it as CSV. axe-core on every page, in the light and the dark theme; no page wider than
a laptop's screen."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent, ChainHead
from audit.selectors import EVENT_FIELDS
from audit.services import record_export
from criteria.models import Criterion
from criteria.services import attach_criterion
from procurement.models import Bid, Tender
from procurement.services.bids import create_bid, submit_bid
from procurement.services.documents import upload_bid_document
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from scoring.models import EvaluatorScore
from tests.browser.test_workbench import (
    NBSP,
    Workbench,
    staff,
    swedish_list_time,
    swedish_time,
)
from tests.scenarios import new_tender

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A food tender scored mostly by evaluators: three plans scored 0-5 by hand, a choice, a share
# and a requirement. Weighted points: price 40 and the criteria's 60 make 100.
CRITERIA = (
    ("QUAL-IMPLEMENTATION-PLAN", 15),
    ("SME-INVOLVEMENT-PLAN", 10),
    ("AW-IMPROVEMENT-PLAN", 10),
    ("ENV-SEASONAL-PRODUCE", 15),
    ("ENV-ORGANIC-SHARE", 10),
    ("AW-STUNNING", None),
)
# The desk's tables: the officer's steps to take, the evaluator's tenders waiting.
TODO = ".wb-scroll[aria-labelledby=wb-todo] table"
WAITING = ".wb-scroll[aria-labelledby=wb-evaluate] table"
# A supplier's answers to them.
ANSWERS = {
    "QUAL-IMPLEMENTATION-PLAN": "Start vecka 2.\nUtbildning av kökspersonalen.",
    "SME-INVOLVEMENT-PLAN": "Tre lokala odlare levererar grönsakerna.",
    "AW-IMPROVEMENT-PLAN": "Årlig revision hos alla uppfödare.",
    "ENV-SEASONAL-PRODUCE": "part_of_year",
    "ENV-ORGANIC-SHARE": "62.5",
    "AW-STUNNING": True,
}


def noon(days: int) -> dt.datetime:
    """Noon in Stockholm, ``days`` from today: a deadline as officers set them."""
    return (timezone.localtime() + dt.timedelta(days=days)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )


def food_tender(officer, reference: str) -> tuple[Tender, dict]:
    """A published tender with the criteria above (from the shared library)."""
    tender = new_tender(
        officer,
        reference=reference,
        title="Livsmedel till skolköken",
        submission_deadline=noon(40),
        evaluation={
            "method": "weighted_points",
            "price_weight": "40",
            "price_scoring": "proportional",
        },
    )
    tcs = {
        code: attach_criterion(
            tender=tender,
            actor=officer,
            criterion=Criterion.objects.get(code=code),
            **({"weight": weight} if weight else {}),
        )
        for code, weight in CRITERIA
    }
    return publish_tender(tender=tender, actor=officer), tcs


def bid_with_documents(bidder, tender, tcs, price, answers, documents) -> Bid:
    """The bidder's organisation answers every criterion, attaches its documents, submits."""
    bid = create_bid(
        actor=bidder,
        tender=tender,
        lot=None,
        price_amount=Decimal(price),
        responses=[
            {"tender_criterion": tcs[code].pk, "value": value} for code, value in answers.items()
        ],
    )
    for name, kind, content in documents:
        upload_bid_document(
            bid=bid, actor=bidder, uploaded=SimpleUploadedFile(name, content), kind=kind
        )
    return submit_bid(bid=bid, actor=bidder)


def row_of(page, selector: str, text: str):
    """The one table row under ``selector`` that names ``text``."""
    row = page.locator(f"{selector} tr", has_text=text)
    assert row.count() == 1, (selector, text, row.count())
    return row


def test_the_start_page_for_each_role_in_swedish(
    browser,
    live_server,
    make_user,
    buyer,
    supplier,
    shared_library,
    time_machine,
    flushable_audit_trail,
):
    """The officer sees the organisation's tenders by state with the deadlines in Swedish
    time and the next step, and the step's link leads to it (here: the opening, started by
    one officer and confirmed by another from their own start pages); the evaluator sees the
    tender that waits for the declaration; the auditor the chain and the latest exports."""

    time_machine.move_to(timezone.now(), tick=True)
    officer = staff(make_user, buyer, "olle")
    staff(make_user, buyer, "petra")
    staff(make_user, buyer, "eva", role="evaluator")
    auditor = staff(make_user, buyer, "ada", role="auditor")
    # Two tenders whose deadline will have passed: one to open, one opened to be evaluated.
    to_open, to_open_tcs = food_tender(officer, "DESK-2026-1")
    opened, opened_tcs = food_tender(officer, "DESK-2026-2")
    for tender, tcs in ((to_open, to_open_tcs), (opened, opened_tcs)):
        bid_with_documents(
            make_user("bidder", supplier),
            tender,
            tcs,
            "812345.00",
            ANSWERS,
            [],
        )
    time_machine.move_to(to_open.submission_deadline + dt.timedelta(hours=1), tick=True)
    opened = open_tender(tender=opened, actor=officer)
    assert opened.status == Tender.Status.OPENING  # the second officer confirms, below
    draft = new_tender(officer, reference="DESK-2026-3", submission_deadline=noon(45))
    open_for_bids = publish_tender(
        tender=new_tender(officer, reference="DESK-2026-4", submission_deadline=noon(50)),
        actor=officer,
    )

    # The officer's desk: the tenders by state, the deadlines in Swedish time.
    desk = Workbench(browser, live_server.url, "olle")
    desk.sign_in("/admin/")
    page = desk.page
    assert page.locator("html").get_attribute("lang") == "sv"
    text = desk.text()
    for heading in (
        "Att göra härnäst",
        "Sista anbudsdag passerad: ska öppnas (1)",
        "Öppning pågår: väntar på en andra upphandlare (1)",
        "Utkast (1)",
        "Publicerade, öppna för anbud (1)",
    ):
        assert heading in text, heading
    for tender in (to_open, opened, draft, open_for_bids):
        tender.refresh_from_db()
        for row in page.locator(".wb-table tr", has_text=tender.reference).all():
            assert swedish_time(tender.submission_deadline) in row.inner_text(), tender
    assert "Påbörja anbudsöppningen" in row_of(page, TODO, "DESK-2026-1").inner_text()
    assert "Publicera" in row_of(page, TODO, "DESK-2026-3").inner_text()
    # Waiting on another officer is nothing to do for this one: said in its state's list.
    assert page.locator(f"{TODO} tr", has_text="DESK-2026-2").count() == 0
    assert "En annan upphandlare bekräftar öppningen" in (
        page.locator(".wb-table tr", has_text="DESK-2026-2").first.inner_text()
    )
    assert page.locator(f"{TODO} tr", has_text="DESK-2026-4").count() == 0  # nothing to do yet
    assert page.locator(TODO).get_by_role("columnheader", name="Nästa steg").count() == 1
    desk.check("sv-desk-officer")

    # "Nästa steg" leads to the step: the opening starts from the desk.
    row_of(page, TODO, "DESK-2026-1").get_by_role("link", name="Påbörja anbudsöppningen").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/admin/procurement/tender/{to_open.pk}/open/"), page.url
    desk.press("Påbörja anbudsöppningen")
    assert "Anbudsöppningen för DESK-2026-1 är påbörjad" in desk.messages()
    desk.go("/admin/")
    assert page.locator(f"{TODO} tr", has_text="DESK-2026-1").count() == 0
    assert "En annan upphandlare bekräftar öppningen" in (
        page.locator(".wb-table tr", has_text="DESK-2026-1").first.inner_text()
    )

    # The second officer confirms both openings from their own desk.
    second = Workbench(browser, live_server.url, "petra")
    second.sign_in("/admin/")
    for reference in ("DESK-2026-1", "DESK-2026-2"):
        row = row_of(second.page, TODO, reference)
        row.get_by_role("link", name="Bekräfta anbudsöppningen").click()
        second.page.wait_for_load_state()
        second.press("Bekräfta anbudsöppningen")
        assert f"Anbuden i {reference} är öppnade: 1 anbud." in second.messages()
        second.go("/admin/")
    # Opened: the next step is the consensus scores of the 3 plans (1 bid).
    row = row_of(second.page, TODO, "DESK-2026-2")
    assert "Sätt konsensus (3 kvar)" in row.inner_text(), row.inner_text()
    assert "Öppnade: ska utvärderas (2)" in second.text()
    second.check("sv-desk-officer-opened")

    # The evaluator's desk: the opened tenders wait for the declaration.
    evaluator = Workbench(browser, live_server.url, "eva")
    evaluator.sign_in("/admin/")
    text = evaluator.text()
    assert "Upphandlingar som väntar på dig" in text
    assert "DESK-2026-3" not in text and "DESK-2026-4" not in text  # not opened: not theirs
    row = row_of(evaluator.page, WAITING, "DESK-2026-2")
    assert "Livsmedel till skolköken" in row.inner_text()
    evaluator.check("sv-desk-evaluator")
    row.get_by_role("link", name="Redovisa jäv").click()
    evaluator.page.wait_for_load_state()
    assert "Jävsdeklaration: DESK-2026-2" in evaluator.text("h1")

    # The auditor's desk: the chain and the latest exports, in Swedish time.
    desk = Workbench(browser, live_server.url, "ada")
    desk.sign_in("/admin/")
    assert "Loggen har inte exporterats än." in desk.text()
    record_export(actor=auditor, file_format="csv", filters={})
    desk.go("/admin/")
    head = ChainHead.objects.get(chain=str(buyer.pk))
    text = desk.text()
    assert f"Organisationens kedja har {head.sequence} händelser." in text, text
    assert f"Dess senaste hash: {head.hash}" in text
    export = AuditEvent.objects.filter(action="audit.exported").latest("sequence")
    exports = desk.text("#wb-exports ~ ul")
    assert f"{swedish_time(export.created_at, zone=False)}: ada (CSV)" in exports, exports
    desk.check("sv-desk-auditor")
    desk.click_text("Öppna granskningsloggen: kontrollera kedjan, filtrera, exportera")
    assert desk.page.url.endswith("/admin/audit/auditevent/")


def test_an_evaluator_scores_with_the_answers_at_hand(
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
    """The evaluator declares no conflict, reads a bid (the answers by criterion title and in
    words, the documents to open, no prices), then scores on the sheet with each supplier's
    answer and documents beside the score field, a half point with a decimal comma. The
    officer's consensus page and the result of so many criteria still fit the screen."""

    time_machine.move_to(timezone.now(), tick=True)
    officer = staff(make_user, buyer, "olle")
    second = staff(make_user, buyer, "petra")
    staff(make_user, buyer, "eva", role="evaluator")
    tender, tcs = food_tender(officer, "POÄNG-2026-1")
    charlie = bid_with_documents(
        make_user("bidder", supplier),
        tender,
        tcs,
        "812345.00",
        ANSWERS,
        [
            ("iso14001-intyg.txt", "certificate", b"ISO 14001\n"),
            ("prislista-812345.csv", "price_sheet", b"vara;pris\n"),
        ],
    )
    dana = bid_with_documents(
        make_user("bidder", other_supplier),
        tender,
        tcs,
        "905000.00",
        {
            "QUAL-IMPLEMENTATION-PLAN": "Vi tar över på en dag.",
            "SME-INVOLVEMENT-PLAN": "Ingen plan.",
            "AW-IMPROVEMENT-PLAN": "Enligt lag.",
            "ENV-SEASONAL-PRODUCE": "all_seasons",
            "ENV-ORGANIC-SHARE": "40",
            "AW-STUNNING": True,
        },
        [("djurskyddspolicy.txt", "declaration", b"Policy\n")],
    )
    time_machine.move_to(tender.submission_deadline + dt.timedelta(minutes=5), tick=True)
    tender = open_tender(tender=open_tender(tender=tender, actor=officer), actor=second)

    # From the desk to the declaration, then to the scoring sheet.
    eva = Workbench(browser, live_server.url, "eva")
    eva.sign_in("/admin/")
    row_of(eva.page, WAITING, "POÄNG-2026-1").get_by_role("link", name="Redovisa jäv").click()
    page = eva.page
    page.wait_for_load_state()
    eva.check("sv-declare-from-desk")
    page.check("input[name=has_conflict][value=no]")
    page.fill("#id_statement", "Inga band till anbudsgivarna.")
    eva.press("Registrera min deklaration")
    assert "Din deklaration är registrerad. Du kan nu poängsätta anbuden." in eva.messages()
    assert "Poängblad: POÄNG-2026-1" in eva.text("h1")

    # The bid, as the evaluator may read it: answers by title and in words, no prices.
    page.get_by_role("link", name=supplier.name, exact=True).click()
    page.wait_for_load_state()
    assert f"Anbud från {supplier.name}" in eva.text("h1")
    answers = ".wb-scroll[aria-labelledby=wb-answers] table"
    expected = {
        "Frukt och grönt efter säsong": "Säsongsanpassat en del av året",
        "Andel ekologiska livsmedel": "62,5 %",
        "Bedövning före slakt": "Ja",
        "Plan för införande": "Start vecka 2.\nUtbildning av kökspersonalen.",
        "Plan för att ta in små företag och sociala företag": "Tre lokala odlare",
    }
    for title, answer in expected.items():
        shown = row_of(page, answers, title).inner_text().replace(NBSP, " ")
        assert answer in shown, (title, answer, shown)
    body = eva.text()
    assert "part_of_year" not in body and "812" not in body  # words, and blind to prices
    assert "Pris: dolt för utvärderare i den här upphandlingen" in eva.text(".wb-status")
    assert "Prisbilagor är dolda för utvärderare i den här upphandlingen." in body
    assert "prislista" not in body
    link = page.get_by_role("link", name="iso14001-intyg.txt", exact=True)
    document = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert document.status == 200 and document.body() == b"ISO 14001\n"
    eva.check("sv-bid")

    # The scoring sheet: each supplier's answer and documents beside the score field.
    eva.click_text("Till poängsättningen")
    assert "Poängblad: POÄNG-2026-1" in eva.text("h1")
    for bid, documents in ((charlie, ["iso14001-intyg.txt"]), (dana, ["djurskyddspolicy.txt"])):
        header = page.locator("table.wb-sheet tbody th", has_text=bid.supplier.name)
        assert header.locator(".wb-documents li").all_inner_texts() == documents
    cell = page.locator(
        "table.wb-sheet td",
        has=page.locator(f"input[name='score:{charlie.pk}:{tcs['SME-INVOLVEMENT-PLAN'].pk}']"),
    )
    assert "Tre lokala odlare levererar grönsakerna." in cell.locator(".wb-answer").inner_text()
    assert "prislista" not in eva.text() and "812" not in eva.text()
    # The scale is 0-5 in steps of any size: half points with the Swedish decimal comma.
    assert "0\N{EN DASH}5" in page.inner_text("table.wb-sheet thead")
    scores = {
        (charlie, "QUAL-IMPLEMENTATION-PLAN"): "3,5",
        (charlie, "SME-INVOLVEMENT-PLAN"): "4",
        (charlie, "AW-IMPROVEMENT-PLAN"): "2",
        (dana, "QUAL-IMPLEMENTATION-PLAN"): "5",
        (dana, "SME-INVOLVEMENT-PLAN"): "2,5",
        (dana, "AW-IMPROVEMENT-PLAN"): "1",
    }
    for (bid, code), score in scores.items():
        page.fill(f"input[name='score:{bid.pk}:{tcs[code].pk}']", score)
    page.fill(
        f"textarea[name='text:{charlie.pk}:{tcs['QUAL-IMPLEMENTATION-PLAN'].pk}']",
        "Tydlig tidplan, svag riskplan.",
    )
    eva.check("sv-scoring-sheet-wide")
    eva.press("Spara poängen")
    assert "6 poäng sparade; varje ändring sparas som en ny version." in eva.messages()
    for (bid, code), score in scores.items():
        field = f"input[name='score:{bid.pk}:{tcs[code].pk}']"
        assert page.input_value(field) == score, (code, page.input_value(field))
        saved = EvaluatorScore.objects.get(
            bid=bid, tender_criterion=tcs[code], evaluator__username="eva", is_current=True
        )
        assert saved.score == Decimal(score.replace(",", ".")), (code, saved.score)
    eva.check("sv-scoring-sheet-saved")
    eva.go("/admin/")
    assert "Ingen upphandling väntar på din jävsförklaring eller dina poäng." in eva.text()

    # The officer: consensus starts from the evaluator's scores; the result of six criteria.
    olle = Workbench(browser, live_server.url, "olle")
    olle.sign_in(f"/admin/procurement/tender/{tender.pk}/consensus/")
    first = f"input[name='score:{charlie.pk}:{tcs['QUAL-IMPLEMENTATION-PLAN'].pk}']"
    assert olle.page.input_value(first) == "3,5"
    assert "eva: 3,5" in olle.text()
    olle.check("sv-consensus-wide")
    olle.press("Spara konsensuspoängen")
    assert "6 konsensuspoäng sparade." in olle.messages()
    olle.go(f"/admin/procurement/tender/{tender.pk}/change/")
    olle.check("sv-tender-opened-wide")
    olle.click_text("Kör utvärderingen")
    olle.press("Kör utvärderingen")
    olle.page.wait_for_selector(".wb-matrix", timeout=30_000)
    matrix = olle.page.inner_text(".wb-matrix")
    assert f"812{NBSP}345,00{NBSP}kr" in matrix and f"905{NBSP}000,00{NBSP}kr" in matrix
    olle.check("sv-result-wide")
    assert olle.page.locator(".wb-warning").count() > 0  # the colours the dark theme changes
    olle.check_theme_switch("sv-result-wide")


def test_an_auditor_filters_the_trail_and_takes_it_as_csv(
    browser, live_server, make_user, buyer, flushable_audit_trail
):
    """The auditor finds a tender's events by its reference (the search box), narrows them by
    what happened (a filter in words), and downloads the list as filtered as CSV for Excel in
    Swedish: a byte order mark, ';' between the fields, the data readable ("ä")."""

    officer = staff(make_user, buyer, "olle")
    auditor = staff(make_user, buyer, "ada", role="auditor")
    tender = publish_tender(
        tender=new_tender(officer, reference="REV-2026-7", title="Kött och ägg"), actor=officer
    )
    new_tender(officer, reference="ANNAN-2026-1", title="Papper")

    audit = Workbench(browser, live_server.url, "ada")
    audit.sign_in("/admin/audit/auditevent/")
    page = audit.page
    audit.check("sv-audit-all")
    page.fill("#searchbar", "REV-2026-7")
    audit.press("Sök")
    rows = page.locator("#result_list tbody tr")
    texts = rows.all_inner_texts()
    assert len(texts) == AuditEvent.objects.filter(tender_id=tender.pk).count() >= 2, texts
    assert all("REV-2026-7" in text for text in texts), texts
    assert "ANNAN-2026-1" not in audit.text()
    filters = page.locator("#changelist-filter")
    assert "Efter vad som hände" in filters.inner_text()
    filters.get_by_role("link", name="upphandling skapad", exact=True).click()
    page.wait_for_load_state()
    texts = rows.all_inner_texts()
    created = AuditEvent.objects.get(tender_id=tender.pk, action="tender.created")
    assert len(texts) == 1 and "upphandling skapad" in texts[0], texts
    assert swedish_list_time(created.created_at) in texts[0] and "olle" in texts[0], texts
    assert page.input_value("#searchbar") == "REV-2026-7"  # both narrow the list
    audit.check("sv-audit-filtered")

    with page.expect_download() as download:
        audit.click_text("Exportera CSV")
    assert download.value.suggested_filename.endswith(".csv")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # Excel reads it as UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(EVENT_FIELDS)
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, body = table[0], table[1:]
    assert len(body) == 1, body  # the list as filtered
    event = dict(zip(header, body[0], strict=True))
    assert event["action"] == "tender.created" and event["sequence"] == str(created.sequence)
    assert "Kött och ägg" in event["data"] and "\\u00e4" not in event["data"], event["data"]
    exported = AuditEvent.objects.filter(action="audit.exported").latest("sequence")
    assert exported.actor_id == auditor.pk
    assert exported.data["filters"] == {"q": "REV-2026-7", "action": "tender.created"}
