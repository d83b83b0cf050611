"""``Idempotency-Key`` on the API's POSTs: a retried request gets the first answer again.

After the IETF draft *The Idempotency-Key HTTP Header Field* (httpapi-idempotency-key-header)
and Stripe's practice. A client that did not get an answer (a timeout, a dropped connection)
sends the same request with the same key again and cannot create a second bid or start a
second evaluation:

- The key belongs to the caller: the token used (a login or integration token), or the user
  of a browser session. Another caller's equal key is another key.
- The first request claims the key (committed at once, so that a concurrent second request
  with the key sees it and gets 409). Its answer is stored with the key: a success in the same
  transaction as the change it made, so a key never outlives its answer; a refusal (4xx, when
  nothing was changed) right after. Answers the caller should simply retry are not kept and
  free the key again: 5xx, 401, 408 and 429.
- The same key with the same method, path and body within ``ANBUD_IDEMPOTENCY_HOURS``: the
  stored answer (status, body, ``Location``, ``ETag``, ``Content-Type``, ``Content-Language``)
  with ``Idempotent-Replayed: true``; nothing runs again. With another path or body: 422. While
  the first is still running: 409 with ``Retry-After``.
- The body is compared as bytes; a multipart upload without its (random) boundary, so that a
  client library's retry of the same file matches. ``?lang`` is not part of the comparison.
- Expired keys are deleted by ``api.tasks.purge_expired_idempotency_keys_task`` (hourly).

Without the header nothing changes. ``POST /auth/...`` and ``POST /integration-tokens/``
ignore it: an answer holding a raw token is never stored.
"""

import datetime
import functools
import hashlib
import re
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed

from api.authentication import ExpiringTokenAuthentication
from api.errors import PROBLEM_CONTENT_TYPE, problem
from api.locations import created_location
from api.models import IdempotencyKey
from audit.middleware import RequestTransactionMiddleware

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_API = "/api/v1/"
# No key is kept for these: their answers carry a raw token.
EXEMPT_PATHS = ("/api/v1/auth/", "/api/v1/integration-tokens/")
# A key is a string of visible ASCII (the draft's sf-string, quoted or not), e.g. a UUID.
_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
# Answers kept for the replay; the rest of the headers are the replay's own.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Location", "ETag", "Retry-After")
# Answers that say "try again": the key is freed instead of holding them.
_RETRYABLE = frozenset({401, 408, 429})
# A claimed key whose request has not answered within this time is taken to be abandoned (its
# process died); no change of it can have committed, since the answer commits with the change.
LOCK_SECONDS = 300
_CHUNK = 64 * 1024


def _problem(status: int, detail: str, code: str, **headers: str) -> JsonResponse:
    response = JsonResponse(
        problem(status, detail, code=code), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name] = value
    return response


def _key(request) -> str | None:
    """The key as sent, unquoted (``"abc"`` and ``abc`` are the same key); "" when invalid."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value if _KEY.match(value) and value.strip() else ""


def _caller(request) -> tuple[str, object] | None:
    """(scope, user) of an authenticated request, or None: a request that will answer 401
    has no key to keep."""
    try:
        found = ExpiringTokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    if found is not None:
        user, token = found
        return "token:" + hashlib.sha256(token.digest.encode()).hexdigest(), user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}", user
    return None


def _boundary(content_type: str) -> bytes | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    return match.group(1).encode("latin-1") if match else None


def _fingerprint(request) -> str:
    """SHA-256 over the method, path, query (without ``lang``), media type and body.

    The body is read once, into a spooled file that the view then reads as usual (large
    uploads go to disk, as Django's upload handlers would put them).
    """
    content_type = request.META.get("CONTENT_TYPE", "")
    boundary = _boundary(content_type)
    query = sorted((k, v) for k, values in request.GET.lists() for v in values if k != "lang")
    digest = hashlib.sha256()
    for part in (request.method, request.path, urlencode(query), content_type.split(";")[0]):
        digest.update(part.encode() + b"\0")
    # Handed to the request, which reads it after this function returns.
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    stream = request._stream
    carry = b""
    while chunk := stream.read(_CHUNK):
        spool.write(chunk)
        if boundary is None:
            digest.update(chunk)
            continue
        # The boundary is random per request: left out, with a tail kept in case one is split
        # between two chunks.
        carry = (carry + chunk).replace(boundary, b"")
        keep = len(boundary) - 1
        digest.update(carry[:-keep] if keep else carry)
        carry = carry[-keep:] if keep else b""
    digest.update(carry)
    spool.seek(0)
    request._stream = spool
    return digest.hexdigest()


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.ANBUD_MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status)
    for name, value in row.headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(*, scope, user, key, request, fingerprint) -> tuple[str, IdempotencyKey | None]:
    """Claims the key in a transaction of its own: ("claimed", row), ("replay", row),
    ("mismatch", row) or ("in_flight", None)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.select_for_update().filter(scope=scope, key=key).first()
            if row is not None and row.expires_at <= now:
                row.delete()
                row = None
            if row is None:
                row = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    user=user,
                    method=request.method,
                    path=request.path,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + datetime.timedelta(hours=settings.ANBUD_IDEMPOTENCY_HOURS),
                    locked_until=now + datetime.timedelta(seconds=LOCK_SECONDS),
                )
                return "claimed", row
            if (row.method, row.path, row.fingerprint) != (
                request.method,
                request.path,
                fingerprint,
            ):
                return "mismatch", row
            if row.status is not None:
                return "replay", row
            if row.locked_until is not None and row.locked_until > now:
                return "in_flight", row
            row.locked_until = now + datetime.timedelta(seconds=LOCK_SECONDS)
            row.save(update_fields=["locked_until"])
            return "claimed", row
    except IntegrityError:  # claimed by a concurrent request a moment ago
        return "in_flight", None


