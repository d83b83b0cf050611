"""Property-based API tests: schemathesis generates requests from the live OpenAPI document and
sends them to the WSGI app in-process (no server, no network) with a logged-in user's token.

For every operation: never a 5xx, and the status code, content type and body of every answer
are the ones the schema documents. Path parameters are real ids (a random UUID would only ever
test the 404), the rest of the request is generated.
"""

import functools
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from procurement.models import ApiToken, Bid, Tender
from procurement.services import documents as document_services
from tests.api.helpers import bid, create_tender, openapi_document, publish
from tests.factories import (
    BuyerFactory,
    CriterionFactory,
    SupplierFactory,
    TenderCriterionFactory,
    UserFactory,
)

# The operations to test, named from the committed document (tests/api/test_openapi.py fails
# when it drifts from the code), so that collecting them does not build the schema in every
# worker; the requests are generated from the live schema, built once where they run.
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OPERATIONS = sorted(
    f"{method.upper()} {path}"
    for path, item in openapi_document()["paths"].items()
    for method in item
    if method in METHODS
)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 10

# Operations where schemathesis found a real defect, each with its cause. Shape defects hit
# every call (strict); the fuzz-found ones depend on generated input (not strict, and each has
# a deterministic test below).
_NULLABLE_JSON = (
    "BUG: {field} is a JSONField(allow_null=True) that drf-spectacular renders as "
    "oneOf: [{{}}, {{type: null}}]; null matches both branches, so every null {field} violates "
    "the schema. Fix: @extend_schema_field({{'type': ['object', 'null']}}) on the field "
    "(or a postprocessing hook turning that oneOf into anyOf)"
)
_BID_RECEIPT = _NULLABLE_JSON.format(field="api/serializers/bids.py BidSerializer.receipt")
_CRITERION_OCDS = _NULLABLE_JSON.format(field="api/serializers/criteria.py Criterion ocds")
_UNPAGINATED = (
    "BUG: the @action returns a plain list but inherits the viewset's pagination, so the "
    "schema documents a Paginated... object; fix: pagination_class=None on the @action"
)
_DOWNLOAD = (
    "BUG: download documented as application/octet-stream but served with the document's "
    "media type (application/pdf, ...); document the allowed media types or */*"
)
_LIST_404 = (
    "BUG: ?page=/?cursor= beyond the end answers 404 'Invalid page', undocumented for the list "
    "(api/schema.py: add 404, or answer 400, for paginated lists)"
)
_FILTER_400 = (
    "BUG: an invalid filter value (e.g. a NUL character) answers 400, undocumented for this GET; "
    "add 400 to its responses"
)
_LOT_OVERFLOW = (
    "BUG: api/serializers/tenders.py LotInputSerializer.number has no max_value; a huge number "
    "reaches the database (OverflowError on SQLite, DataError on PostgreSQL) and answers 500"
)
KNOWN_BUGS: dict[str, tuple[str, bool]] = {}

PDF = b"%PDF-1.7\n" + b"schemathesis " * 10 + b"\n%%EOF\n"


@contextmanager
def wsgi_in_test_transaction():
    """The WSGI handler closes "old" connections at each request; inside the test's transaction
    that would drop the test data (PostgreSQL: the connection itself), so the signal is off
    while the app is called in-process, as Django's own test client does. Entered after the
    world is built: the test client connects the signal again after each of its requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@functools.cache
def live_schema():
    """The live document (/api/schema/ as JSON, so no YAML is parsed in Python), asked for
    inside a test, as the tests' own requests are."""
    with wsgi_in_test_transaction():
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


def _build_world():
    buyer = BuyerFactory(name="Region Alice")
    admin_user = UserFactory(role="admin", organization=buyer)
    bidder_user = UserFactory(role="bidder", organization=SupplierFactory(name="Charlie Gård AB"))
    buyer_token = ApiToken.objects.create(user=admin_user, expiry=None)[1]
    bidder_token = ApiToken.objects.create(user=bidder_user, expiry=None)[1]
    admin, bidder = APIClient(), APIClient()
    admin.credentials(HTTP_AUTHORIZATION=f"Token {buyer_token}")
    bidder.credentials(HTTP_AUTHORIZATION=f"Token {bidder_token}")

    draft = create_tender(admin, reference="ST-DRAFT")
    published = create_tender(admin, reference="ST-PUB", days=31)
    publish(admin, published["id"])
    doc = document_services.upload_tender_document(
        tender=Tender.objects.get(pk=draft["id"]),
        actor=admin_user,
        uploaded=SimpleUploadedFile("spec.pdf", PDF),
        kind="specification",
    )
    draft_bid = bid(bidder, published["id"])
    evidence = document_services.upload_bid_document(
        bid=Bid.objects.get(pk=draft_bid["id"]),
        actor=bidder_user,
        uploaded=SimpleUploadedFile("cert.pdf", PDF),
        kind="certificate",
    )
    criterion = CriterionFactory(organization=buyer)
    tc = TenderCriterionFactory(tender=Tender.objects.get(pk=draft["id"]))
    return {
        "buyer_token": buyer_token,
        "bidder_token": bidder_token,
        "organization": str(buyer.pk),
        "tender": draft["id"],
        "document": str(doc.pk),
        "tender_criterion": str(tc.pk),
        "criterion": str(criterion.pk),
        "bid": draft_bid["id"],
        "evidence": str(evidence.pk),
    }


