"""The printable records (workbench/records.py): the opening protocol, the evaluation report and
the award decision, each a page to print and a PDF, in the page's language and formats.

Who may print what is asked as the pages they print ask: the protocol as the tender page's
(the buyer's staff; no prices and hashes for evaluators blind to prices), the report and the
decision as the evaluation page's (evaluators do not read evaluations). Another organisation's
tender, and a record that does not exist yet, is a 404."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from criteria.services import attach_criterion
from procurement.models import Tender
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from scoring.models import Evaluation
from scoring.services.award import award_tender
from scoring.services.runs import run_evaluation, start_evaluation
from tests.admin.test_admin import change_url, logged_in
from tests.scenarios import new_tender, open_bids

pytestmark = pytest.mark.django_db

ORGANIC = {
    "code": "ENV-ORGANIC",
    "title": "Andel ekologiskt",
    "title_en": "Organic share",
    "category": "environmental",
    "level": "basic",
    "kind": "award",
    "unit": "%",
    "rule": {"type": "linear", "worst": "0", "best": "100"},
}
# Swedish letters and the signs the texts use: the PDF's font must have every one of them.
JUSTIFICATION = (
    "Lägst pris och högst andel ekologiskt \N{EN DASH} poäng ≥ 80; pris ÷ lägsta pris; "
    "CO₂ per leverans."
)
# "7 december 2026 kl. 10.34 CET": Swedish time, with its zone.
SWEDISH_TIME = re.compile(r"\d{1,2} [a-zåäö]+ \d{4} kl\. \d{2}\.\d{2} CES?T")


def text_of(response) -> str:
    """A page as a person reads it: no tags, no scripts, single spaces (no-break ones too)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def pdf_text(response) -> tuple[PdfReader, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.replace("\xa0", " ").split())


def url(name, tender, *args):
    return reverse(f"admin:procurement_tender_{name}", args=[tender.pk, *args])


def swedish(user) -> Client:
    client = logged_in(user)
    client.cookies["django_language"] = "sv"
    return client


@pytest.fixture
def people(make_user, buyer, supplier, other_supplier):
    return {
        "officer": make_user("officer", buyer, first_name="Åsa", last_name="Öberg"),
        "second": make_user("officer", buyer, first_name="Erik", last_name="Nyström"),
        "evaluator": make_user("evaluator", buyer, first_name="Eva", last_name="Ek"),
        "charlie": make_user("bidder", supplier),
        "dana": make_user("bidder", other_supplier),
    }


@pytest.fixture
def published(people):
    """A weighted tender (price 70, organic share 30), the evaluators blind to prices, with
    Charlie's and Dana's bids, before the deadline."""
    officer = people["officer"]
    tender = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
        },
    )
    organic = attach_criterion(tender=tender, actor=officer, definition=ORGANIC, weight=Decimal(30))
    tender = publish_tender(tender=tender, actor=officer)
    bids = {}
    for name, price, share in (("charlie", "800000.00", "62.5"), ("dana", "1000000.00", "40")):
        bid = create_bid(
            actor=people[name],
            tender=tender,
            lot=None,
            price_amount=Decimal(price),
            responses=[{"tender_criterion": organic.pk, "value": share}],
        )
        bids[name] = submit_bid(bid=bid, actor=people[name])
    return tender, bids


@pytest.fixture
def opened(people, published, clock):
    tender, bids = published
    return open_bids(clock, tender, people["officer"], people["second"]), bids


@pytest.fixture
def evaluated(people, opened):
    tender, bids = opened
    started = start_evaluation(tender=tender, actor=people["officer"])
    run_evaluation(started.pk)
    tender.refresh_from_db()
    return tender, bids, Evaluation.objects.get(pk=started.pk)


@pytest.fixture
def awarded(people, evaluated):
    tender, bids, evaluation = evaluated
    award = award_tender(
        tender=tender,
        actor=people["officer"],
        evaluation=evaluation,
        lots=[{"lot": str(tender.lots.get().pk), "bids": [str(bids["charlie"].pk)]}],
        justification=JUSTIFICATION,
    )
    tender.refresh_from_db()
    return tender, bids, evaluation, award


# --- the opening protocol --------------------------------------------------------------------


