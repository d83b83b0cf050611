"""Counters that every server process and node shares (failed logins, denials), changed
atomically: in Redis when ``ANBUD_CACHE_URL`` names one (INCR, SET NX), else in the database
(``SharedCounter``: an UPDATE ... value + 1 under the row's lock, an INSERT that fails on the
key). So two requests at the same moment never read the same count.

While Redis cannot be reached, each operation goes to the database instead and the outage is
logged once a minute, not per request: a login or a refusal is answered as usual, never with
a 500. Counts taken during an outage stay in the database; a limit may so start again from
zero once when Redis returns, a lesser harm than refusing every login while it is down.

Values are integers; a time is kept as Unix milliseconds.
"""

import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from procurement.models import SharedCounter

logger = logging.getLogger("anbud.outage")
_last_logged = 0.0


def _redis():
    """Django's Redis cache when one is configured, else None."""
    cache = caches["default"]
    return cache if cache.__class__.__name__ == "RedisCache" else None


def _either(in_redis: Callable[[Any], Any], in_database: Callable[[], Any]) -> Any:
    global _last_logged
    redis = _redis()
    if redis is not None:
        try:
            return in_redis(redis)
        except Exception as exc:
            now = time.monotonic()
            if now - _last_logged > 60:
                _last_logged = now
                logger.warning("shared cache unavailable, counting in the database: %s", exc)
    return in_database()


def _until(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


# --- the database side -------------------------------------------------------------------------


def _db_incr(key: str, window: int, by: int) -> int:
    now = timezone.now()
    for _ in range(3):
        try:
            with transaction.atomic():
                live = SharedCounter.objects.filter(key=key, expires_at__gt=now)
                if live.update(value=F("value") + by):
                    return live.values_list("value", flat=True).get()
                SharedCounter.objects.filter(key=key).delete()  # expired
                SharedCounter.objects.create(key=key, value=by, expires_at=_until(window))
                return by
        except IntegrityError:  # created by another request in between: count again
            continue
    return SharedCounter.objects.get(key=key).value


def _db_add(key: str, value: int, timeout: float) -> bool:
    now = timezone.now()
    try:
        with transaction.atomic():
            SharedCounter.objects.filter(key=key, expires_at__lte=now).delete()
            SharedCounter.objects.create(key=key, value=value, expires_at=_until(timeout))
        return True
    except IntegrityError:
        return False


def _db_set(key: str, value: int, timeout: float) -> None:
    SharedCounter.objects.update_or_create(
        key=key, defaults={"value": value, "expires_at": _until(timeout)}
    )


def _db_get_many(keys: list[str]) -> dict[str, int]:
    rows = SharedCounter.objects.filter(key__in=keys, expires_at__gt=timezone.now())
    return dict(rows.values_list("key", "value"))


def _db_delete_many(keys: list[str]) -> None:
    SharedCounter.objects.filter(key__in=keys).delete()


# --- what callers use ---------------------------------------------------------------------------


def incr(key: str, window: int, by: int = 1) -> int:
    """Add ``by`` to ``key`` (created with it, kept ``window`` seconds); the new value."""

    def in_redis(redis) -> int:
        if redis.add(key, by, window):
            return by
        try:
            return int(redis.incr(key, by))
        except ValueError:  # expired between add and incr
            redis.add(key, by, window)
            return by

    return _either(in_redis, lambda: _db_incr(key, window, by))


def decr(key: str, window: int) -> int:
    return incr(key, window, by=-1)


def add(key: str, value: int, timeout: float) -> bool:
    """Set ``key`` only if it is not set: True when this call set it (a lock or a gate)."""
    return _either(
        lambda redis: bool(redis.add(key, value, timeout)), lambda: _db_add(key, value, timeout)
    )


def set_value(key: str, value: int, timeout: float) -> None:
    _either(lambda redis: redis.set(key, value, timeout), lambda: _db_set(key, value, timeout))


def get_many(keys: list[str]) -> dict[str, int]:
    return _either(lambda redis: dict(redis.get_many(keys)), lambda: _db_get_many(keys))


def delete_many(keys: list[str]) -> None:
    _either(lambda redis: redis.delete_many(keys), lambda: _db_delete_many(keys))


def purge_expired() -> int:
    """Delete the database's expired counters (hourly, with the expired tokens)."""
    deleted, _ = SharedCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
