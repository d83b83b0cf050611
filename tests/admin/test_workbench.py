"""The tender page of the officer workbench, without a browser: who sees which buttons, what
each step does and refuses, and that bad input lands on the field it concerns with the API's
own message. The whole journey in a real browser is in tests/browser/test_workbench.py."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from criteria.models import TenderCriterion
from criteria.services import attach_criterion
from procurement.models import Tender, TenderDocument
from procurement.services.tenders import add_lot, publish_tender
from tests.admin.test_admin import change_url, logged_in, messages_of, tender_form
from tests.factories import CriterionFactory
from tests.scenarios import PDF, new_tender

THRESHOLDS = {"type": "thresholds", "steps": [{"at_least": "50", "fulfilment": "1"}]}


def text_of(response) -> str:
    """The page as a person reads it: no tags, no hidden parts, single spaces."""
    html = re.sub(r"<(\w+)[^>]*\shidden[\s>].*?</\1>", "", response.content.decode(), flags=re.S)
    text = re.sub(r"<(span|strong|a)\b[^>]*>|</(span|strong|a)>", "", html)  # inline
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&nbsp;", " ").split())


def step(tender, name):
    return reverse(f"admin:procurement_tender_{name}", args=[tender.pk])


@pytest.fixture
def weighted(officer):
    return new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "70",
            "price_scoring": "proportional",
        },
    )


def test_the_evaluation_settings_are_a_form_checked_with_the_api_messages(officer):
    client = logged_in(officer)
    response = client.post(
        reverse("admin:procurement_tender_add"),
        tender_form(method="weighted_points", price_weight="150", cpv_codes="15110000\n1511"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "the price weight is points out of 100, between 0 and 100" in errors["price_weight"][0]
    assert "'1511' is not a CPV code" in errors["cpv_codes"][0]
    assert not Tender.objects.filter(reference="ADM-FORM-1").exists()

    response = client.post(
        reverse("admin:procurement_tender_add"),
        tender_form(
            method="weighted_points",
            price_weight="65",
            price_scoring="absolute",
            price_ceiling="2000000",
            tie_break_0="lower_price",
            tie_break_1="lottery",
            cpv_codes="15110000\n03142500-9",
        ),
    )
    assert response.status_code == 302
    tender = Tender.objects.get(reference="ADM-FORM-1")
    assert tender.cpv_codes == ["15110000", "03142500-9"]
    assert tender.evaluation["price_weight"] == "65"
    assert tender.evaluation["price_ceiling"] == "2000000"
    assert tender.evaluation["tie_break"] == ["lower_price", "lottery"]


def test_the_tie_break_is_chosen_in_words_with_the_tenders_criteria(officer, weighted):
    attach_criterion(
        tender=weighted,
        actor=officer,
        criterion=CriterionFactory(organization=None, code="LIB-EGGS", kind="award", title="Ägg"),
        weight=Decimal(30),
    )
    weighted.refresh_from_db()
    client = logged_in(officer)
    client.cookies["django_language"] = "sv"
    page = client.get(change_url(weighted))
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page.content.decode())
    offered = dict(options)
    assert offered["lower_price"] == "Det lägre priset"
    assert offered["criterion:LIB-EGGS"] == "Högre poäng på Ägg"
    form = page.context["adminform"].form
    assert form["tie_break"].value() == ["lower_price", "earlier_submission"]

    chosen = {**tender_form(), "reference": weighted.reference, "title": weighted.title}
    chosen.update(
        method="weighted_points",
        price_weight="70",
        price_scoring="proportional",
        expected_version=str(weighted.version),
        tie_break_0="criterion:LIB-EGGS",
        tie_break_1="lower_price",
        tie_break_2="lower_price",
    )
    lot = weighted.lots.get()
    chosen |= {
        "lots-TOTAL_FORMS": "1",
        "lots-INITIAL_FORMS": "1",
        "lots-MIN_NUM_FORMS": "0",
        "lots-MAX_NUM_FORMS": "1000",
        "lots-0-id": str(lot.pk),
        "lots-0-tender": str(weighted.pk),
        "lots-0-title": lot.title,
    }
    refused = client.post(change_url(weighted), chosen)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["tie_break"]
    chosen["tie_break_2"] = "lottery"
    saved = client.post(change_url(weighted), chosen)
    assert saved.status_code == 302, saved.context["errors"]
    weighted.refresh_from_db()
    assert weighted.evaluation["tie_break"] == ["criterion:LIB-EGGS", "lower_price", "lottery"]


def test_a_refused_publish_is_a_message_on_the_page_and_changes_nothing(officer, weighted):
    client = logged_in(officer)
    page = client.get(change_url(weighted))
    assert "Weights: Price 70 = 70 ✗ does not add up to 100 (30 to go)" in text_of(page)
    response = client.post(step(weighted, "publish"), follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [
        "The tender cannot be published until these errors are fixed. "
        "The weights sum to 70, not 100."
    ]
    weighted.refresh_from_db()
    assert weighted.status == Tender.Status.DRAFT
    assert not AuditEvent.objects.filter(action="tender.published").exists()


def test_evaluators_and_auditors_read_the_page_without_buttons(make_user, buyer, officer):
    weighted = new_tender(
        officer,
        evaluation={
            "method": "weighted_points",
            "price_weight": "100",
            "price_scoring": "proportional",
        },
    )
    publish_tender(tender=weighted, actor=officer)
    evaluator = logged_in(make_user("evaluator", buyer, is_staff=True))
    assert evaluator.get(change_url(weighted)).status_code == 404  # sealed until the opening
    for role in ("auditor",):
        reader = logged_in(make_user(role, buyer, is_staff=True))
        page = reader.get(change_url(weighted))
        assert page.status_code == 200
        html = page.content.decode()
        assert step(weighted, "amend") not in html and step(weighted, "cancel") not in html
        assert "Weighted points (price and quality)" in html  # the settings, read-only
        assert reader.get(step(weighted, "publish")).status_code == 403
        assert reader.post(step(weighted, "cancel"), {"reason": "x"}).status_code == 403
    assert Tender.objects.get(pk=weighted.pk).status == Tender.Status.PUBLISHED


def test_another_organisations_tender_is_not_found(make_user, other_buyer, weighted):
    stranger = logged_in(make_user("officer", other_buyer, is_staff=True))
    for name in ("publish", "amend", "cancel", "open", "library", "own_criterion", "simulate"):
        assert stranger.get(step(weighted, name)).status_code == 404, name


def test_the_library_picker_filters_and_adds_with_a_weight(officer, weighted):
    CriterionFactory(organization=None, code="LIB-EGGS", category="animal_welfare", kind="award")
    CriterionFactory(organization=None, code="LIB-SOCIAL", category="social", kind="award")
    client = logged_in(officer)
    page = client.get(step(weighted, "library"), {"category": "animal_welfare"})
    codes = [row["criterion"].code for row in page.context["rows"]]
    assert "LIB-EGGS" in codes and "LIB-SOCIAL" not in codes
    chosen = page.context["rows"][codes.index("LIB-EGGS")]["criterion"]
    response = client.post(
        step(weighted, "library") + "?category=animal_welfare",
        {"criterion": str(chosen.pk), f"{chosen.pk}-weight": "30"},
    )
    assert response.status_code == 302
    tc = TenderCriterion.objects.get(tender=weighted, code="LIB-EGGS")
    assert (tc.weight, tc.criterion_id) == (30, chosen.pk)
    assert "Price 70 + Förnybart bränsle i leveranser 30 = 100 ✓ adds up to 100" in text_of(
        client.get(change_url(weighted))
    )


def test_an_own_criterion_form_shows_rule_errors_on_the_row(officer, weighted):
    client = logged_in(officer)
    base = {
        "code": "OWN-STEPS",
        "kind": "award",
        "category": "environmental",
        "level": "basic",
        "title": "Egna steg",
        "weight": "30",
        "direction": "at_least",
        "row_1_bound": "50",
        "row_1_fulfilment": "0.5",
        "row_2_bound": "40",
        "row_2_fulfilment": "1",
    }
    response = client.post(step(weighted, "own_criterion") + "?type=thresholds", base)
    assert response.status_code == 200
    form = response.context["form"]
    assert "steps must go up" in form.errors["row_2_bound"][0]
    assert not TenderCriterion.objects.filter(code="OWN-STEPS").exists()
    response = client.post(
        step(weighted, "own_criterion") + "?type=thresholds", {**base, "row_2_bound": "80"}
    )
    assert response.status_code == 302
    tc = TenderCriterion.objects.get(code="OWN-STEPS")
    assert tc.rule == {
        "type": "thresholds",
        "steps": [{"at_least": "50", "fulfilment": "0.5"}, {"at_least": "80", "fulfilment": "1"}],
    }


def test_amend_after_the_deadline_is_refused_with_the_reason(officer, time_machine):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    time_machine.move_to(tender.submission_deadline + dt.timedelta(minutes=1))
    response = logged_in(officer).post(
        step(tender, "amend"), {"reason": "Too late", "price_weight": "50"}
    )
    assert response.status_code == 200
    assert any("only before its submission deadline" in m for m in messages_of(response))


def test_cancel_needs_a_reason_and_is_audited(officer, weighted):
    client = logged_in(officer)
    response = client.post(step(weighted, "cancel"), {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(step(weighted, "cancel"), {"reason": "The need is gone."})
    assert response.status_code == 302
    weighted.refresh_from_db()
    assert (weighted.status, weighted.cancel_reason) == ("cancelled", "The need is gone.")
    assert AuditEvent.objects.filter(action="tender.cancelled", actor=officer).exists()


def test_documents_are_uploaded_from_the_tender_page_with_their_fingerprint(officer, weighted):
    client = logged_in(officer)
    response = client.post(
        step(weighted, "documents"),
        {"kind": "call", "file": SimpleUploadedFile("call.pdf", PDF, "application/pdf")},
        follow=True,
    )
    document = TenderDocument.objects.get(tender=weighted)
    assert any(document.sha256 in m for m in messages_of(response))
    assert document.sha256 in client.get(change_url(weighted)).content.decode()


def test_a_simulation_shows_the_ranking_and_touches_nothing_real(officer, weighted):
    tc = attach_criterion(
        tender=weighted,
        actor=officer,
        definition={
            "code": "SIM-STEPS",
            "kind": "award",
            "category": "environmental",
            "title": "Steg",
            "rule": THRESHOLDS,
        },
        weight=30,
    )
    response = logged_in(officer).post(
        step(weighted, "simulate"),
        {
            "bid_1_name": "Dyr men bra",
            "bid_1_price": "120000",
            f"bid_1_c_{tc.pk}": "60",
            "bid_2_name": "Billig",
            "bid_2_price": "100000",
            f"bid_2_c_{tc.pk}": "10",
        },
    )
    assert response.status_code == 200
    ranking = response.context["result"][0]["bids"]
    assert [(b["rank"], b["name"], b["score"]) for b in ranking] == [
        (1, "Dyr men bra", "88.3333"),
        (2, "Billig", "70.0000"),
    ]
    assert weighted.bids.count() == 0
    assert AuditEvent.objects.filter(action="simulation.run", tender_id=weighted.pk).count() == 1


def test_forged_posts_are_refused_with_a_message_not_a_server_error(officer, weighted):
    client = logged_in(officer)
    response = client.post(step(weighted, "library"), {"criterion": "not-an-id"})
    assert response.status_code == 200
    assert any("Choose a criterion" in m for m in messages_of(response))


def test_amending_a_life_cycle_cost_tender_changes_the_money_value_that_counts(officer):
    """The amount an award criterion carries is the engine's answer for the method: an LCC
    tender's criteria carry money values (the amend page asked for a weight the engine
    ignores, so nothing that counts changed)."""
    tender = new_tender(
        officer,
        evaluation={
            "method": "lowest_cost",
            "lifetime_years": 5,
            "discount_rate": "0.04",
            "co2_price_per_tonne": "1200",
        },
    )
    fuel = attach_criterion(
        tender=tender,
        actor=officer,
        definition={
            "code": "ENV-FUEL",
            "title": "Förnybart bränsle",
            "category": "environmental",
            "level": "advanced",
            "kind": "award",
            "rule": {"type": "linear", "worst": "0", "best": "100"},
        },
        value=Decimal("100000"),
    )
    tender = publish_tender(tender=tender, actor=officer)
    client = logged_in(officer)
    page = text_of(client.get(step(tender, "amend")))
    assert "Förnybart bränsle (ENV-FUEL): value (SEK)" in page
    assert "Now 100000." in page
    response = client.post(
        step(tender, "amend"), {"reason": "Högre vikt för miljön", f"criterion_{fuel.pk}": "250000"}
    )
    assert response.status_code == 302, messages_of(response)
    fuel.refresh_from_db()
    assert fuel.value == Decimal("250000") and fuel.weight is None


def _lot_formset(tender, *rows):
    data = {
        "lots-TOTAL_FORMS": str(len(rows)),
        "lots-INITIAL_FORMS": str(len(rows)),
        "lots-MIN_NUM_FORMS": "0",
        "lots-MAX_NUM_FORMS": "1000",
    }
    for index, (lot, delete) in enumerate(rows):
        data |= {
            f"lots-{index}-id": str(lot.pk),
            f"lots-{index}-tender": str(tender.pk),
            f"lots-{index}-title": lot.title,
        }
        if delete:
            data[f"lots-{index}-DELETE"] = "on"
    return data


def _change_post(tender, **overrides):
    tender.refresh_from_db()
    return {
        **tender_form(),
        "reference": tender.reference,
        "title": tender.title,
        "expected_version": str(tender.version),
        **overrides,
    }


def test_a_drafts_lot_is_removed_from_the_tender_page_but_never_the_last(officer):
    tender = new_tender(officer)
    first = tender.lots.get()
    eggs = add_lot(tender=tender, actor=officer, title="Ägg")
    client = logged_in(officer)
    response = client.post(
        change_url(tender),
        _change_post(tender) | _lot_formset(tender, (first, False), (eggs, True)),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(tender.lots.values_list("number", flat=True)) == [1]
    assert AuditEvent.objects.filter(action="lot.deleted", object_id=str(eggs.pk)).exists()

    refused = client.post(
        change_url(tender), _change_post(tender) | _lot_formset(tender, (first, True))
    )
    assert refused.status_code == 200
    assert "only lot" in " ".join(messages_of(refused))
    assert tender.lots.filter(pk=first.pk).exists()


def test_any_tender_is_copied_into_a_new_draft_with_a_deadline_typed_in_swedish(officer):
    tender = publish_tender(tender=new_tender(officer, reference="ADM-OLD"), actor=officer)
    client = logged_in(officer)
    client.cookies["django_language"] = "sv"
    page = client.get(change_url(tender))
    assert step(tender, "copy") in page.content.decode()
    form_page = text_of(client.get(step(tender, "copy")))
    assert "Lokal tid (Europe/Stockholm)" in form_page
    assert "Bids, documents" not in form_page  # Swedish, every word
    response = client.post(
        step(tender, "copy"),
        {
            "reference": "ADM-NEW",
            "title": "",
            "submission_deadline_0": "1 mars 2027",
            "submission_deadline_1": "12.00",
        },
    )
    copy = Tender.objects.get(reference="ADM-NEW")
    assert response.status_code == 302 and response["Location"] == change_url(copy)
    assert copy.status == "draft" and copy.title == tender.title
    assert copy.submission_deadline == dt.datetime(2027, 3, 1, 11, 0, tzinfo=dt.UTC)  # CET
    assert copy.evaluation == tender.evaluation

    taken = client.post(
        step(tender, "copy"),
        {
            "reference": "ADM-NEW",
            "submission_deadline_0": "2027-03-01",
            "submission_deadline_1": "12:00",
        },
    )
    assert taken.status_code == 200
    assert taken.context["form"].errors["reference"]
