"""The conventions an integrator trips on (issue #26): the trailing slash, Idempotency-Key,
Location on every create, and the headers of long work."""

import base64
import datetime as dt
import hashlib
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from api.idempotency import purge_expired_keys
from api.models import IdempotencyKey
from api.tasks import purge_expired_idempotency_keys_task
from api.views.bids import BidViewSet
from procurement.models import Bid, Tender
from tests.api.helpers import (
    TENDER,
    bid,
    create_tender,
    iso,
    openapi_document,
    publish,
    submit,
)

# --- the trailing slash ----------------------------------------------------------------------


def _tender_body():
    return {**TENDER, "submission_deadline": iso(timezone.now() + dt.timedelta(days=40))}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_without_the_trailing_slash_is_redirected_keeping_its_method(api, method):
    officer, _user = api("officer")
    response = getattr(officer, method)("/api/v1/tenders?lang=sv", _tender_body(), format="json")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/tenders/?lang=sv"
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert body["code"] == "trailing_slash"
    assert "/api/v1/tenders/?lang=sv" in body["detail"]
    assert not Tender.objects.exists()


def test_a_client_that_follows_the_redirect_creates_the_tender(api):
    officer, _user = api("officer")
    response = officer.post("/api/v1/tenders", _tender_body(), format="json", follow=True)
    assert response.status_code == 201, response.json()
    assert response.redirect_chain == [("/api/v1/tenders/", 308)]
    assert Tender.objects.count() == 1


def test_a_read_without_the_trailing_slash_is_still_a_permanent_redirect(api):
    officer, _user = api("officer")
    response = officer.get("/api/v1/tenders")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/tenders/"


