"""procurement/services/logins.py called directly: each attempt takes its place in the counts
before the password is checked, failures start a doubling wait, a right password clears the
username's counts, the address's limit is far higher than a username's, and the audit trail
gets the first failure and the one that starts the back-off."""

import threading
import uuid

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from procurement.services import logins


@pytest.fixture
def limits(settings, db, clock):
    clock.move_to(timezone.now())  # the clock stands still: waits are exact seconds
    settings.ANBUD_LOGIN_FAILURES_PER_USER = 3
    settings.ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT = 3
    settings.ANBUD_LOGIN_FAILURES_PER_CLIENT = 5
    settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS = 4


def name():
    return f"mallory-{uuid.uuid4().hex[:8]}"


def fail(username, client="", **kwargs):
    logins.begin(username, client).failed(**kwargs)


def test_the_wait_starts_at_the_threshold_and_doubles_up_to_the_maximum(limits, clock):
    username = name()
    waits = []
    for _ in range(6):
        fail(username)
        waits.append(logins.wait_seconds(username, ""))
        clock.shift(waits[-1])
    assert waits == [0, 0, 1, 2, 4, 4]


def test_a_waiting_username_is_refused_before_any_check(limits):
    username = name()
    for _ in range(3):
        fail(username)
    with pytest.raises(logins.LoginWaiting) as waiting:
        logins.begin(username, "")
    assert waiting.value.wait == 1


def test_usernames_are_counted_without_regard_to_case_spaces_or_width(limits):
    username = name()
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in username)
    for variant in (username.upper(), f"  {username} ", fullwidth):
        fail(variant)
    assert logins.wait_seconds(username, "") == 1


def test_one_address_trying_many_usernames_waits_too(limits):
    for _ in range(4):
        fail(name(), "192.0.2.9")
    assert logins.wait_seconds(name(), "192.0.2.9") == 0
    fail(name(), "192.0.2.9")  # the fifth from this address
    assert logins.wait_seconds(name(), "192.0.2.9") == 1
    assert logins.wait_seconds(name(), "198.51.100.1") == 0


def test_an_attack_on_some_usernames_does_not_lock_a_colleague_out(limits, settings):
    """One address (a region's shared one) guesses three made-up usernames until each waits;
    a colleague at the same address logs in at once."""
    settings.ANBUD_LOGIN_FAILURES_PER_CLIENT = 200
    shared = "192.0.2.50"
    for made_up in ("admin", "root", "officer0"):
        for _ in range(3):
            fail(made_up, shared)
        with pytest.raises(logins.LoginWaiting):
            logins.begin(made_up, shared)
    logins.begin("officer2", shared).succeeded()


def test_a_right_password_clears_the_usernames_count_not_the_addresses(limits):
    username = name()
    for _ in range(2):
        fail(username, "192.0.2.10")
    for _ in range(2):
        fail(name(), "192.0.2.10")
    logins.begin(username, "192.0.2.10").succeeded()
    for _ in range(2):  # the username starts again: two more are no wait
        fail(username)
    assert logins.wait_seconds(username, "") == 0
    fail(name(), "192.0.2.10")  # the address's fifth: its four failures stood
    assert logins.wait_seconds(name(), "192.0.2.10") == 1


def test_the_first_failure_and_the_start_of_the_back_off_are_audited(limits, clock):
    username = name()
    for _ in range(4):
        fail(username, "192.0.2.11", path="/admin/login/")
        clock.shift(4)

    events = AuditEvent.objects.filter(action="auth.login_failed").order_by("sequence")
    assert [(e.data["failures_in_hour"], e.data["backoff_seconds"]) for e in events] == [
        (1, 0.0),
        (3, 1.0),
    ]
    assert {e.data["username"] for e in events} == {username}
    assert {e.data["path"] for e in events} == {"/admin/login/"}
    assert {e.actor_id for e in events} == {None}


def test_attempts_at_the_same_moment_get_no_more_checks_than_the_limit(settings, db):
    """24 wrong passwords at once, as 24 threads: each takes its place before its password is
    checked, so exactly the threshold's worth are checked (Redis: INCR is atomic)."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"anbud-test-{uuid.uuid4().hex}",
        }
    }
    settings.ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT = 5
    username, started, checked = name(), threading.Barrier(24), []

    def guess():
        started.wait()
        try:
            attempt = logins.begin(username, "192.0.2.60")
        except logins.LoginWaiting:
            return
        checked.append(attempt)

    threads = [threading.Thread(target=guess) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == 5
