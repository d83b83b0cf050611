"""An evaluator reads the bids it scores: the answers by criterion title, values in words,
and the documents to open; the scoring sheet links each bid."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from criteria.services import attach_criterion
from procurement.models import Bid
from procurement.services.documents import upload_bid_document
from procurement.services.opening import open_tender
from procurement.services.tenders import publish_tender
from scoring.services.declarations import declare_conflict
from tests.admin.test_admin import logged_in
from tests.admin.test_workbench import text_of
from tests.scenarios import new_tender

pytestmark = pytest.mark.django_db

CHOICE = {
    "code": "SOC-DUE-DILIGENCE",
    "title": "Riskbaserad granskning i leverantörskedjan",
    "title_en": "Due diligence in the supply chain",
    "category": "social",
    "level": "advanced",
    "kind": "award",
    "rule": {"type": "choice", "options": {"no_process": "0", "risk_based_action": "1"}},
    "option_labels": {
        "no_process": {"sv": "Ingen process", "en": "No process"},
        "risk_based_action": {"sv": "Riskbaserade åtgärder", "en": "Risk-based action"},
    },
}
PLAN = {
    "code": "QUAL-PLAN",
    "title": "Leveransplan",
    "title_en": "Delivery plan",
    "category": "quality",
    "level": "basic",
    "kind": "award",
    "rule": {"type": "manual", "scale_max": 5},
}
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
HALAL = {
    "code": "AW-STUNNING",
    "title": "Bedövning före slakt",
    "title_en": "Stunning before slaughter",
    "category": "animal_welfare",
    "level": "basic",
    "kind": "requirement",
    "rule": {"type": "boolean"},
}


@pytest.fixture
def opened(officer, second_officer, bidder, make_user, buyer, clock):
    tender = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "40",
            "price_scoring": "proportional",
        },
    )
    tcs = {
        d["code"]: attach_criterion(tender=tender, actor=officer, definition=d, weight=w)
        for d, w in ((CHOICE, Decimal(20)), (PLAN, Decimal(20)), (ORGANIC, Decimal(20)))
    }
    tcs["AW-STUNNING"] = attach_criterion(tender=tender, actor=officer, definition=HALAL)
    tender = publish_tender(tender=tender, actor=officer)
    answers = [
        {"tender_criterion": tcs["SOC-DUE-DILIGENCE"].pk, "value": "risk_based_action"},
        {
            "tender_criterion": tcs["QUAL-PLAN"].pk,
            "value": "Leverans tisdag och fredag.\nKyld bil.",
        },
        {"tender_criterion": tcs["ENV-ORGANIC"].pk, "value": "62.5"},
        {"tender_criterion": tcs["AW-STUNNING"].pk, "value": True},
    ]
    from procurement.services.bids import create_bid, submit_bid  # noqa: PLC0415

    bid = create_bid(
        actor=bidder, tender=tender, lot=None, price_amount=Decimal("812345.00"), responses=answers
    )
    for name, kind in (("prislista-812345.csv", "price_sheet"), ("iso14001.txt", "certificate")):
        upload_bid_document(
            bid=bid, actor=bidder, uploaded=SimpleUploadedFile(name, b"data\n"), kind=kind
        )
    submit_bid(bid=bid, actor=bidder)
    clock.move_to(tender.submission_deadline + dt.timedelta(minutes=1))
    tender = open_tender(tender=tender, actor=officer)
    tender = open_tender(tender=tender, actor=second_officer)
    evaluator = make_user("evaluator", buyer)
    declare_conflict(tender=tender, actor=evaluator, has_conflict=False, statement="Inga band")
    return tender, Bid.objects.get(pk=bid.pk), evaluator


def test_an_evaluator_reads_the_answers_in_words_and_opens_the_documents(opened, client):
    tender, bid, evaluator = opened
    evaluator_client = logged_in(evaluator)
    evaluator_client.cookies["django_language"] = "sv"
    response = evaluator_client.get(f"/admin/procurement/tender/{tender.pk}/bids/{bid.pk}/")
    page = text_of(response)
    assert "Riskbaserad granskning i leverantörskedjan" in page
    assert "Riskbaserade åtgärder" in page and "risk_based_action" not in page
    assert "62,5 %" in page
    assert "62,5\u00a0%" in response.content.decode()  # kept on one line
    assert "Leverans tisdag och fredag." in page and "Kyld bil." in page
    assert "Ja" in page
    assert "iso14001.txt" in page
    assert "prislista" not in page and "812" not in page  # blind to prices
    assert "dold för utvärderare" in page or "dolt för utvärderare" in page
    document = bid.documents.get(filename="iso14001.txt")
    download = evaluator_client.get(
        f"/admin/procurement/tender/{tender.pk}/bids/{bid.pk}/documents/{document.pk}/"
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"data\n"
    sheet = bid.documents.get(kind="price_sheet")
    assert (
        evaluator_client.get(
            f"/admin/procurement/tender/{tender.pk}/bids/{bid.pk}/documents/{sheet.pk}/"
        ).status_code
        == 404
    )
    scores = text_of(evaluator_client.get(f"/admin/procurement/tender/{tender.pk}/scores/"))
    assert "Leverans tisdag och fredag." in scores  # the answer beside the score field
    assert "iso14001.txt" in scores


def test_an_officer_sees_the_price_and_the_price_sheet(opened, officer):
    tender, bid, _ = opened
    page = text_of(logged_in(officer).get(f"/admin/procurement/tender/{tender.pk}/bids/{bid.pk}/"))
    assert "SEK 812,345.00" in page and "prislista-812345.csv" in page


def test_consensus_starts_from_agreeing_scores_and_shows_a_spread(
    opened, officer, make_user, buyer
):
    from scoring.services.scores import submit_scores  # noqa: PLC0415

    tender, bid, evaluator = opened
    second = make_user("evaluator", buyer)
    declare_conflict(tender=tender, actor=second, has_conflict=False, statement="Inga band")
    plan = tender.tender_criteria.get(code="QUAL-PLAN")
    for who, score in ((evaluator, 4), (second, 4)):
        submit_scores(
            tender=tender,
            actor=who,
            items=[{"bid": str(bid.pk), "tender_criterion": str(plan.pk), "score": str(score)}],
        )
    page = logged_in(officer).get(f"/admin/procurement/tender/{tender.pk}/consensus/")
    html = page.content.decode()
    assert f'name="score:{bid.pk}:{plan.pk}" value="4"' in html
    assert "The evaluators agree: 4." in html
    submit_scores(
        tender=tender,
        actor=second,
        items=[{"bid": str(bid.pk), "tender_criterion": str(plan.pk), "score": "1"}],
    )
    html = logged_in(officer).get(f"/admin/procurement/tender/{tender.pk}/consensus/").content
    text = html.decode()
    assert "The scores differ: 1 to 4." in text
    assert f'name="score:{bid.pk}:{plan.pk}" value=""' in text
