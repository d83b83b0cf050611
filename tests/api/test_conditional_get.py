"""If-None-Match: a client skips bodies that did not change, and gets a new one when anything
it would see changed, even without a new version (bids received, the deadline passing)."""

import datetime as dt

from procurement.models import Tender
from tests.api.helpers import bid, create_tender, publish, submit


def test_an_unchanged_tender_is_304_and_a_new_bid_count_is_a_new_body(api, clock):
    officer, _ = api("officer")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/"

    first = officer.get(url)
    tag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first["Vary"]
    again = officer.get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == tag

    bidder, _ = api("bidder")
    submit(bidder, bid(bidder, tender["id"])["id"])
    changed = officer.get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed.json()["bids_received"] == 1
    assert changed["ETag"] != tag

    clock.move_to(Tender.objects.get(pk=tender["id"]).submission_deadline + dt.timedelta(seconds=1))
    closed = officer.get(url, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_the_etag_of_a_read_still_works_as_if_match(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    tag = officer.get(url)["ETag"]
    ok = officer.patch(url, {"title": "Nytt"}, format="json", HTTP_IF_MATCH=tag)
    assert ok.status_code == 200, ok.content
    stale = officer.patch(url, {"title": "Igen"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412


def test_lists_revalidate_too(api):
    officer, _ = api("officer")
    create_tender(officer)
    first = officer.get("/api/v1/tenders/")
    assert officer.get("/api/v1/tenders/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    create_tender(officer, reference="RK-2026-0043")
    assert officer.get("/api/v1/tenders/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_another_users_view_is_another_body(api, buyer):
    officer, _ = api("officer")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    bidder, _ = api("bidder")
    url = f"/api/v1/tenders/{tender['id']}/"
    assert officer.get(url)["ETag"] != bidder.get(url)["ETag"]
