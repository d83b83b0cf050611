"""procurement/services/logins.py called directly: failed logins are counted per username and
per address, the wait doubles after the threshold, a right password clears the username's
count, and the audit trail gets the first failure and the one that starts the back-off."""

import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from procurement.services import logins


@pytest.fixture
def limits(settings, db, clock):
    clock.move_to(timezone.now())  # the clock stands still: waits are exact seconds
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 3
    settings.ANBUD_LOGIN_FAILURES_PER_CLIENT = 5
    settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS = 4


def name():
    return f"mallory-{uuid.uuid4().hex[:8]}"


def test_the_wait_starts_at_the_threshold_and_doubles_up_to_the_maximum(limits):
    username = name()
    waits = []
    for _ in range(6):
        logins.failed(username, "")
        waits.append(logins.wait_seconds(username, ""))
    assert waits == [0, 0, 1, 2, 4, 4]


def test_usernames_are_counted_without_regard_to_case_or_spaces(limits):
    username = name()
    for variant in (username, username.upper(), f"  {username} "):
        logins.failed(variant, "")
    assert logins.wait_seconds(username, "") == 1


def test_one_address_trying_many_usernames_waits_too(limits):
    for _ in range(4):
        logins.failed(name(), "192.0.2.9")
    assert logins.wait_seconds(name(), "192.0.2.9") == 0
    logins.failed(name(), "192.0.2.9")  # the fifth from this address
    assert logins.wait_seconds(name(), "192.0.2.9") == 1
    assert logins.wait_seconds(name(), "198.51.100.1") == 0


def test_a_right_password_clears_the_usernames_count_not_the_addresses(limits):
    username = name()
    for _ in range(5):
        logins.failed(username, "192.0.2.10")
    logins.succeeded(username)
    assert logins.wait_seconds(username, "") == 0
    assert logins.wait_seconds(username, "192.0.2.10") == 1


def test_the_first_failure_and_the_start_of_the_back_off_are_audited(limits):
    username = name()
    for _ in range(4):
        logins.failed(username, "192.0.2.11", path="/admin/login/")

    events = AuditEvent.objects.filter(action="auth.login_failed").order_by("sequence")
    assert [(e.data["failures_in_hour"], e.data["backoff_seconds"]) for e in events] == [
        (1, 0.0),
        (3, 1.0),
    ]
    assert {e.data["username"] for e in events} == {username}
    assert {e.data["path"] for e in events} == {"/admin/login/"}
    assert {e.actor_id for e in events} == {None}
