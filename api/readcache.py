"""Key reads answered from memory while nothing they show can have changed.

Every state change in Anbud appends to an audit chain in the same transaction (the rule that
``tests/audit/test_every_service_records.py`` enforces), so the sum of the chain heads'
sequence numbers is a version of everything the API can show: it grows with each committed
change and with nothing else. A key read (a view lists its actions in ``cached_reads``) is kept
per process, under the request's address, Host, scheme, token (its digest), Accept and
Accept-Language, together with the version read *before* the view ran. A later identical
request is answered from memory only when, in one query:

- the version is still the same (no change was committed since; a commit during the first
  view's run already moved it, so a body is never older than the version it is kept under);
- the token still exists, has not expired and belongs to an active user whose role,
  organisation and superuser flag are those the answer was made for (a revoked token, a
  password change, a deactivated or moved account is never served from memory, even when the
  change was made outside the services, from a shell).

A kept answer also ends at the next submission deadline after it was made (a tender's
effective status and who sees it change with the clock, not with a write), at the next moment
a contract's state changes with the clock (a check becomes visible or overdue, a contract
ends: ``contracts.selectors.next_change_after``), at the token's
expiry, and after ``ANBUD_READ_CACHE_SECONDS`` at most. Only 200 JSON answers of token requests
are kept; everything else runs the view. ``ANBUD_READ_CACHE_SECONDS = 0`` turns it off.

Last in MIDDLEWARE: a kept answer is the view's own response (its body and headers), and it
goes back through every other middleware as a fresh one would (request id, language, security
headers, ETag and 304).

See docs/adr/0011-read-cache-versioned-by-the-audit-chain.md.
"""

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from knox.crypto import hash_token

from api.authentication import SCHEMES
from audit.models import ChainHead
from contracts.selectors import next_change_after
from procurement.models import ApiToken, Tender, User

_MAX_BODY = 256 * 1024  # a larger answer is not kept
_MAX_BYTES = 32 * 1024 * 1024  # all kept answers of one worker


@dataclass(frozen=True, slots=True)
class _Kept:
    version: int
    reader: tuple
    fresh_until: datetime.datetime
    status: int
    content: bytes
    headers: tuple[tuple[str, str], ...]


