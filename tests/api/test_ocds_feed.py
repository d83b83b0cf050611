"""The public OCDS feed: no token, only what is public at each stage, `since`, pages with
`links.next`, ETag and 304, the record package, and the staff's own release package."""

import datetime as dt

import jsonschema
import pytest
from rest_framework.test import APIClient

from publication.models import Release
from publication.ocds import ocid_for
from tests.api.helpers import openapi_document
from tests.publication.lifecycle import new_life
from tests.publication.ocds_validation import (
    check_record_package,
    check_release_package,
    parse,
)

pytestmark = pytest.mark.django_db

FEED = "/api/v1/public/ocds/releases/"


@pytest.fixture
def public():
    return APIClient()


@pytest.fixture
def officers(officer, second_officer):
    return (officer, second_officer)


def declared(name, body):
    """The body matches the schema openapi.yaml declares for it (what clients are built on)."""
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


def feed(client, query="", status=200):
    response = client.get(f"{FEED}{query}")
    assert response.status_code == status, response.content
    return parse(response.content) if status == 200 else response


def test_the_feed_shows_only_what_is_public_at_each_stage(
    public, officers, make_user, supplier, other_supplier, clock, django_capture_on_commit_callbacks
):
    life = new_life(officers, django_capture_on_commit_callbacks, clock)
    draft = new_life(officers, django_capture_on_commit_callbacks, clock, title="Utkast")
    assert feed(public)["releases"] == []  # nothing yet; drafts never
    life.publish()
    body = feed(public)
    check_release_package(body)
    assert [r["tag"] for r in body["releases"]] == [["tender"]]
    assert body["releases"][0]["ocid"] == ocid_for(life.tender.pk)
    assert body["uri"].startswith("http")
    life.bid(make_user("bidder", supplier), "900000.00")
    life.bid(make_user("bidder", other_supplier), "950000.00")
    body = feed(public)
    assert len(body["releases"]) == 1 and "bids" not in body["releases"][0]  # sealed
    life.open()
    life.evaluate()
    life.award()
    body = feed(public)
    check_release_package(body)
    declared("OcdsReleasePackage", body)
    assert [r["tag"] for r in body["releases"]] == [
        ["tender"],
        ["tenderUpdate"],
        ["tenderUpdate"],
        ["award"],
    ]
    awarded = body["releases"][-1]
    (detail,) = awarded["bids"]["details"]
    assert detail["value"]["amount"] == 900000  # the winner's price; the loser's never
    assert "950000" not in public.get(FEED).content.decode()
    # The draft has no record; the published tender has, with its compiled release.
    assert (
        public.get(f"/api/v1/public/ocds/records/{ocid_for(draft.tender.pk)}/").status_code == 404
    )
    record = public.get(f"/api/v1/public/ocds/records/{ocid_for(life.tender.pk)}/")
    assert record.status_code == 200
    body = parse(record.content)
    check_record_package(body)
    declared("OcdsRecordPackage", body)
    assert len(body["records"][0]["releases"]) == 4
    assert body["records"][0]["compiledRelease"]["awards"][0]["status"] == "pending"


def test_since_pages_and_etag(
    public, officers, settings, clock, django_capture_on_commit_callbacks
):
    settings.ANBUD_OCDS_PAGE_SIZE = 2
    start = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)
    clock.move_to(start)
    lives = []
    for i in range(3):
        clock.move_to(start + dt.timedelta(hours=i))
        life = new_life(officers, django_capture_on_commit_callbacks, clock, reference=f"F-{i}")
        life.publish()
        lives.append(life)
    first = feed(public)
    check_release_package(first)
    assert len(first["releases"]) == 2
    assert first["links"]["next"].startswith("http") and "page=2" in first["links"]["next"]
    second = feed(public, "?" + first["links"]["next"].split("?", 1)[1])
    assert len(second["releases"]) == 1 and "next" not in second.get("links", {})
    feed(public, "?page=3", status=404)
    # Incremental: what was published at or after a time.
    since = feed(public, "?since=2027-03-01T10:30:00Z")
    assert [r["ocid"] for r in since["releases"]] == [ocid_for(lives[2].tender.pk)]
    assert since["publishedDate"] == "2027-03-01T11:00:00Z"
    empty = feed(public, "?since=2027-03-02T00:00:00%2B01:00")
    assert empty["releases"] == []
    # ETag and 304: a page that has not changed, and one that has.
    first_tag = public.get(FEED)["ETag"]
    last_tag = public.get(f"{FEED}?page=2")["ETag"]
    assert public.get(FEED, HTTP_IF_NONE_MATCH=first_tag).status_code == 304
    clock.move_to(start + dt.timedelta(hours=5))
    new_life(officers, django_capture_on_commit_callbacks, clock, reference="F-9").publish()
    assert public.get(FEED, HTTP_IF_NONE_MATCH=first_tag).status_code == 304  # pages only grow
    assert public.get(f"{FEED}?page=2", HTTP_IF_NONE_MATCH=last_tag).status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?since=yesterday", "/since"),
        ("?since=2027-13-01T00:00:00Z", "/since"),
        # a time before the calendar's start once in UTC: a 400, never the database's error
        ("?since=0001-01-01T00:00:00%2B01:00", "/since"),
        ("?page=0", "/page"),
    ],
)
def test_invalid_query_is_a_problem(public, query, field):
    response = public.get(f"{FEED}{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field


def test_a_since_with_any_offset_is_read_as_its_utc_moment(public):
    # +20:00 is beyond what PostgreSQL takes as an offset; the feed reads the UTC instant.
    assert public.get(f"{FEED}?since=2027-01-01T00:00:00%2B20:00").status_code == 200


def test_unknown_ocid_is_404(public):
    response = public.get("/api/v1/public/ocds/records/ocds-anbud0-nothing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_feed_is_throttled_per_client(public, settings):
    settings.ANBUD_PUBLIC_OCDS_RATE = "2/minute"
    assert public.get(FEED).status_code == 200
    assert public.get(FEED).status_code == 200
    response = public.get(FEED)
    assert response.status_code == 429
    assert response.has_header("Retry-After")


def test_staff_release_package_validates_at_every_stage(
    api, officers, make_user, supplier, clock, django_capture_on_commit_callbacks
):
    client, _user = api("officer")
    life = new_life(officers, django_capture_on_commit_callbacks, clock, method="weighted_points")
    url = f"/api/v1/tenders/{life.tender.pk}/ocds/"
    body = parse(client.get(url).content)
    check_release_package(body)
    assert body["releases"][0]["tag"] == ["planning"]
    assert body["releases"][0]["tender"]["status"] == "planning"
    life.publish()
    check_release_package(parse(client.get(url).content))
    life.bid(make_user("bidder", supplier), "900000.00")
    life.open()
    body = parse(client.get(url).content)
    check_release_package(body)
    assert body["releases"][0]["bids"]["statistics"][0]["value"] == 1
    assert Release.objects.filter(tender_id=life.tender.pk).count() == 2
