"""Limits on failed logins, per username and per client address, shared by every worker.

The counters live in Django's cache (Redis, or the database table when no Redis is set), so
all server processes and all web nodes see the same numbers. Only failures count: a right
password is never slowed down, except while the username or the address is already waiting.

After ``ANBUD_LOGIN_FAILURES_PER_USER`` failures for a username (or ``..._PER_CLIENT`` from one
address) within the hour, each further failure makes the next attempt wait twice as long as
the one before: 1 s, 2 s, 4 s ... up to ``ANBUD_LOGIN_BACKOFF_MAX_SECONDS``. A waiting attempt
is answered 429 with Retry-After before any password is hashed.

Under attack the audit trail is not flooded: a username's first failure in the hour, the
failure that starts its back-off, and every hundredth after that are recorded, each with the
count so far; failures in between are counted, not chained one by one.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from audit.services import record_deferred

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class _Counter:
    scope: str
    key: str
    threshold: int


def _counters(username: str, client: str) -> list[_Counter]:
    user_key = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:32]
    counters = [
        _Counter("username", f"login-fail:user:{user_key}", settings.ANBUD_LOGIN_FAILURES_PER_USER)
    ]
    if client:
        counters.append(
            _Counter(
                "client", f"login-fail:client:{client}", settings.ANBUD_LOGIN_FAILURES_PER_CLIENT
            )
        )
    return counters


def _backoff(failures: int, threshold: int) -> float:
    if failures < threshold:
        return 0.0
    return float(min(2 ** (failures - threshold), settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS))


def wait_seconds(username: str, client: str) -> int:
    """Seconds until this username and address may try again (0: now)."""
    now = time.time()
    keys = [c.key + ":until" for c in _counters(username, client)]
    until = max((v for v in cache.get_many(keys).values() if v), default=0)
    return max(0, math.ceil(until - now))


def _increment(key: str) -> int:
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        return 1
    cache.touch(key, WINDOW_SECONDS)
    return count


def failed(username: str, client: str, *, path: str = "") -> None:
    """Count a failed login for the username and the address; start or lengthen the wait.
    ``path`` (the login page) goes into the audit record when given."""
    now = time.time()
    for counter in _counters(username, client):
        count = _increment(counter.key)
        delay = _backoff(count, counter.threshold)
        if delay:
            cache.set(counter.key + ":until", now + delay, WINDOW_SECONDS)
        if counter.scope == "username" and (
            count == 1 or count == counter.threshold or count % 100 == 0
        ):
            record_deferred(
                action="auth.login_failed",
                object_type="user",
                data={
                    "username": username[:150],
                    "failures_in_hour": count,
                    "backoff_seconds": delay,
                    **({"path": path[:200]} if path else {}),
                },
                system="auth",
            )


def succeeded(username: str) -> None:
    """A right password clears the username's count (the address keeps its own)."""
    counter = _counters(username, "")[0]
    cache.delete_many([counter.key, counter.key + ":until"])
