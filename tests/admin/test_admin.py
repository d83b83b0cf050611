"""The admin obeys the API's rules: organisation scope, the seal on bids, writes through
services (audited), and audit events as each object's history."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent, ChainHead
from criteria.models import Criterion, TenderAmendment, TenderCriterion
from criteria.services import attach_criterion
from procurement.models import Bid, BidDocument, BidResponse, Organization, Tender, TenderDocument
from procurement.services.bids import create_bid, submit_bid
from procurement.services.documents import upload_bid_document, upload_tender_document
from procurement.services.tenders import publish_tender
from tests.factories import CriterionFactory, UserFactory
from tests.scenarios import PDF, new_tender, open_bids

DOMAIN_APPS = ("procurement", "criteria", "audit")


def url(obj_or_model, view="changelist", *args):
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj):
    return url(obj, "change", obj.pk)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(officer, second_officer, bidder, clock):
    """One object of every registered model: an opened tender with documents, a criterion,
    a bid with a response and a document, an amendment, and their audit events."""
    library = CriterionFactory(
        organization=officer.organization,
        kind="requirement",
        rule={"type": "boolean"},
        code="REQ-ADMIN-1",
    )
    tender = new_tender(officer)
    upload_tender_document(
        tender=tender,
        actor=officer,
        uploaded=SimpleUploadedFile("call.pdf", PDF, content_type="application/pdf"),
        kind="call",
    )
    tc = attach_criterion(tender=tender, actor=officer, criterion=library)
    tender = publish_tender(tender=tender, actor=officer)
    bid = create_bid(
        actor=bidder,
        tender=tender,
        lot=None,
        price_amount=Decimal("900000.00"),
        responses=[{"tender_criterion": tc.pk, "value": True}],
    )
    upload_bid_document(
        bid=bid,
        actor=bidder,
        uploaded=SimpleUploadedFile("cert.pdf", PDF, content_type="application/pdf"),
        kind="certificate",
    )
    submit_bid(bid=bid, actor=bidder)
    tender = open_bids(clock, tender, officer, second_officer)
    TenderAmendment.objects.create(
        tender=tender,
        number=1,
        reason="Clarified the delivery address.",
        changes={},
        configuration_before={},
        configuration_after={},
        configuration_sha256="0" * 64,
    )
    return {
        Organization: officer.organization,
        type(officer): officer,
        Tender: tender,
        TenderDocument: TenderDocument.objects.get(tender=tender),
        Bid: bid,
        BidDocument: BidDocument.objects.get(bid=bid),
        Criterion: library,
        TenderCriterion: tc,
        TenderAmendment: TenderAmendment.objects.get(tender=tender),
        AuditEvent: AuditEvent.objects.filter(organization_id=officer.organization_id).first(),
        ChainHead: ChainHead.objects.get(chain=str(officer.organization_id)),
    }


# --- registration and smoke ------------------------------------------------------------------


def test_every_model_of_the_domain_apps_is_registered():
    models = {m for label in DOMAIN_APPS for m in apps.get_app_config(label).get_models()}
    # Lots and bid responses are edited and shown inline on their tender and bid; the shared
    # counters (failed logins, denials) are the server's bookkeeping, not anybody's data.
    inline_only = {
        apps.get_model("procurement", "Lot"),
        BidResponse,
        apps.get_model("procurement", "SharedCounter"),
    }
    assert models - inline_only <= set(admin.site._registry), models - set(admin.site._registry)


def test_superuser_loads_every_changelist_and_change_page(world, superuser):
    client = logged_in(superuser)
    sealed_for_operator = {Bid, BidDocument}
    for model, obj in world.items():
        assert client.get(url(model)).status_code == 200, model
        expected = 404 if model in sealed_for_operator else 200
        assert client.get(change_url(obj), follow=True).status_code == expected, model


def test_superuser_who_is_an_officer_loads_bid_pages_after_opening(world, buyer):
    operator_officer = UserFactory(
        organization=buyer, role="officer", is_superuser=True, is_staff=True
    )
    client = logged_in(operator_officer)
    for model, obj in world.items():
        assert client.get(url(model)).status_code == 200, model
        assert client.get(change_url(obj), follow=True).status_code == 200, model
        assert client.get(url(obj, "history", obj.pk), follow=True).status_code == 200, model
    page = client.get(change_url(world[Bid]), follow=True).content.decode()
    assert "900,000.00" in page  # the page's language writes it (English here)
    history = client.get(url(Bid, "history", world[Bid].pk))
    assert {e.action for e in history.context["events"]} >= {"bid.created", "bid.submitted"}


# --- organisation scope ----------------------------------------------------------------------


def test_officer_sees_their_regions_tenders_and_not_another_regions(officer, other_officer):
    own = new_tender(officer)
    foreign = new_tender(other_officer)
    client = logged_in(officer)
    assert listed(client.get(url(Tender))) == [own]
    assert client.get(change_url(own)).status_code == 200
    assert client.get(change_url(foreign)).status_code == 404
    assert client.get(url(foreign, "history", foreign.pk)).status_code == 404
    orgs = listed(client.get(url(Organization)))
    assert orgs == [officer.organization]


def test_admin_access_follows_from_a_buyer_side_membership(make_user, buyer, supplier):
    for role in ("admin", "officer", "evaluator", "auditor"):
        member = make_user(role, buyer)  # no is_staff flag needed
        assert logged_in(member).get(url(Tender)).status_code == 200, role
    for outsider in (
        make_user("bidder", supplier, is_staff=True),  # a staff flag alone does not let in
        make_user("officer", buyer, is_active=False),
    ):
        response = logged_in(outsider).get(url(Tender))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_the_login_page_lets_members_in_and_tells_bidders_to_use_the_api(
    make_user, buyer, supplier
):
    member = make_user("officer", buyer, username="ulla")
    member.set_password("Ett-långt-lösen-2026")
    member.save()
    bidder = make_user("bidder", supplier, username="bo", is_staff=True)
    bidder.set_password("Ett-långt-lösen-2026")
    bidder.save()
    login = reverse("admin:login")
    ok = Client().post(login, {"username": "ulla", "password": "Ett-långt-lösen-2026"})
    assert ok.status_code == 302
    refused = Client().post(login, {"username": "bo", "password": "Ett-långt-lösen-2026"})
    assert refused.status_code == 200
    assert "Suppliers use the API" in refused.content.decode()


# --- the seal --------------------------------------------------------------------------------


def test_bids_are_invisible_to_officers_and_superusers_until_opening(
    submitted, officer, second_officer, superuser, clock
):
    tender, bid = submitted
    for user in (officer, superuser):
        client = logged_in(user)
        assert listed(client.get(url(Bid))) == []
        assert listed(client.get(url(BidDocument))) == []
        assert client.get(change_url(bid)).status_code == 404
        bid_page = f"/admin/procurement/tender/{tender.pk}/bids/{bid.pk}/"
        assert client.get(bid_page).status_code == 404

    open_bids(clock, tender, officer, second_officer)

    client = logged_in(officer)  # after the clock moved: a fresh session
    assert listed(client.get(url(Bid))) == [bid]
    assert client.get(change_url(bid), follow=True).status_code == 200
    # The platform operator belongs to no organisation: bids_for gives it nothing, by law.
    assert listed(logged_in(superuser).get(url(Bid))) == []


def test_operators_audit_list_hides_what_suppliers_did_about_tenders(
    submitted, officer, second_officer, superuser, clock
):
    """Bids are secret to all but the buyer's staff (OSL 19:3), the operator included, before
    and after the opening: the operator's list leaves the suppliers' bid events out (its
    exports give them as redacted rows, so that the chains still verify)."""
    tender, _ = submitted
    actions = {e.action for e in listed(logged_in(superuser).get(url(AuditEvent)))}
    assert "tender.published" in actions
    assert not {"bid.created", "bid.submitted"} & actions
    open_bids(clock, tender, officer, second_officer)
    actions = {e.action for e in listed(logged_in(superuser).get(url(AuditEvent)))}
    assert "tender.opened" in actions
    assert not {"bid.created", "bid.submitted"} & actions


# --- writes through services -----------------------------------------------------------------


def run_action(client, model, action, *objs, **extra):
    return client.post(
        url(model),
        {"action": action, "_selected_action": [str(o.pk) for o in objs], "index": "0", **extra},
    )


def test_publish_action_calls_the_service_and_is_audited(officer):
    tender = new_tender(officer)
    response = run_action(logged_in(officer), Tender, "publish", tender)
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == Tender.Status.PUBLISHED
    event = AuditEvent.objects.get(action="tender.published", object_id=str(tender.pk))
    assert event.actor == officer
    assert event.request_id  # recorded within the admin request


def test_a_refused_action_is_a_message_not_a_server_error(officer):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    response = run_action(logged_in(officer), Tender, "publish", tender)
    assert response.status_code == 302
    assert any("only a draft can be published" in m for m in messages_of(response))
    assert AuditEvent.objects.filter(action="tender.published").count() == 1


def test_opening_in_the_admin_needs_two_officers_after_the_deadline(
    submitted, officer, second_officer, clock
):
    tender, _ = submitted
    early = run_action(logged_in(officer), Tender, "open_bids", tender)
    assert any("before the submission deadline" in m for m in messages_of(early))
    clock.move_to(tender.submission_deadline + dt.timedelta(seconds=1))
    run_action(logged_in(officer), Tender, "open_bids", tender)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENING
    run_action(logged_in(second_officer), Tender, "open_bids", tender)
    tender.refresh_from_db()
    assert tender.status == Tender.Status.OPENED
    assert tender.opening_protocol["bid_count"] == 1


def test_cancelling_asks_for_a_reason_first(officer):
    tender = new_tender(officer)
    client = logged_in(officer)
    asked = run_action(client, Tender, "cancel", tender)
    assert asked.status_code == 200
    assert b"cancel_reason" in asked.content
    tender.refresh_from_db()
    assert tender.status == Tender.Status.DRAFT
    run_action(client, Tender, "cancel", tender, cancel_reason="The need disappeared.")
    tender.refresh_from_db()
    assert tender.status == Tender.Status.CANCELLED
    assert tender.cancel_reason == "The need disappeared."
    assert AuditEvent.objects.filter(action="tender.cancelled", object_id=str(tender.pk)).exists()


def tender_form(**overrides):
    deadline = (timezone.now() + dt.timedelta(days=45)).replace(microsecond=0)
    return {
        "reference": "ADM-FORM-1",
        "title": "Skolmat",
        "description": "",
        "procedure": "open",
        "cpv_codes": "15110000",
        "currency": "SEK",
        "estimated_value": "1000000.00",
        "submission_deadline_0": deadline.date().isoformat(),
        "submission_deadline_1": deadline.time().isoformat(),
        "method": "lowest_price",
        "aggregation": "consensus",
        "spread_threshold": "0.4",
        "tie_break_0": "lower_price",
        "tie_break_1": "earlier_submission",
        "no_lots_reason": "One kitchen.",
        **overrides,
    }


def test_adding_and_changing_a_tender_go_through_the_services(officer):
    client = logged_in(officer)
    response = client.post(url(Tender, "add"), tender_form())
    assert response.status_code == 302, response.context and response.context["errors"]
    tender = Tender.objects.get(reference="ADM-FORM-1")
    assert tender.organization == officer.organization
    assert tender.lots.count() == 1  # create_tender adds lot 1
    assert AuditEvent.objects.filter(action="tender.created", object_id=str(tender.pk)).exists()

    lot = tender.lots.get()
    change = tender_form(title="Skolmat och förskolemat", expected_version=str(tender.version))
    change |= {
        "lots-TOTAL_FORMS": "2",
        "lots-INITIAL_FORMS": "1",
        "lots-MIN_NUM_FORMS": "0",
        "lots-MAX_NUM_FORMS": "1000",
        "lots-0-id": str(lot.pk),
        "lots-0-tender": str(tender.pk),
        "lots-0-title": lot.title,
        "lots-1-tender": str(tender.pk),
        "lots-1-title": "Förskolor",
        "lots-1-estimated_value": "200000.00",
    }
    response = client.post(change_url(tender), change)
    assert response.status_code == 302, response.context and response.context["errors"]
    tender.refresh_from_db()
    assert tender.title == "Skolmat och förskolemat"
    assert sorted(tender.lots.values_list("number", flat=True)) == [1, 2]
    actions = set(AuditEvent.objects.filter(tender_id=tender.pk).values_list("action", flat=True))
    assert {"tender.created", "tender.updated", "lot.created"} <= actions


def test_a_domain_error_on_save_shows_the_form_again_with_the_error(officer):
    new_tender(officer, reference="ADM-FORM-1")
    response = logged_in(officer).post(url(Tender, "add"), tender_form())
    assert response.status_code == 200
    assert "already has a tender with this reference" in " ".join(messages_of(response))
    assert "reference" in response.context["adminform"].form.errors
    assert Tender.objects.filter(reference="ADM-FORM-1").count() == 1


def test_a_stale_version_is_refused(officer):
    tender = new_tender(officer)
    form = tender_form(reference=tender.reference, expected_version=str(tender.version - 1))
    form |= {"lots-TOTAL_FORMS": "0", "lots-INITIAL_FORMS": "0"}
    response = logged_in(officer).post(change_url(tender), form)
    assert response.status_code == 200
    assert any("changed by someone else" in m for m in messages_of(response))


def test_a_published_tender_is_read_only_and_nothing_of_legal_weight_is_deleted(officer):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    client = logged_in(officer)
    assert (
        client.post(change_url(tender), tender_form(reference=tender.reference)).status_code == 403
    )
    assert client.get(url(tender, "delete", tender.pk)).status_code == 403


def test_only_the_platform_operator_adds_organisations_and_it_is_audited(superuser, officer):
    form = {
        "name": "Region Cecilia",
        "kind": "buyer",
        "country": "SE",
        "non_profit": "",
        "currency": "SEK",
    }
    assert logged_in(officer).post(url(Organization, "add"), form).status_code == 403
    response = logged_in(superuser).post(url(Organization, "add"), form)
    assert response.status_code == 302
    org = Organization.objects.get(name="Region Cecilia")
    assert AuditEvent.objects.filter(action="organization.created", object_id=str(org.pk)).exists()


# --- history and the audit trail -------------------------------------------------------------


def test_history_page_of_a_tender_shows_its_audit_events_newest_first(officer):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    response = logged_in(officer).get(url(tender, "history", tender.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("tender published") < page.index("tender created")  # in words
    assert officer.username in page
    assert [e.action for e in response.context["events"]] == ["tender.published", "tender.created"]


def test_audit_events_cannot_be_added_changed_or_deleted(officer, superuser):
    new_tender(officer)
    event = AuditEvent.objects.get(action="tender.created")
    for user in (officer, superuser):
        client = logged_in(user)
        assert client.get(change_url(event)).status_code == 200
        assert client.post(change_url(event), {"action": "forged"}).status_code == 403
        assert client.get(url(event, "delete", event.pk)).status_code == 403
        assert client.post(url(event, "delete", event.pk), {"post": "yes"}).status_code == 403
        assert client.get(url(AuditEvent, "add")).status_code == 403
    event.refresh_from_db()
    assert event.action == "tender.created"


def test_audit_list_is_scoped_to_the_members_organisation(officer, other_officer, bidder):
    new_tender(officer)
    new_tender(other_officer)
    events = listed(logged_in(officer).get(url(AuditEvent)))
    assert events and {e.organization_id for e in events} == {officer.organization_id}
    bidder.is_staff = True
    bidder.save()
    assert logged_in(bidder).get(url(AuditEvent)).status_code == 302  # to the login page


# --- members and the criteria library --------------------------------------------------------


def test_an_organisations_admin_adds_a_member_through_the_service(make_user, buyer, other_buyer):
    org_admin = make_user("admin", buyer, is_staff=True)
    form = {
        "username": "erik",
        "email": "erik@example.org",
        "organization": str(buyer.pk),
        "role": "evaluator",
        "password1": "Correct-Horse-Battery-9",
        "password2": "Correct-Horse-Battery-9",
    }
    client = logged_in(org_admin)
    response = client.post(url(type(org_admin), "add"), form)
    assert response.status_code == 302
    erik = type(org_admin).objects.get(username="erik")
    assert (erik.organization, erik.role, erik.is_staff) == (buyer, "evaluator", False)
    assert AuditEvent.objects.filter(action="member.added", object_id=str(erik.pk)).exists()
    # Another organisation is not a choice, and a member cannot be changed here.
    response = client.post(
        url(erik, "add"), form | {"username": "x", "organization": str(other_buyer.pk)}
    )
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert client.post(change_url(erik), {"role": "admin"}).status_code == 403


def test_officer_adds_a_library_criterion_and_sees_its_history(officer):
    form = {
        "code": "ENV-ADMIN-1",
        "category": "environmental",
        "level": "basic",
        "kind": "award",
        "title": "Förnybart bränsle",
        "rule": '{"type": "linear", "worst": "0", "best": "100"}',
        "source": "bid",
        "ocds": "null",
    }
    client = logged_in(officer)
    response = client.post(url(Criterion, "add"), form)
    assert response.status_code == 302, response.context and response.context["errors"]
    criterion = Criterion.objects.get(code="ENV-ADMIN-1")
    assert criterion.organization == officer.organization
    history = client.get(url(criterion, "history", criterion.pk))
    assert [e.action for e in history.context["events"]] == ["criterion.created"]


def test_the_admin_login_has_the_same_limits_on_failed_logins_as_the_api(
    make_user, buyer, settings, clock
):
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 2
    clock.move_to(timezone.now())
    member = make_user("officer", buyer, username="tove")
    member.set_password("Ett-långt-lösen-2026")
    member.save()
    login = reverse("admin:login")

    def attempt(password):
        return Client().post(login, {"username": "tove", "password": password})

    assert [attempt(f"guess-{i}").status_code for i in range(2)] == [200, 200]
    blocked = attempt("Ett-långt-lösen-2026")  # even the right password waits now
    assert blocked.status_code == 200 and "Too many failed logins" in blocked.content.decode()
    clock.shift(2)
    assert attempt("Ett-långt-lösen-2026").status_code == 302
    assert AuditEvent.objects.filter(action="auth.login_failed").exists()


def test_auditors_check_the_chain_and_export_the_list_as_filtered(make_user, buyer, officer):
    auditor = logged_in(make_user("auditor", buyer))
    new_tender(officer)
    new_tender(officer)
    listing = auditor.get(url(AuditEvent))
    html = listing.content.decode()
    assert "Check the chain" in html and "Export XLSX" in html
    checked = auditor.post(reverse("admin:audit_auditevent_verify"), follow=True)
    assert any(m.startswith("The chain is intact") for m in messages_of(checked))

    export = reverse("admin:audit_auditevent_export")
    csv_body = b"".join(
        auditor.get(export, {"format": "csv", "action__exact": "tender.created"}).streaming_content
    ).decode()
    lines = [line for line in csv_body.splitlines()[1:] if line]
    assert len(lines) == 2 and all("tender.created" in line for line in lines)
    workbook = auditor.get(export, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    assert sheet.max_row > 2
    assert AuditEvent.objects.filter(action="audit.exported").count() == 2
    # Officers may check the chain but not take the trail away; evaluators neither.
    assert logged_in(officer).get(export, {"format": "csv"}).status_code == 403
    evaluator = logged_in(make_user("evaluator", buyer))
    assert evaluator.post(reverse("admin:audit_auditevent_verify")).status_code == 403


@pytest.mark.parametrize("role", ["officer", "evaluator", "auditor", "admin"])
def test_each_buyer_role_lands_on_the_admin_index(make_user, buyer, role):
    """Where the login page sends a member who asked for nothing else (the browser journeys
    log in straight to the page they need)."""
    member = make_user(role, buyer, is_staff=True)
    response = logged_in(member).get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"], role


def test_the_audit_list_reads_in_words_and_finds_a_tenders_events_by_reference(
    make_user, buyer, officer
):
    auditor = logged_in(make_user("auditor", buyer))
    auditor.cookies["django_language"] = "sv"
    first = new_tender(officer, reference="NLL-2027-0001")
    new_tender(officer, reference="NLL-2027-0002")
    listing = auditor.get(url(AuditEvent), {"q": "NLL-2027-0001"})
    rows = listing.context["cl"].result_list
    assert {e.tender_id for e in rows} == {first.pk}
    text = " ".join(re.sub(r"<[^>]+>", " ", listing.content.decode()).split())
    assert "upphandling skapad" in text and "tender.created" not in text
    assert "Filtrera efter" in text and "Filter by" not in text
    # The filter "what happened" in words, and the export takes the list as filtered.
    filtered = auditor.get(url(AuditEvent), {"action": "tender.created"})
    assert {e.action for e in filtered.context["cl"].result_list} == {"tender.created"}
    export = reverse("admin:audit_auditevent_export")
    body = b"".join(
        auditor.get(export, {"format": "csv", "q": "NLL-2027-0001"}).streaming_content
    ).decode("utf-8-sig")
    assert body.splitlines()[0].count(";") > 3  # Swedish Excel's separator
    assert all(str(first.pk) in line for line in body.splitlines()[1:] if line)