def test_an_unknown_address_without_a_slash_stays_a_404(api):
    officer, _user = api("officer")
    response = officer.post("/api/v1/nothing-here", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_write_with_debug_on_is_redirected_too(api, settings):
    settings.DEBUG = True
    officer, _user = api("officer")
    assert officer.post("/api/v1/tenders", {}, format="json").status_code == 308


def test_an_existing_tender_is_patched_through_the_redirect(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    response = officer.patch(
        f"/api/v1/tenders/{tender['id']}", {"title": "Ny titel"}, format="json", follow=True
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Ny titel"


# --- Idempotency-Key -------------------------------------------------------------------------


@pytest.fixture
def published(api):
    officer, _user = api("officer")
    tender = create_tender(officer, days=31)
    publish(officer, tender["id"])
    return tender


def _bid_body(tender, amount="1000000.00"):
    return {"tender": tender["id"], "price": {"amount": amount, "currency": "SEK"}}


def test_two_identical_posts_with_one_key_create_one_draft(api, published):
    bidder, _user = api("bidder")
    key = str(uuid.uuid4())
    first = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == again.status_code == 201
    assert Bid.objects.count() == 1
    assert again.json() == first.json()
    assert again["Location"] == first["Location"] == f"/api/v1/bids/{first.json()['id']}/"
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert again["Content-Type"] == "application/json"


def test_without_a_key_two_posts_create_two_drafts(api, published):
    bidder, _user = api("bidder")
    bidder.post("/api/v1/bids/", _bid_body(published), format="json")
    bidder.post("/api/v1/bids/", _bid_body(published), format="json")
    assert Bid.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_body_is_a_422(api, published):
    bidder, _user = api("bidder")
    key = "bid-2026-0001"
    bidder.post("/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = bidder.post(
        "/api/v1/bids/", _bid_body(published, "2.00"), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"
    assert Bid.objects.count() == 1


def test_the_same_key_on_another_path_is_a_422_naming_the_first(api, published):
    officer, _user = api("officer")
    key = "k-1"
    create = officer.post(
        "/api/v1/tenders/",
        {**_tender_body(), "reference": "RK-2026-0043"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert create.status_code == 201, create.json()
    other = officer.post(
        f"/api/v1/tenders/{published['id']}/cancel/",
        {"reason": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 422
    assert "/api/v1/tenders/" in other.json()["detail"]


def test_a_key_in_flight_is_a_409(api, published):
    bidder, _user = api("bidder")
    first = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="a"
    )
    row = IdempotencyKey.objects.get(key="a")
    # As if the first request were still running: claimed, no answer yet.
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status=None, locked_until=timezone.now() + dt.timedelta(minutes=1)
    )
    again = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="a"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "idempotency_key_in_flight"
    assert again["Retry-After"] == "1"
    assert first.status_code == 201 and Bid.objects.count() == 1


def test_keys_belong_to_the_token(api, published, client_for):
    bidder, user = api("bidder")
    other_token = client_for(user)
    bidder.post("/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="same")
    other_token.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert Bid.objects.count() == 2


def test_a_refusal_is_replayed_and_a_fixed_request_needs_a_new_key(api, published):
    bidder, _user = api("bidder")
    bad = {"tender": published["id"], "price": {"amount": 1.5, "currency": "SEK"}}
    first = bidder.post("/api/v1/bids/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = bidder.post("/api/v1/bids/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"
    assert again["Idempotent-Replayed"] == "true"


def test_an_unauthenticated_post_keeps_no_key(published):
    response = APIClient().post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "nyckel-å"])
def test_an_invalid_key_is_a_400(api, published, key):
    bidder, _user = api("bidder")
    response = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Bid.objects.exists()


def test_a_quoted_key_is_the_same_key(api, published):
    bidder, _user = api("bidder")
    bidder.post("/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY='"abc"'
    )
    assert again["Idempotent-Replayed"] == "true"
    assert Bid.objects.count() == 1


def test_a_replay_keeps_the_first_answers_language(api, published):
    bidder, _user = api("bidder")
    bad = {"tender": published["id"], "price": {"amount": 1.5, "currency": "SEK"}}
    first = bidder.post("/api/v1/bids/?lang=sv", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = bidder.post("/api/v1/bids/?lang=en", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.json() == first.json()
    assert again["Content-Language"] == "sv"


def test_a_multipart_upload_is_recognised_whatever_its_boundary(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/documents/"

    def upload(boundary):
        body = (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="kind"\r\n\r\nother\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="plan.txt"\r\n'
            "Content-Type: text/plain\r\n\r\nEn plan.\r\n"
            f"--{boundary}--\r\n"
        ).encode()
        return officer.generic(
            "POST",
            url,
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first = upload("a" * 30)
    again = upload("b" * 24)
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(officer.get(url).json()["results"]) == 1


def test_a_server_error_frees_the_key(api, published, monkeypatch):
    bidder, _user = api("bidder")

    def boom(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(BidViewSet, "create", boom)
    bidder.raise_request_exception = False
    response = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 500
    assert not IdempotencyKey.objects.exists()


def test_expired_keys_are_purged_and_can_be_used_again(api, published, clock):
    bidder, _user = api("bidder")
    bidder.post("/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="k")
    clock.move_to(timezone.now() + dt.timedelta(hours=25))
    again = bidder.post(
        "/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert Bid.objects.count() == 2
    clock.move_to(timezone.now() + dt.timedelta(hours=25))
    assert purge_expired_keys() == 1
    assert not IdempotencyKey.objects.exists()


def test_the_purge_runs_hourly(settings, api, published, clock):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "api.tasks.purge_expired_idempotency_keys_task" in tasks
    bidder, _user = api("bidder")
    bidder.post("/api/v1/bids/", _bid_body(published), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert purge_expired_idempotency_keys_task.delay().get() == 0
    clock.move_to(timezone.now() + dt.timedelta(hours=24, seconds=1))
    assert purge_expired_idempotency_keys_task.delay().get() == 1


# --- every created object can be read --------------------------------------------------------


def _read_back(client, response):
    """The Location of a 201, and that a GET there gives the object created."""
    assert response.status_code == 201, response.json()
    location = response["Location"]
    read = client.get(location)
    assert read.status_code == 200, (location, read.json())
    assert read.json()["id"] == response.json()["id"]
    return location


def test_a_new_lot_says_where_it_lives(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/lots/", {"title": "Ägg"}, format="json"
    )
    location = _read_back(officer, response)
    assert location == f"/api/v1/tenders/{tender['id']}/lots/{response.json()['id']}/"


def test_a_tender_documents_metadata_can_be_read_where_its_upload_said(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/documents/",
        {"file": SimpleUploadedFile("plan.txt", b"En plan."), "kind": "other"},
        format="multipart",
    )
    location = _read_back(officer, response)
    assert location == f"/api/v1/tenders/{tender['id']}/documents/{response.json()['id']}/"
    assert officer.get(location).json()["sha256"] == response.json()["sha256"]


def test_a_bid_documents_metadata_can_be_read_where_its_upload_said(api, published):
    bidder, _user = api("bidder")
    draft = bid(bidder, published["id"])
    response = bidder.post(
        f"/api/v1/bids/{draft['id']}/documents/",
        {"file": SimpleUploadedFile("cert.txt", b"Certifikat"), "kind": "certificate"},
        format="multipart",
    )
    location = _read_back(bidder, response)
    assert location == f"/api/v1/bids/{draft['id']}/documents/{response.json()['id']}/"
    # Sealed: the buyer cannot read it before the opening, as the bid itself.
    submit(bidder, draft["id"])
    officer, _officer = api("officer")
    assert officer.get(location).status_code == 404
    assert bidder.get(location.replace(response.json()["id"], str(uuid.uuid4()))).status_code == 404


def test_a_conflict_declaration_says_where_it_lives(api, published, clock):
    officer, _user = api("officer")
    bidder, _bidder = api("bidder")
    submit(bidder, bid(bidder, published["id"])["id"])
    clock.move_to(
        Tender.objects.get(pk=published["id"]).submission_deadline + dt.timedelta(minutes=1)
    )
    officer.post(f"/api/v1/tenders/{published['id']}/open/")
    api("admin")[0].post(f"/api/v1/tenders/{published['id']}/open/")
    evaluator, _evaluator = api("evaluator")
    response = evaluator.post(
        f"/api/v1/tenders/{published['id']}/conflict-declarations/",
        {"has_conflict": False, "statement": "Inga band till anbudsgivarna"},
        format="json",
    )
    location = _read_back(evaluator, response)
    assert location.startswith(f"/api/v1/tenders/{published['id']}/conflict-declarations/")
    assert officer.get(location).status_code == 200


def test_a_copied_criterion_says_where_the_copy_lives(api):
    officer, _user = api("officer")
    created = officer.post(
        "/api/v1/criteria/",
        {
            "code": "ENV-FUEL",
            "title": "Förnybart bränsle",
            "category": "environmental",
            "level": "advanced",
            "kind": "award",
            "rule": {"type": "linear", "worst": "0", "best": "100"},
            "unit": "%",
        },
        format="json",
    )
    _read_back(officer, created)
    copy = officer.post(
        f"/api/v1/criteria/{created.json()['id']}/copy/", {"code": "ENV-FUEL-2"}, format="json"
    )
    assert _read_back(officer, copy) == f"/api/v1/criteria/{copy.json()['id']}/"


def test_a_new_member_says_where_it_lives(api, other_buyer):
    admin, _user = api("admin")
    org = _user.organization_id
    response = admin.post(
        f"/api/v1/organizations/{org}/members/",
        {"username": "ny.handlaggare", "password": "Sv3ns4-Ord!x", "role": "officer"},
        format="json",
    )
    location = _read_back(admin, response)
    assert location == f"/api/v1/organizations/{org}/members/{response.json()['id']}/"
    assert api("officer")[0].get(location).status_code == 200
    assert api("admin", org=other_buyer)[0].get(location).status_code == 404


def test_a_simulation_says_where_it_lives(api):
    officer, _user = api("officer")
    tender = create_tender(officer)
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/simulations/",
        {"bids": [{"name": "A", "price": "80000"}, {"name": "B", "price": "90000"}]},
        format="json",
    )
    location = _read_back(officer, response)
    assert officer.get(location).json()["result"] == response.json()["result"]
    assert api("bidder")[0].get(location).status_code in (403, 404)
    assert api("evaluator")[0].get(location).status_code in (403, 404)


# --- updated_since ---------------------------------------------------------------------------


def test_tenders_changed_since_a_time(api, clock):
    officer, _user = api("officer")
    start = timezone.now()
    old = create_tender(officer, reference="OLD-1")
    clock.move_to(start + dt.timedelta(hours=1))
    since = iso(timezone.now())
    new = create_tender(officer, reference="NEW-1")
    listed = officer.get(f"/api/v1/tenders/?updated_since={since}").json()["results"]
    assert [t["id"] for t in listed] == [new["id"]]
    clock.move_to(start + dt.timedelta(hours=2))
    officer.patch(f"/api/v1/tenders/{old['id']}/", {"title": "Ändrad"}, format="json")
    later = officer.get(f"/api/v1/tenders/?updated_since={since}&ordering=updated_at").json()
    assert [t["id"] for t in later["results"]] == [new["id"], old["id"]]


def test_bids_and_criteria_changed_since_a_time(api, published, clock):
    bidder, _user = api("bidder")
    first = bid(bidder, published["id"])
    clock.move_to(timezone.now() + dt.timedelta(hours=1))
    since = iso(timezone.now())
    assert bidder.get(f"/api/v1/bids/?updated_since={since}").json()["count"] == 0
    bidder.patch(
        f"/api/v1/bids/{first['id']}/",
        {"price": {"amount": "900.00", "currency": "SEK"}},
        format="json",
    )
    assert [
        b["id"] for b in bidder.get(f"/api/v1/bids/?updated_since={since}").json()["results"]
    ] == [first["id"]]
    officer, _officer = api("officer")
    assert officer.get(f"/api/v1/criteria/?updated_since={since}&shared=false").json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/tenders/", "/api/v1/bids/", "/api/v1/criteria/"])
@pytest.mark.parametrize("value", ["yesterday", "2027-13-01T00:00:00Z", ""])
def test_an_invalid_updated_since_is_a_400_naming_it(api, path, value):
    officer, _user = api("officer")
    response = officer.get(f"{path}?updated_since={value}")
    if value == "":
        assert response.status_code == 200  # an empty filter filters nothing, as every filter
        return
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["/updated_since"]


def test_a_misspelt_updated_since_is_a_400_naming_it(api):
    officer, _user = api("officer")
    response = officer.get("/api/v1/tenders/?updated_sinse=2027-01-01T00:00:00Z")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["/updated_sinse"]


# --- downloads -------------------------------------------------------------------------------


def _uploaded(officer, name="plan.txt", content=b"En plan."):
    tender = create_tender(officer)
    doc = officer.post(
        f"/api/v1/tenders/{tender['id']}/documents/",
        {"file": SimpleUploadedFile(name, content), "kind": "other"},
        format="multipart",
    ).json()
    return f"/api/v1/tenders/{tender['id']}/documents/{doc['id']}/download/", doc


def test_a_download_carries_repr_digest_not_digest(api):
    officer, _user = api("officer")
    url, doc = _uploaded(officer)
    response = officer.get(url)
    expected = base64.b64encode(hashlib.sha256(b"En plan.").digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{expected}:"
    assert bytes.fromhex(doc["sha256"]) == hashlib.sha256(b"En plan.").digest()
    assert not response.has_header("Digest")


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("*/*", "text/plain"),
        ("text/plain", "text/plain"),
        ("application/pdf", "text/plain"),  # not what the file is: its own type, no 406
        ("application/octet-stream", "application/octet-stream"),
        ("text/plain;q=0.5, application/octet-stream", "application/octet-stream"),
    ],
)
def test_a_download_answers_in_its_own_type_or_as_bytes_when_asked(api, accept, media_type):
    officer, _user = api("officer")
    url, _doc = _uploaded(officer)
    response = officer.get(url, HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert b"".join(response.streaming_content) == b"En plan."


def test_downloads_declare_their_media_types_in_the_schema():
    paths = openapi_document()["paths"]
    for path in (
        "/api/v1/tenders/{tender_pk}/documents/{id}/download/",
        "/api/v1/bids/{id}/documents/{doc_pk}/download/",
        "/api/v1/evaluations/{id}/evidence/",
    ):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert "*/*" not in content
        assert next(iter(content)) == "application/octet-stream"
        assert len(content) > 1


# --- the schema and the server agree ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/tenders/", "/api/v1/bids/", "/healthz"])
def test_trace_is_not_allowed(api, path):
    officer, _user = api("officer")
    response = officer.generic("TRACE", path)
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=0", "/page_size"),
        ("page_size=501", "/page_size"),
        ("page_size=ten", "/page_size"),
        ("page=0", "/page"),
        ("page=last", "/page"),
        ("page=-1", "/page"),
    ],
)
def test_page_and_page_size_are_validated_as_the_schema_says(api, query, field):
    officer, _user = api("officer")
    response = officer.get(f"/api/v1/tenders/?{query}")
    assert response.status_code == 400, response.json()
    assert [e["field"] for e in response.json()["errors"]] == [field]
    page_size = next(
        p
        for p in openapi_document()["paths"]["/api/v1/tenders/"]["get"]["parameters"]
        if p.get("name") == "page_size"
    )
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}


def test_the_largest_page_and_a_page_beyond_the_end(api):
    officer, _user = api("officer")
    create_tender(officer)
    assert officer.get("/api/v1/tenders/?page_size=500").json()["count"] == 1
    assert officer.get("/api/v1/tenders/?page=2").status_code == 404


@pytest.mark.parametrize("amount", ["", "-", ".", "-."])
def test_a_decimal_string_needs_a_digit_on_both_sides_of_the_contract(api, published, amount):
    bidder, _user = api("bidder")
    response = bidder.post(
        "/api/v1/bids/",
        {"tender": published["id"], "price": {"amount": amount, "currency": "SEK"}},
        format="json",
    )
    assert response.status_code == 400
    schemas = openapi_document()["components"]["schemas"]
    pattern = schemas["MoneyRequest"]["properties"]["amount"]["pattern"]
    assert not re.match(pattern, amount)
    assert re.match(pattern, "1234.50") and re.match(pattern, "-1")


def test_the_schema_documents_what_the_server_refuses_and_offers():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    assert schemas["BidInputRequest"]["additionalProperties"] is False
    assert schemas["PatchedTenderInputRequest"]["additionalProperties"] is False
    ordering = next(
        p
        for p in document["paths"]["/api/v1/tenders/"]["get"]["parameters"]
        if p.get("name") == "ordering"
    )
    assert {"updated_at", "-updated_at", "reference"} <= set(ordering["schema"]["items"]["enum"])
    tags = {tag["name"]: tag["description"] for tag in document["tags"]}
    used = {
        tag
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for tag in operation.get("tags", [])
    }
    assert used == set(tags) and all(tags.values())
    # ?lang: any value is accepted (an unknown one is English, ADR 0010), and the schema says so.
    assert "enum" not in document["components"]["parameters"]["Lang"]["schema"]