def _store(row: IdempotencyKey, request, response) -> None:
    location = created_location(request, response)
    if location and not response.has_header("Location"):
        response["Location"] = location
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    # Set later by api.language, which leaves a replay's own alone.
    headers.setdefault("Content-Language", getattr(request, "LANGUAGE_CODE", "en"))
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status=response.status_code,
        headers=headers,
        body=response.content,
        locked_until=None,
    )


def _free(row: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=row.pk, status__isnull=True).delete()


def _applies(request, view_func) -> bool:
    if (
        request.method != "POST"
        or not request.path.startswith(_API)
        or HEADER not in request.headers
    ):
        return False
    if request.path.startswith(EXEMPT_PATHS):
        return False
    view_class = getattr(view_func, "cls", None)
    return getattr(view_class, "idempotency_keys", True)


class IdempotencyMiddleware:
    """Just before ``RequestTransactionMiddleware``: it runs the view in that middleware's
    transaction itself, so that a success is stored with the change it made."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.transaction = RequestTransactionMiddleware(get_response)

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _applies(request, view_func):
            return None
        key = _key(request)
        if not key:
            return _problem(
                400,
                _(
                    "The Idempotency-Key header must be 1 to 255 visible ASCII characters, "
                    "e.g. a UUID."
                ),
                "invalid_idempotency_key",
            )
        caller = _caller(request)
        if caller is None or _too_large(request):
            return None  # the view answers 401 or 413, and nothing is kept
        scope, user = caller
        fingerprint = _fingerprint(request)
        outcome, row = _claim(
            scope=scope, user=user, key=key, request=request, fingerprint=fingerprint
        )
        if outcome == "replay":
            return _replay(row)
        if outcome == "mismatch":
            assert row is not None
            if (row.method, row.path) != (request.method, request.path):
                detail = _(
                    "This Idempotency-Key was used for %(method)s %(path)s; use a new key for "
                    "another request."
                ) % {"method": row.method, "path": row.path}
            else:
                detail = _(
                    "This Idempotency-Key was used with a different body; use a new key for "
                    "another request."
                )
            return _problem(422, detail, "idempotency_key_reused")
        if outcome == "in_flight":
            return _problem(
                409,
                _(
                    "A request with this Idempotency-Key is still being processed; try again "
                    "in a moment to get its answer."
                ),
                "idempotency_key_in_flight",
                **{"Retry-After": "1"},
            )
        assert row is not None
        return self._run(row, request, view_func, view_args, view_kwargs)

    def _run(self, row, request, view_func, view_args, view_kwargs):
        @functools.wraps(view_func)
        def view_storing_success(request, *args, **kwargs):
            response = view_func(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.status_code < 400 and not response.streaming:
                _store(row, request, response)  # in the request's transaction
            return response

        try:
            response = self.transaction.process_view(
                request, view_storing_success, view_args, view_kwargs
            )
            if response is None:  # a view outside the request transaction
                response = view_storing_success(request, *view_args, **view_kwargs)
        except BaseException:
            _free(row)
            raise
        if response.status_code >= 500 or response.status_code in _RETRYABLE or response.streaming:
            _free(row)
        elif response.status_code >= 400:
            _store(row, request, response)  # nothing was changed: kept after the rollback
        return response


def purge_expired_keys(*, now: datetime.datetime | None = None) -> int:
    """Deletes the keys older than ``ANBUD_IDEMPOTENCY_HOURS`` (a periodic task)."""
    count, _deleted = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return count