def test_the_opening_protocol_prints_in_swedish(people, opened):
    tender, bids = opened
    client = swedish(people["officer"])
    page = client.get(url("opening_protocol", tender))
    assert page.status_code == 200
    text = text_of(page)
    assert "Öppningsprotokoll" in text and tender.reference in text and "Region Alice" in text
    assert "Sista anbudsdag" in text and "Öppnades" in text and "Inkomna anbud 2 anbud" in text
    assert "Åsa Öberg" in text and "Erik Nyström" in text  # the officers who opened
    assert "Charlie Gård AB" in text and "Dana Livs AB" in text
    assert "800 000,00 kr" in text and "1 000 000,00 kr" in text
    assert bids["charlie"].sha256 in text and bids["dana"].sha256 in text  # the receipts
    assert len(SWEDISH_TIME.findall(text)) >= 4  # deadline, opening, each submission
    html = page.content.decode()
    assert "data-print" in html and "workbench/print.js" in html and "workbench/print.css" in html
    assert url("opening_protocol_pdf", tender) in html

    download = client.get(url("opening_protocol_pdf", tender))
    reader, pdf = pdf_text(download)
    assert download["Content-Disposition"] == (
        f'attachment; filename="{tender.reference}-oppningsprotokoll.pdf"'
    )
    assert "no-store" in download["Cache-Control"]
    assert len(reader.pages) == 1
    assert reader.metadata.title == f"Öppningsprotokoll {tender.reference}"
    for expected in (
        "Öppningsprotokoll",
        tender.reference,
        "Charlie Gård AB",
        "Åsa Öberg",
        "Erik Nyström",
        "800 000,00 kr",
        "Inkomna anbud",
    ):
        assert expected in pdf, expected
    assert SWEDISH_TIME.search(pdf)
    # A hash may wrap in its narrow column: its characters are all there, in order.
    assert bids["charlie"].sha256 in pdf.replace(" ", "")


def test_the_protocol_is_in_english_for_an_english_page(people, opened):
    tender, _bids = opened
    client = logged_in(people["officer"])
    client.cookies["django_language"] = "en"
    text = text_of(client.get(url("opening_protocol", tender)))
    assert "Opening protocol" in text and "SEK 800,000.00" in text
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} CES?T", text)
    download = client.get(url("opening_protocol_pdf", tender))
    assert download["Content-Disposition"].endswith(f'"{tender.reference}-opening-protocol.pdf"')
    _reader, pdf = pdf_text(download)
    assert "Opening protocol" in pdf and "Page 1 of 1" in pdf


def test_a_price_blind_evaluator_prints_the_protocol_without_prices(people, opened):
    tender, bids = opened
    client = swedish(people["evaluator"])
    page = client.get(url("opening_protocol", tender))
    assert page.status_code == 200
    text = text_of(page)
    assert "Charlie Gård AB" in text and "Åsa Öberg" in text
    assert "Priserna är dolda för utvärderarna i den här upphandlingen." in text
    assert "800 000" not in text and "1 000 000" not in text and " kr" not in text
    assert bids["charlie"].sha256 not in text  # the hash commits to the price
    _reader, pdf = pdf_text(client.get(url("opening_protocol_pdf", tender)))
    assert "Charlie Gård AB" in pdf and "Priserna är dolda" in pdf
    assert "800 000" not in pdf and " kr" not in pdf
    assert bids["charlie"].sha256 not in pdf.replace(" ", "")


def test_there_is_no_protocol_before_the_opening(people, published, clock):
    tender, _bids = published
    client = swedish(people["officer"])
    for name in ("opening_protocol", "opening_protocol_pdf"):
        assert client.get(url(name, tender)).status_code == 404
    # Started by one officer, not yet confirmed by the second: still sealed.
    clock.move_to(tender.submission_deadline + dt.timedelta(seconds=1))
    tender = open_tender(tender=tender, actor=people["officer"])
    assert tender.status == Tender.Status.OPENING
    client = swedish(people["officer"])  # logged in again: the clock moved past the session
    for name in ("opening_protocol", "opening_protocol_pdf"):
        assert client.get(url(name, tender)).status_code == 404
    page = client.get(change_url(tender))
    assert "Öppningsprotokoll" not in text_of(page)
    assert url("opening_protocol", tender) not in page.content.decode()  # not offered either


