"""Key reads are answered from memory while nothing they show has changed (api/readcache.py),
and never once anything has: a committed change, the clock passing a deadline, a revoked or
expired token, a deactivated account, another language or another reader."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement.models import ApiToken, Tender, User
from tests.api.helpers import bid, create_tender, publish, submit


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    return response, len(captured)


def test_a_repeated_read_is_one_query_with_the_same_body_and_tag(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    first, first_queries = _get(officer, url)
    again, again_queries = _get(officer, url)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Language"] == first["Content-Language"]
    assert again["X-Request-ID"] != first["X-Request-ID"]  # a new answer, not a replayed one
    assert again_queries == 1 < first_queries
    # The conditional GET still works on a kept answer.
    assert officer.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tenders/",
        "/api/v1/tenders/{tender}/",
        "/api/v1/tenders/{tender}/criteria/",
        "/api/v1/criteria/",
        "/api/v1/bids/",
        "/api/v1/audit-events/",
    ],
)
def test_every_key_read_is_kept(api, url):
    officer, _ = api("admin")
    tender = create_tender(officer)
    url = url.format(tender=tender["id"])
    _get(officer, url)
    again, queries = _get(officer, url)
    assert again.status_code == 200 and queries == 1


def test_a_committed_change_is_read_at_once(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    officer.get(url)
    assert officer.patch(url, {"title": "Nytt namn"}, format="json").status_code == 200
    assert officer.get(url).json()["title"] == "Nytt namn"


def test_another_organisations_change_is_read_at_once(api, other_buyer):
    """The version is global: a bid (the supplier's chain) moves the buyer's kept tender."""
    officer, _ = api("officer")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/"
    assert officer.get(url).json()["bids_received"] == 0
    bidder, _ = api("bidder")
    submit(bidder, bid(bidder, tender["id"])["id"])
    assert officer.get(url).json()["bids_received"] == 1


def test_the_deadline_passing_is_read_at_once(api, clock):
    officer, _ = api("officer")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/"
    assert officer.get(url).json()["status"] == "published"
    deadline = Tender.objects.get(pk=tender["id"]).submission_deadline
    clock.move_to(deadline - dt.timedelta(seconds=1))
    assert officer.get(url).json()["status"] == "published"
    clock.move_to(deadline)
    assert officer.get(url).json()["status"] == "closed"


def test_a_revoked_token_is_refused_not_served(api):
    officer, _ = api("officer")
    url = "/api/v1/tenders/"
    assert officer.get(url).status_code == 200
    assert officer.post("/api/v1/auth/logout/").status_code == 204
    assert officer.get(url).status_code == 401


def test_a_deactivated_account_is_refused_even_without_an_audited_change(api):
    officer, user = api("officer")
    url = "/api/v1/tenders/"
    assert officer.get(url).status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)  # as from a shell: no audit event
    assert officer.get(url).status_code == 401


def test_an_expired_token_is_refused(api, clock, client_for, make_user, buyer):
    user = make_user("officer", buyer)
    _token, raw = ApiToken.objects.create(user=user, expiry=dt.timedelta(minutes=5))
    client = client_for(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/tenders/").status_code == 200
    clock.move_to(timezone.now() + dt.timedelta(minutes=5, seconds=1))
    assert client.get("/api/v1/tenders/").status_code == 401


def test_each_reader_and_language_has_its_own_answer(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    publish(officer, tender["id"])
    url = f"/api/v1/tenders/{tender['id']}/"
    english = officer.get(url)
    swedish = officer.get(url, HTTP_ACCEPT_LANGUAGE="sv")
    assert (english["Content-Language"], swedish["Content-Language"]) == ("en", "sv")
    bidder, _ = api("bidder")
    seen_by_bidder = bidder.get(url).json()
    assert "opening_protocol" not in seen_by_bidder or seen_by_bidder != english.json()
    assert bidder.get(url).content != english.content


def test_only_successful_answers_of_key_reads_are_kept(api):
    officer, _ = api("officer")
    missing = "/api/v1/tenders/00000000-0000-0000-0000-000000000000/"
    officer.get(missing)
    again, queries = _get(officer, missing)
    assert again.status_code == 404 and queries > 1
    officer.get("/api/v1/organizations/")
    _, queries = _get(officer, "/api/v1/organizations/")
    assert queries > 1  # not a key read: always the view


def test_the_cache_can_be_turned_off_and_ends_after_its_seconds(api, settings, clock):
    officer, _ = api("officer")
    url = "/api/v1/tenders/"
    officer.get(url)
    clock.move_to(timezone.now() + dt.timedelta(seconds=settings.ANBUD_READ_CACHE_SECONDS + 1))
    _, queries = _get(officer, url)
    assert queries > 1
    settings.ANBUD_READ_CACHE_SECONDS = 0
    officer.get(url)
    _, queries = _get(officer, url)
    assert queries > 1


def test_a_changed_role_is_read_at_once_even_without_an_audited_change(api, buyer):
    officer, user = api("officer")
    tender = create_tender(officer)
    url = f"/api/v1/tenders/{tender['id']}/"
    assert officer.get(url).status_code == 200
    User.objects.filter(pk=user.pk).update(role="evaluator")  # as from a shell: no audit event
    assert officer.get(url).status_code == 404  # evaluators see a tender only once it is opened


def test_memory_is_bounded_by_answers_and_bytes(api, settings, monkeypatch):
    officer, _ = api("officer")
    first, second = "/api/v1/tenders/", "/api/v1/criteria/"
    settings.ANBUD_READ_CACHE_ENTRIES = 1
    officer.get(first)
    officer.get(second)  # pushes the first out
    _, queries = _get(officer, first)
    assert queries > 1
    settings.ANBUD_READ_CACHE_ENTRIES = 512
    monkeypatch.setattr("api.readcache._MAX_BYTES", 10)
    officer.get(second)
    _, queries = _get(officer, second)
    assert queries > 1  # larger than all the memory a worker may keep