class _Memory:
    """A small LRU of kept answers, shared by the threads of one worker process, bounded by
    the number of answers and by their bytes (``_MAX_BYTES``)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> _Kept | None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
            return kept

    def put(self, key: tuple, kept: _Kept, capacity: int) -> None:
        with self._lock:
            self._drop(key)
            self._entries[key] = kept
            self._bytes += len(kept.content)
            while len(self._entries) > capacity or self._bytes > _MAX_BYTES:
                _key, oldest = self._entries.popitem(last=False)
                self._bytes -= len(oldest.content)

    def drop(self, key: tuple) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key: tuple) -> None:
        kept = self._entries.pop(key, None)
        if kept is not None:
            self._bytes -= len(kept.content)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


memory = _Memory()


def _check_sql() -> str:
    """One query: the data version, and the token's expiry and its user's standing (role,
    organisation, superuser) when the token is valid now.

    Table and column names come from the models; the digest and the time are parameters."""
    q = connection.ops.quote_name
    heads, tokens, users = (q(model._meta.db_table) for model in (ChainHead, ApiToken, User))
    return (
        f"SELECT (SELECT COALESCE(SUM(h.{q('sequence')}), 0) FROM {heads} h), "  # noqa: S608
        f"u.{q('id')}, t.{q('expiry')}, u.{q('role')}, u.{q('organization_id')}, "
        f"u.{q('is_superuser')} FROM (SELECT 1) one "
        f"LEFT JOIN {tokens} t ON t.{q('digest')} = %s "
        f"AND (t.{q('expiry')} IS NULL OR t.{q('expiry')} > %s) "
        f"LEFT JOIN {users} u ON u.{q('id')} = t.{q('user_id')} AND u.{q('is_active')}"
    )


def _token(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower().encode() not in SCHEMES or not token or " " in token:
        return None
    return token


def _is_cached_read(view_func, method: str) -> bool:
    cls = getattr(view_func, "cls", None)
    reads = getattr(cls, "cached_reads", None)
    if not reads:
        return False
    actions = getattr(view_func, "actions", None)
    action = actions.get(method.lower()) if actions else method.lower()
    return action in reads


def _key(request, digest: str) -> tuple:
    meta = request.META
    return (
        request.get_full_path(),
        request.get_host(),
        request.is_secure(),
        digest,
        meta.get("HTTP_ACCEPT", ""),
        meta.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


@dataclass(frozen=True, slots=True)
class _Pending:
    key: tuple
    version: int
    reader: tuple
    now: datetime.datetime
    expiry: datetime.datetime | None


class ReadCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._sql: str | None = None

    def _check(
        self, digest: str, now: datetime.datetime
    ) -> tuple[int, tuple | None, datetime.datetime | None]:
        """The data version; the reader (user, role, organisation, superuser) when the token is
        valid now, else None; and the token's expiry."""
        if self._sql is None:
            self._sql = _check_sql()
        with connection.cursor() as cursor:
            cursor.execute(
                self._sql,
                [digest, connection.ops.adapt_datetimefield_value(now)],
            )
            version, user_id, expiry, role, organization_id, superuser = cursor.fetchone()
        if user_id is None:
            return int(version), None, None
        reader = (str(user_id), role, str(organization_id), bool(superuser))
        return int(version), reader, _aware(expiry) if expiry is not None else None

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            settings.ANBUD_READ_CACHE_SECONDS <= 0
            or request.method != "GET"
            or not _is_cached_read(view_func, request.method)
        ):
            return None
        token = _token(request)
        if token is None:
            return None
        now = timezone.now()
        digest = hash_token(token)
        version, reader, expiry = self._check(digest, now)
        if reader is None:
            return None  # the view answers 401 as it would
        key = _key(request, digest)
        kept = memory.get(key)
        if (
            kept is not None
            and kept.version == version
            and kept.reader == reader
            and now < kept.fresh_until
        ):
            response = HttpResponse(kept.content, status=kept.status)
            for name, value in kept.headers:
                response[name] = value
            return response
        if kept is not None:
            memory.drop(key)
        request._anbud_read_cache = _Pending(
            key=key, version=version, reader=reader, now=now, expiry=expiry
        )
        return None

    def __call__(self, request):
        response = self.get_response(request)
        pending = getattr(request, "_anbud_read_cache", None)
        if pending is not None and self._keepable(response):
            memory.put(
                pending.key,
                _Kept(
                    version=pending.version,
                    reader=pending.reader,
                    fresh_until=self._fresh_until(pending),
                    status=response.status_code,
                    content=response.content,
                    headers=tuple(response.items()),
                ),
                settings.ANBUD_READ_CACHE_ENTRIES,
            )
        return response

    @staticmethod
    def _keepable(response) -> bool:
        return (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("application/json")
            and not response.has_header("Cache-Control")
            and not response.cookies
            and len(response.content) <= _MAX_BODY
        )

    def _fresh_until(self, pending: _Pending) -> datetime.datetime:
        limits = [pending.now + datetime.timedelta(seconds=settings.ANBUD_READ_CACHE_SECONDS)]
        deadline = Tender.objects.filter(submission_deadline__gt=pending.now).aggregate(
            next=Min("submission_deadline")
        )["next"]
        if deadline is not None:
            limits.append(deadline)
        # Contracts change with the clock too: a check turns visible or overdue, a contract
        # ends (contracts.selectors).
        contracts_change = next_change_after(pending.now)
        if contracts_change is not None:
            limits.append(contracts_change)
        if pending.expiry is not None:
            limits.append(pending.expiry)
        return min(limits)


def _aware(value) -> datetime.datetime:
    if isinstance(value, str):  # SQLite hands raw SQL timestamps back as text
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value