# --- the evaluation report -------------------------------------------------------------------


def test_the_evaluation_report_prints_in_swedish(people, evaluated):
    tender, _bids, evaluation = evaluated
    client = swedish(people["officer"])
    page = client.get(url("evaluation_report", tender, evaluation.pk))
    assert page.status_code == 200
    text = text_of(page)
    assert tender.reference in text and "Utvärdering 1" in text
    assert "Viktade poäng (pris och kvalitet)" in text  # the method in words
    assert "Proportionell (lägsta pris ÷ pris)" in text
    # 70 + 30 x 0.625 = 88.75 and 70 x 0.8 + 30 x 0.4 = 68, with a decimal comma.
    assert re.search(r"1 Charlie Gård AB 800 000,00 kr 88,7500", text), text
    assert re.search(r"2 Dana Livs AB 1 000 000,00 kr 68,0000", text)
    assert "Andel ekologiskt (ENV-ORGANIC)" in text and "18,7500 p" in text  # the matrix
    assert "62,5 %" in text  # the answer, in the explanations
    assert "Hur stabil är rangordningen?" in text
    # The robustness in words: the criterion by its title, weights as typed (not "30,0000").
    robust = text.split("Hur stabil är rangordningen?", 1)[1]
    assert "vikten för ”Andel ekologiskt”" in robust and "ENV-ORGANIC" not in robust
    assert re.search(r"prisvikten (\(nu 70\)|ändrades från 70 till)", robust), robust
    assert "30,0000" not in robust and "70,0000" not in robust
    assert evaluation.engine_version in text
    assert evaluation.input_sha256 in text and evaluation.result_sha256 in text
    assert SWEDISH_TIME.search(text)

    download = client.get(url("evaluation_report_pdf", tender, evaluation.pk))
    _reader, pdf = pdf_text(download)
    assert download["Content-Disposition"] == (
        f'attachment; filename="{tender.reference}-utvarderingsrapport-1.pdf"'
    )
    for expected in (
        tender.reference,
        "Utvärdering 1",
        "Viktade poäng (pris och kvalitet)",
        "Charlie Gård AB",
        "88,7500",
        "Hur stabil är rangordningen?",
        "lägsta pris ÷ pris",
    ):
        assert expected in pdf, expected
    assert evaluation.result_sha256 in pdf.replace(" ", "")


def test_an_unfinished_evaluation_has_no_report(people, opened):
    tender, _bids = opened
    queued = start_evaluation(tender=tender, actor=people["officer"])  # not run in this test
    client = swedish(people["officer"])
    for name in ("evaluation_report", "evaluation_report_pdf"):
        assert client.get(url(name, tender, queued.pk)).status_code == 404
    page = client.get(url("evaluation", tender, queued.pk)).content.decode()
    assert url("evaluation_report", tender, queued.pk) not in page  # not offered either


def test_evaluators_print_no_evaluation_and_so_no_price(people, awarded):
    """Evaluators do not read evaluations (as on the evaluation page and in the API): their
    report and decision are 404s, so no price reaches them there either."""
    tender, _bids, evaluation, _award = awarded
    client = swedish(people["evaluator"])
    for name, args in (
        ("evaluation_report", [evaluation.pk]),
        ("evaluation_report_pdf", [evaluation.pk]),
        ("award_decision", []),
        ("award_decision_pdf", []),
    ):
        assert client.get(url(name, tender, *args)).status_code == 404, name
    page = text_of(client.get(change_url(tender)))
    assert url("opening_protocol", tender) in client.get(change_url(tender)).content.decode()
    assert "800 000" not in page


# --- the award decision ----------------------------------------------------------------------