@pytest.fixture(scope="module")
def _world_data(module_db):
    """Built once for the module; each test's writes are rolled back (tests/conftest.py)."""
    return module_db(_build_world)


@pytest.fixture
def world(db, _world_data):
    return dict(_world_data)


def _who_and_path_parameters(path: str, world: dict) -> tuple[str, dict[str, str]]:
    """The user (bids are the bidder's, everything else the buyer admin's) and real ids."""
    params: dict[str, str] = {}
    if path.startswith("/api/v1/bids/"):
        params = {"id": world["bid"], "doc_pk": world["evidence"]}
        return world["bidder_token"], params
    if path.startswith("/api/v1/organizations/"):
        params = {"id": world["organization"]}
    elif path.startswith("/api/v1/criteria/"):
        params = {"id": world["criterion"]}
    elif path.startswith("/api/v1/tenders/{tender_pk}/documents/"):
        params = {"tender_pk": world["tender"], "id": world["document"]}
    elif path.startswith("/api/v1/tenders/{tender_pk}/criteria/"):
        params = {"tender_pk": world["tender"], "id": world["tender_criterion"]}
    elif path.startswith("/api/v1/tenders/{tender_pk}/"):
        params = {"tender_pk": world["tender"]}
    elif path.startswith("/api/v1/tenders/"):
        params = {"id": world["tender"]}
    # Anything else (new resources) gets generated ids: still checked for 5xx and conformance.
    return world["buyer_token"], {k: v for k, v in params.items() if "{" + k + "}" in path}


def _params():
    for label in OPERATIONS:
        marks = []
        if label in KNOWN_BUGS:
            reason, strict = KNOWN_BUGS[label]
            marks.append(pytest.mark.xfail(strict=strict, reason=reason))
        yield pytest.param(label, id=label, marks=marks)


def test_every_operation_is_exercised():
    assert len(OPERATIONS) >= 40
    assert "POST /api/v1/tenders/{tender_pk}/documents/" in OPERATIONS


@pytest.mark.parametrize("label", list(_params()))
def test_operation_conforms_to_the_schema_and_never_fails_on_the_server(world, label):
    operation = live_schema().find_operation_by_label(label)
    token, path_parameters = _who_and_path_parameters(operation.path, world)
    headers = {"Authorization": f"Token {token}"}
    strategy = operation.as_strategy(path_parameters=path_parameters or None)

    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    with wsgi_in_test_transaction():
        run()


# --- the same findings, made deterministic --------------------------------------------------


def test_a_huge_lot_number_is_400_not_500(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    response = officer.post(
        f"/api/v1/tenders/{tender['id']}/lots/",
        {"title": "Ägg", "number": 10**30},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/number"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tenders/?deadline_after=2026-01-01T00:00:00%2B16:27",
        "/api/v1/audit-events/?until=0380-04-03T05:58:56-23:29",
        "/api/v1/audit-events/export/?format=jsonl&since=2026-12-01T00:00:00-15:59",
    ],
)
def test_time_filters_take_any_offset_python_reads(api, url):
    """Found by schemathesis on PostgreSQL, which refuses offsets beyond +-15:59: the filter
    turns the time into UTC first."""
    admin, _ = api("admin")
    create_tender(admin, reference="ST-TZ")
    response = admin.get(url)
    assert response.status_code == 200, response.content[:300]


def test_a_filter_time_outside_the_calendar_in_utc_is_400(api):
    admin, _ = api("admin")
    response = admin.get("/api/v1/tenders/?deadline_before=0001-01-01T00:00:00%2B05:00")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "/deadline_before"
    until = admin.get("/api/v1/tenders/?deadline_before=2026-12-01T00:00:00%2B01:00").json()
    assert until["count"] == 0


def _error_responses():
    for path, item in live_schema().raw_schema["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for code, response in op["responses"].items():
                # 414 comes from the server (config/server.py), before the API.
                if code.startswith("4") and code != "414":
                    yield f"{method.upper()} {path} {code}", response


def test_error_responses_are_documented_as_problem_json():
    wrong = [
        label
        for label, response in _error_responses()
        if "application/problem+json" not in response.get("content", {})
    ]
    assert wrong == []


def test_a_page_beyond_the_end_is_documented(api):
    officer, _ = api("officer")
    assert officer.get("/api/v1/tenders/?page=999").status_code == 404
    responses = live_schema().raw_schema["paths"]["/api/v1/tenders/"]["get"]["responses"]
    assert "404" in responses
