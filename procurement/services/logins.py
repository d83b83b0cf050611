"""Limits on failed logins, shared by every server process and node, counted atomically.

Three counts, each over the last hour (``procurement.counters``: Redis, or the
database):

- a username from one address (``ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT``, 5): the usual
  guess;
- a username from anywhere (``ANBUD_LOGIN_FAILURES_PER_USER``, 20): a guess spread over many
  addresses;
- one address over all usernames (``ANBUD_LOGIN_FAILURES_PER_CLIENT``, 200): far higher, as a
  region's officers often share one address. An attacker trying a few usernames from it does
  not lock a colleague out.

Past a count's threshold each further attempt waits twice as long as the one before: 1 s,
2 s, 4 s ... up to ``ANBUD_LOGIN_BACKOFF_MAX_SECONDS``. A waiting attempt is answered 429 with
Retry-After before any password is hashed.

Atomic: an attempt takes its place in every count *before* the password is checked (INCR), and
gives it back when it is refused or the password was right. Past a threshold only one attempt
at a time may pass once the wait is over (a gate set with SET NX). So 24 wrong passwords sent
at the same moment get exactly as many checks as the threshold allows, not one each.

Under attack the audit trail is not flooded: a username's first failure in the hour, the
failure that starts its back-off, and every hundredth after that are recorded, each with the
count so far; failures in between are counted, not chained one by one.
"""

import hashlib
import math
import time
from dataclasses import dataclass, field

from django.conf import settings

from audit.services import record_deferred
from procurement import counters, usernames

WINDOW_SECONDS = 3600
GATE_SECONDS = 60  # the longest a password check may hold the gate


class LoginWaiting(Exception):
    """Too many failed logins: try again in ``wait`` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"wait {wait} s")
        self.wait = wait


@dataclass(frozen=True)
class _Count:
    scope: str
    key: str
    threshold: int
    cleared_by_success: bool


def _counts(username: str, client: str) -> list[_Count]:
    # NFKC, trimmed, case-folded: officer1 in fullwidth letters and `` Officer1 `` count as one.
    folded = usernames.normalized(username).casefold()
    user = hashlib.sha256(folded.encode("utf-8")).hexdigest()[:32]
    found = [_Count("username", f"login:user:{user}", settings.ANBUD_LOGIN_FAILURES_PER_USER, True)]
    if client:
        found += [
            _Count(
                "username_and_client",
                f"login:user-client:{user}:{client}",
                settings.ANBUD_LOGIN_FAILURES_PER_USER_AND_CLIENT,
                True,
            ),
            _Count(
                "client", f"login:client:{client}", settings.ANBUD_LOGIN_FAILURES_PER_CLIENT, False
            ),
        ]
    return found


def _backoff_ms(failures: int, threshold: int) -> int:
    if failures < threshold:
        return 0
    seconds = min(2 ** min(failures - threshold, 32), settings.ANBUD_LOGIN_BACKOFF_MAX_SECONDS)
    return int(seconds * 1000)


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Attempt:
    """One login attempt that has taken its place in the counts: end it with ``failed`` or
    ``succeeded``."""

    username: str
    taken: list[tuple[_Count, int]] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)

    def failed(self, *, path: str = "") -> None:
        """The password was wrong: the place taken stays counted; the wait starts or doubles."""
        now = _now_ms()
        for count, number in self.taken:
            delay = _backoff_ms(number, count.threshold)
            if delay:
                counters.set_value(count.key + ":until", now + delay, WINDOW_SECONDS)
            if count.scope == "username" and (
                number == 1 or number == count.threshold or number % 100 == 0
            ):
                record_deferred(
                    action="auth.login_failed",
                    object_type="user",
                    data={
                        "username": self.username[:150],
                        "failures_in_hour": number,
                        "backoff_seconds": delay / 1000,
                        **({"path": path[:200]} if path else {}),
                    },
                    system="auth",
                )
        self._open_gates()

    def succeeded(self) -> None:
        """A right password: the username's counts start again; the address gets its place
        back (its other failures stand)."""
        cleared = [
            suffix_key
            for count, _ in self.taken
            if count.cleared_by_success
            for suffix_key in (count.key, count.key + ":until")
        ]
        if cleared:
            counters.delete_many(cleared)
        for count, _ in self.taken:
            if not count.cleared_by_success:
                counters.decr(count.key, WINDOW_SECONDS)
        self._open_gates()

    def _open_gates(self) -> None:
        if self.gates:
            counters.delete_many(self.gates)
            self.gates = []


def begin(username: str, client: str) -> Attempt:
    """Take this attempt's place in every count, before any password is checked; raise
    ``LoginWaiting`` (and give every place back) while a count is waiting."""
    attempt = Attempt(username=username)
    counts = _counts(username, client)
    untils = counters.get_many([c.key + ":until" for c in counts])
    now = _now_ms()
    try:
        for count in counts:
            number = counters.incr(count.key, WINDOW_SECONDS)
            attempt.taken.append((count, number))
            if number <= count.threshold:
                continue
            until = untils.get(count.key + ":until")
            if until is None:  # the earlier attempts are still being checked
                raise LoginWaiting(1)
            if now < until:
                raise LoginWaiting(max(1, math.ceil((until - now) / 1000)))
            gate = count.key + ":gate"
            if not counters.add(gate, 1, GATE_SECONDS):  # another attempt passed just now
                raise LoginWaiting(1)
            attempt.gates.append(gate)
    except LoginWaiting:
        for count, _ in attempt.taken:
            counters.decr(count.key, WINDOW_SECONDS)
        attempt._open_gates()
        raise
    return attempt


def wait_seconds(username: str, client: str) -> int:
    """Seconds until this username and address may try again (0: now); changes nothing."""
    counts = _counts(username, client)
    untils = counters.get_many([c.key + ":until" for c in counts])
    now = _now_ms()
    return max(
        [0] + [math.ceil((u - now) / 1000) for u in untils.values() if u is not None and u > now]
    )