def test_the_award_decision_prints_in_swedish(people, awarded):
    tender, _bids, evaluation, award = awarded
    client = swedish(people["officer"])
    page = client.get(url("award_decision", tender))
    assert page.status_code == 200
    text = text_of(page)
    assert tender.reference in text and "Charlie Gård AB" in text
    assert JUSTIFICATION in text
    assert "Beslutad av Åsa Öberg" in text
    assert "Avtalsspärren upphör" in text and "avtalet får inte ingås dessförinnan" in text
    assert "Avviker från rangordningen" in text
    assert len(SWEDISH_TIME.findall(text)) >= 2  # decided, standstill end
    assert "88,7500" in text and evaluation.result_sha256 in text

    download = client.get(url("award_decision_pdf", tender))
    _reader, pdf = pdf_text(download)
    assert download["Content-Disposition"] == (
        f'attachment; filename="{tender.reference}-tilldelningsbeslut.pdf"'
    )
    assert tender.reference in pdf and "Åsa Öberg" in pdf and "Avtalsspärren upphör" in pdf
    # Every letter and sign of the justification is in the font: å ä ö, the en dash, ≥ ÷ ₂.
    assert JUSTIFICATION in pdf
    assert SWEDISH_TIME.search(pdf)
    assert award.decided_by == people["officer"]


def test_there_is_no_decision_before_the_award(people, evaluated):
    tender, _bids, _evaluation = evaluated
    client = swedish(people["officer"])
    for name in ("award_decision", "award_decision_pdf"):
        assert client.get(url(name, tender)).status_code == 404


# --- isolation and links ---------------------------------------------------------------------


def test_another_organisation_gets_404_for_every_record(people, awarded, other_officer):
    tender, _bids, evaluation, _award = awarded
    client = swedish(other_officer)
    for name, args in (
        ("opening_protocol", []),
        ("opening_protocol_pdf", []),
        ("evaluation_report", [evaluation.pk]),
        ("evaluation_report_pdf", [evaluation.pk]),
        ("award_decision", []),
        ("award_decision_pdf", []),
    ):
        assert client.get(url(name, tender, *args)).status_code == 404, name


def test_the_pages_link_the_records_they_offer(people, awarded):
    tender, _bids, evaluation, _award = awarded
    client = swedish(people["officer"])
    tender_page = client.get(change_url(tender)).content.decode()
    for name in (
        "opening_protocol",
        "opening_protocol_pdf",
        "award_decision",
        "award_decision_pdf",
    ):
        assert url(name, tender) in tender_page, name
    evaluation_page = client.get(url("evaluation", tender, evaluation.pk)).content.decode()
    for name in ("evaluation_report", "evaluation_report_pdf"):
        assert url(name, tender, evaluation.pk) in evaluation_page, name
    assert url("award_decision", tender) in evaluation_page
    # An evaluator is offered the protocol only.
    evaluator_page = swedish(people["evaluator"]).get(change_url(tender)).content.decode()
    assert url("opening_protocol", tender) in evaluator_page
    assert url("award_decision", tender) not in evaluator_page


# --- the PDF itself ----------------------------------------------------------------------------


def test_a_long_table_breaks_between_rows_and_repeats_its_header():
    """Across pages a table repeats its header row; text is text, never markup; a long token
    (a hash) wraps inside its column."""
    from workbench import pdf, records  # noqa: PLC0415 - the renderer alone, no request

    rows = [[f"Leverantör {n} <b>&</b> Söner", f"{n}", "a" * 64] for n in range(1, 121)]
    record = records.Record(
        title="Öppningsprotokoll",
        organisation="Region Alice",
        reference="ADM-LÅNG",
        language="sv",
        facts=[records.Fact("Diarienummer", "ADM-LÅNG")],
        sections=[
            records.Section(
                "Inkomna anbud",
                [
                    records.Table(
                        [
                            records.Column("Leverantör", 3),
                            records.Column("Delkontrakt", 1, "num"),
                            records.Column("Kvitto", 3, "mono"),
                        ],
                        rows,
                    ),
                ],
            ),
            records.Section("Underskrifter", [records.Signatures(["Åsa Öberg", "Erik Nyström"])]),
        ],
        filename="ADM-LANG-oppningsprotokoll.pdf",
    )
    reader = PdfReader(io.BytesIO(pdf.render(record)))
    assert len(reader.pages) > 2
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    for number, text in enumerate(pages[:-1], start=1):
        assert "Leverantör Delkontrakt Kvitto" in text, number  # the header on every page
        assert f"{number} av {len(pages)}" in text or f"{number} of {len(pages)}" in text
    everything = " ".join(pages)
    assert "Leverantör 120 <b>&</b> Söner" in everything
    assert everything.count("Leverantör 1 <b>") == 1  # no row printed twice
    assert "Åsa Öberg" in pages[-1]
