import datetime
import re
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import context
from audit.services import flush_deferred

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def client_address(request) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies.

    With ``ANBUD_TRUSTED_PROXIES = n`` (default 0) the n proxies in front of us each appended
    the address they saw; the client is the n-th entry from the right. Anything further left
    is whatever the client wrote and is ignored, so a forged header cannot pose as a new client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = getattr(settings, "ANBUD_TRUSTED_PROXIES", 0)
    if trusted <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= trusted:
        return forwarded[-trusted]
    return forwarded[0] if forwarded else remote


def _received_at(request) -> datetime.datetime | None:
    """The time of receipt: when the whole request (headers and body) had arrived, as the
    server stamped it in its event loop (config/asgi.py); never later than now.

    None when nothing stamped it (Django's test client, another server): a server that hands
    over a request before its body has arrived would make any time taken here too early, so the
    services then take their own clock, after the view has read the request.
    """
    stamped = request.META.get("anbud.received_at")
    if isinstance(stamped, float):
        return min(timezone.now(), datetime.datetime.fromtimestamp(stamped, tz=datetime.UTC))
    return None


class RequestContextMiddleware:
    """Stamp the time of receipt, give every request an id and remember the client address.

    First in the chain: ``received_at`` is read before any of our code can queue or lock.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        received_at = _received_at(request)
        request.received_at = received_at
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        via = "admin" if request.path.startswith("/admin/") else "api"
        token = context.set_current(
            context.RequestContext(
                request_id=request_id,
                client_address=client_address(request),
                via=via,
                received_at=received_at or timezone.now(),
                deferred=[],
            )
        )
        try:
            response = self.get_response(request)
            flush_deferred()
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestTransactionMiddleware:
    """All or nothing: a write request is one transaction, rolled back when it answers >= 400.

    Services keep their own ``transaction.atomic`` blocks (they are called from Celery and
    commands too); here those become savepoints of the request's transaction, so a view that
    calls two services and then fails commits neither. Audit events that must survive the
    rollback (a refused write, a failed login) are deferred by ``audit.services.record_deferred``
    and written after it. Last in MIDDLEWARE, so CSRF and authentication have run already.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in SAFE_METHODS:
            return None
        if getattr(view_func, "_non_atomic_requests", None):
            return None
        try:
            with transaction.atomic():
                response = view_func(request, *view_args, **view_kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if response.status_code >= 400:
                    transaction.set_rollback(True)
        finally:
            flush_deferred()
        return response
