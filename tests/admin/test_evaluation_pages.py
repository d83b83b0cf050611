"""The workbench after the opening, without a browser: declare, score (blind), consensus with
the spread flag, run the evaluation, read the ranking, the matrix and the chart, verify and
download the evidence package. The browser journey is in tests/browser/."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from criteria.services import attach_criterion
from procurement.models import Tender
from procurement.services.bids import create_bid, submit_bid
from procurement.services.tenders import publish_tender
from scoring.models import ConsensusScore, Evaluation, EvaluatorScore
from tests.admin.test_admin import change_url, logged_in, messages_of
from tests.scenarios import new_tender, open_bids

MANUAL = {
    "code": "QUAL-PLAN",
    "kind": "award",
    "category": "quality",
    "title": "Genomförandeplan",
    "title_en": "Implementation plan",
    "description": "Hur leveranserna startas.",
    "description_en": "How the deliveries start.",
    "rule": {"type": "manual", "scale_max": 5},
}


def step(tender, name):
    return reverse(f"admin:procurement_tender_{name}", args=[tender.pk])


def text_of(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def people(make_user, buyer, supplier, other_supplier):
    return {
        "officer": make_user("officer", buyer, username="olle"),
        "second": make_user("officer", buyer, username="greta"),
        "eva": make_user("evaluator", buyer, username="eva"),
        "erik": make_user("evaluator", buyer, username="erik"),
        "auditor": make_user("auditor", buyer, username="aud"),
        "charlie": make_user("bidder", supplier),
        "dana": make_user("bidder", other_supplier),
    }


@pytest.fixture
def opened(people, clock):
    officer = people["officer"]
    tender = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
        },
    )
    tc = attach_criterion(tender=tender, actor=officer, definition=MANUAL, weight=Decimal(30))
    tender = publish_tender(tender=tender, actor=officer)
    bids = {}
    for name, price in (("charlie", "800000.00"), ("dana", "1000000.00")):
        bid = create_bid(
            actor=people[name],
            tender=tender,
            lot=None,
            price_amount=Decimal(price),
            responses=[{"tender_criterion": tc.pk, "value": "Vi startar vecka 1."}],
        )
        bids[name] = submit_bid(bid=bid, actor=people[name])
    tender = open_bids(clock, tender, officer, people["second"])
    return tender, tc, bids


def score_form(tc, bids, scores, text="text"):
    form = {}
    for name, score in scores.items():
        key = f"{bids[name].pk}:{tc.pk}"
        form[f"score:{key}"] = score
        form[f"text:{key}"] = f"{text} {name}"
    return form


def test_an_evaluator_declares_first_then_scores_blind(people, opened):
    tender, tc, bids = opened
    eva = logged_in(people["eva"])
    page = eva.get(change_url(tender))
    assert "Declare conflicts of interest" in text_of(page)
    assert eva.get(step(tender, "scores")).status_code == 302  # to the declaration first
    response = eva.post(step(tender, "declare"), {"has_conflict": "no", "statement": "Inga band."})
    assert response.status_code == 302 and response["Location"].endswith("/scores/")

    sheet = eva.get(step(tender, "scores"))
    text = text_of(sheet)
    assert "Implementation plan" in text and "How the deliveries start." in text
    assert "800000" not in text and "1000000" not in text  # blind to prices
    response = eva.post(step(tender, "scores"), score_form(tc, bids, {"charlie": "7"}))
    assert response.status_code == 200
    assert any("Some scores are invalid." in m for m in messages_of(response))
    assert "between 0 and 5" in text_of(response)
    assert not EvaluatorScore.objects.exists()

    eva.post(step(tender, "scores"), score_form(tc, bids, {"charlie": "4"}))  # part of the sheet
    eva.post(step(tender, "scores"), score_form(tc, bids, {"charlie": "4.5", "dana": "2"}))
    versions = EvaluatorScore.objects.filter(bid=bids["charlie"]).values_list("score", "version")
    assert sorted(versions) == [(Decimal(4), 1), (Decimal("4.5"), 2)]
    # Erik scores too, and Eva does not see his scores.
    erik = logged_in(people["erik"])
    erik.post(step(tender, "declare"), {"has_conflict": "no", "statement": "Inga band."})
    erik.post(step(tender, "scores"), score_form(tc, bids, {"charlie": "1", "dana": "2"}, "Erik"))
    assert "Erik" not in text_of(eva.get(step(tender, "scores")))


def test_a_declared_conflict_keeps_the_evaluator_out(people, opened):
    tender, _tc, _bids = opened
    eva = logged_in(people["eva"])
    eva.post(step(tender, "declare"), {"has_conflict": "yes", "statement": "Min bror äger Dana."})
    assert eva.get(step(tender, "scores")).status_code == 302
    assert "Score the bids" not in text_of(eva.get(change_url(tender)))
    assert logged_in(people["officer"]).get(step(tender, "scores")).status_code == 403


def test_consensus_evaluation_result_verify_and_evidence(
    people, opened, django_capture_on_commit_callbacks
):
    tender, tc, bids = opened
    for name, scores in (
        ("eva", {"charlie": "5", "dana": "2"}),
        ("erik", {"charlie": "1", "dana": "2"}),
    ):
        client = logged_in(people[name])
        client.post(step(tender, "declare"), {"has_conflict": "no", "statement": "Inga band."})
        client.post(step(tender, "scores"), score_form(tc, bids, scores))
    officer = logged_in(people["officer"])
    page = text_of(officer.get(step(tender, "consensus")))
    assert "eva: 5" in page and "erik: 1" in page
    assert "⚑ The scores differ: 1 to 5. A spread of 80% of the scale" in page  # > 40 %

    # Running before consensus is refused with what is missing.
    refused = officer.post(step(tender, "evaluate"), follow=True)
    assert any("items are missing" in m for m in messages_of(refused))
    assert not Evaluation.objects.exists()

    no_reason = score_form(tc, bids, {"charlie": "4", "dana": "2"}, "")
    no_reason = {k: ("" if k.startswith("text:") else v) for k, v in no_reason.items()}
    response = officer.post(step(tender, "consensus"), no_reason)
    assert any("needs a justification" in m for m in messages_of(response))
    officer.post(
        step(tender, "consensus"), score_form(tc, bids, {"charlie": "4", "dana": "2"}, "Enig")
    )
    assert ConsensusScore.objects.filter(is_current=True).count() == 2
    agreed = score_form(tc, bids, {"charlie": "4", "dana": "2"}, "Enig")
    officer.post(step(tender, "consensus"), agreed)  # saved again unchanged: no new versions
    assert ConsensusScore.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):  # the queued task runs (eager)
        response = officer.post(step(tender, "evaluate"))
    evaluation = Evaluation.objects.get()
    assert response["Location"].endswith(f"/evaluations/{evaluation.pk}/")
    result = officer.get(response["Location"])
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DONE  # eager Celery in the suite
    text = text_of(result)
    # charlie: 70 (lowest price) + 4/5 x 30 = 94; dana: 70 x 0.8 = 56 + 2/5 x 30 = 12 -> 68
    assert re.search(r"1 Charlie Gård AB SEK.800,000\.00 94\.0000", text), text[:2000]
    assert re.search(r"2 Dana Livs AB SEK.1,000,000\.00 68\.0000", text)
    html = result.content.decode()
    assert html.count('class="wb-chart"') == 1 and 'role="img"' in html and "<desc" in html
    assert "Category profile" in text and "Quality" in text

    verified = officer.post(
        reverse("admin:procurement_tender_evaluation_verify", args=[tender.pk, evaluation.pk]),
        follow=True,
    )
    assert any(m.startswith("Verified:") for m in messages_of(verified))
    auditor = logged_in(people["auditor"])
    package = auditor.get(
        reverse("admin:procurement_tender_evaluation_evidence", args=[tender.pk, evaluation.pk])
    )
    assert package["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert any(name.endswith("result.json") for name in names), names
    assert AuditEvent.objects.filter(action="evaluation.verified").exists()
    # Evaluators do not see evaluations (as in the API), nor the case file.
    evidence = reverse(
        "admin:procurement_tender_evaluation_evidence", args=[tender.pk, evaluation.pk]
    )
    assert logged_in(people["eva"]).get(evidence).status_code == 404


def _evaluated(people, opened, django_capture_on_commit_callbacks):
    tender, tc, bids = opened
    officer = logged_in(people["officer"])
    eva = logged_in(people["eva"])
    eva.post(step(tender, "declare"), {"has_conflict": "no", "statement": "Inga band."})
    eva.post(step(tender, "scores"), score_form(tc, bids, {"charlie": "4", "dana": "2"}))
    officer.post(
        step(tender, "consensus"), score_form(tc, bids, {"charlie": "4", "dana": "2"}, "Ok")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(step(tender, "evaluate"))
    return tender, bids, officer, response["Location"]


def test_the_officer_awards_from_the_result_page(
    people, opened, django_capture_on_commit_callbacks
):
    tender, bids, officer, page = _evaluated(people, opened, django_capture_on_commit_callbacks)
    evaluation = Evaluation.objects.get()
    award = reverse("admin:procurement_tender_evaluation_award", args=[tender.pk, evaluation.pk])
    assert "Award the contract" in text_of(officer.get(page))
    lot = str(bids["dana"].lot_id)
    deviating = officer.post(
        award, {f"lot:{lot}": str(bids["dana"].pk), "justification": "Kort."}, follow=True
    )
    assert any("deviates from the evaluation's ranking" in m for m in messages_of(deviating))
    tender.refresh_from_db()
    assert tender.status == Tender.Status.EVALUATED
    done = officer.post(
        award, {f"lot:{lot}": str(bids["charlie"].pk), "justification": "Högst poäng."}, follow=True
    )
    assert any("is awarded; the standstill period ends" in m for m in messages_of(done))
    tender.refresh_from_db()
    assert tender.status == Tender.Status.AWARDED
    assert "Awarded to Charlie Gård AB" in text_of(officer.get(page))
    assert logged_in(people["eva"]).post(award, {}).status_code == 404  # not theirs to see


def test_an_unresolved_tie_is_drawn_by_lot_with_a_witness(
    people, clock, django_capture_on_commit_callbacks
):
    officer = people["officer"]
    tender = new_tender(officer, evaluation={"method": "lowest_price", "tie_break": ["lottery"]})
    tender = publish_tender(tender=tender, actor=officer)
    for name in ("charlie", "dana"):
        bid = create_bid(
            actor=people[name], tender=tender, lot=None, price_amount=Decimal("500000.00")
        )
        submit_bid(bid=bid, actor=people[name])
    tender = open_bids(clock, tender, officer, people["second"])
    client = logged_in(officer)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(step(tender, "evaluate"))["Location"]
    text = text_of(client.get(page))
    assert "Unresolved ties" in text and "Award the contract" not in text
    first = Evaluation.objects.get()
    lottery = reverse("admin:procurement_tender_evaluation_lottery", args=[tender.pk, first.pk])
    forged = client.post(lottery, {"witness": "not-an-id"}, follow=True)
    assert any("Choose the witness." in m for m in messages_of(forged))
    refused = client.post(lottery, {"witness": str(officer.pk)}, follow=True)
    assert any("witness" in m.lower() for m in messages_of(refused))
    with django_capture_on_commit_callbacks(execute=True):
        drawn = client.post(lottery, {"witness": str(people["second"].pk)})
    rerun = Evaluation.objects.exclude(pk=first.pk).get()
    assert drawn["Location"].endswith(f"/evaluations/{rerun.pk}/")
    text = text_of(client.get(drawn["Location"]))
    assert "Unresolved ties" not in text and "Award the contract" in text
    assert AuditEvent.objects.filter(action__startswith="lottery").exists()


def test_forged_score_fields_are_refused_not_a_server_error(people, opened):
    tender, _tc, _bids = opened
    eva = logged_in(people["eva"])
    eva.post(step(tender, "declare"), {"has_conflict": "no", "statement": "Inga band."})
    response = eva.post(step(tender, "scores"), {"score:garbage": "3", "score:x:y": "2"})
    assert response.status_code == 200
    assert any("Some scores are invalid." in m for m in messages_of(response))
    assert not EvaluatorScore.objects.exists()
