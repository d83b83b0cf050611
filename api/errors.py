"""One place that turns every error into RFC 9457 problem details (application/problem+json)."""

import hashlib
import logging
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.chain import to_json_value
from audit.middleware import SAFE_METHODS
from audit.services import after_request, record
from procurement import counters
from procurement.errors import DomainError, field_error

PROBLEM_TYPE_BASE = "https://anbud.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: gettext_lazy("Invalid input"),
    401: gettext_lazy("Authentication required"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict with the current state"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Content too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Unprocessable content"),
    429: gettext_lazy("Too many requests"),
}


def _pointer_escape(part: Any) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def flatten_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure -> [{"field": JSON pointer, "code", "message"}]."""
    out: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = (
                path if key in ("non_field_errors", "__all__") else f"{path}/{_pointer_escape(key)}"
            )
            out.extend(flatten_errors(value, sub))
    elif isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            for item in detail:
                out.append(field_error(path, getattr(item, "code", None) or "invalid", str(item)))
        else:
            for index, item in enumerate(detail):
                if item in ({}, [], None):
                    continue
                out.extend(flatten_errors(item, f"{path}/{index}"))
    else:
        out.append(field_error(path, getattr(detail, "code", None) or "invalid", str(detail)))
    return out


def problem(
    status_code: int, detail: str, *, code: str, errors: list | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": str(_TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


def _problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=body["status"], headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    if isinstance(exc, DomainError):
        body = problem(
            exc.status, exc.message, code=exc.code, errors=exc.errors or None, **_extra(exc.extra)
        )
        if exc.status == 400 and "errors" not in body:
            body["errors"] = []
        if exc.status == 403:
            _audit_denial(request, exc.message)
        return _problem_response(body)
    if isinstance(exc, DjangoValidationError):
        errors = flatten_errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return _problem_response(
            problem(400, _("The input is invalid."), code="invalid", errors=errors)
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {
        k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        detail = _("The input is invalid: %(errors)s") % {
            "errors": "; ".join(f"{e['field'] or '/'}: {e['message']}" for e in errors[:5])
        }
        body = problem(400, detail, code="invalid", errors=errors)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = code if isinstance(code, str) else "error"
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        body = problem(response.status_code, str(detail), code=code)
        if response.status_code == status.HTTP_403_FORBIDDEN:
            _audit_denial(request, str(detail))
        # djangorestframework-stubs do not declare Throttled.wait (DRF sets it in __init__).
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:  # type: ignore[attr-defined]  # set in __init__
            body["retry_after"] = int(exc.wait)  # type: ignore[attr-defined]  # as above
    return _problem_response(body, headers)


def _extra(extra: dict[str, Any]) -> dict[str, Any]:
    return to_json_value(extra)


DENIAL_WINDOW_SECONDS = 3600


def _audit_denial(request, reason: str) -> None:
    """Refused writes are recorded (Annex IV: an attempt to breach the rules is detectable),
    in bulk, like failed logins: per user, method and route, the first refusal in the hour and
    every hundredth after it, each with the count so far (``procurement.counters``). So a
    loop of forbidden requests leaves a few events with a count, not one chained event each.
    """
    if request is None or request.method in SAFE_METHODS:
        return
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return
    match = getattr(request, "resolver_match", None)
    route = match.route if match else request.path
    key = hashlib.sha256(f"{user.pk}|{request.method}|{route}".encode()).hexdigest()[:32]
    method, path = request.method, request.path

    def count_and_maybe_record() -> None:
        count = counters.incr(f"denied:{key}", DENIAL_WINDOW_SECONDS)
        if count == 1 or count % 100 == 0:
            record(
                action="permission.denied",
                actor=user,
                object_type="request",
                data={"method": method, "path": path, "reason": reason, "denials_in_hour": count},
            )

    # The refused request's transaction is rolled back; the refusal itself is counted (and
    # recorded) after it.
    after_request(count_and_maybe_record)


def json_400(request, exception=None):
    """Requests Django refuses before any view (SuspiciousOperation): too large a body is 413."""
    too_large = isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if too_large:
        body = problem(
            413,
            _(
                "The request body is larger than this service accepts (%(limit)s bytes; "
                "documents up to %(document_limit)s bytes as multipart uploads)."
            )
            % {
                "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                "document_limit": settings.ANBUD_MAX_UPLOAD_BYTES,
            },
            code="too_large",
        )
    else:
        body = problem(400, _("The request could not be read."), code="bad_request")
    return JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)


def json_404(request, exception=None):
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    body = problem(404, _("There is nothing at this address."), code="not_found")
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
logger = logging.getLogger("anbud.outage")


def _database_unavailable(request, exc) -> HttpResponse:
    """503 while the database cannot be reached: one log line, no traceback, Retry-After."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    logger.warning(
        "database unavailable: %s %s -> 503 (%s: %s)",
        request.method,
        request.path,
        exc.__class__.__name__,
        first_line,
    )
    if request.path.startswith("/api/"):
        body = problem(
            503,
            _("The database cannot be reached just now; nothing was changed. Try again shortly."),
            code="database_unavailable",
        )
        body["title"] = _("Service unavailable")
        response: HttpResponse = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(
            "Anbud cannot reach its database just now. Try again in a moment.",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # our one line stands for Django's traceback (django.utils.log reads this private flag,
    # which django-stubs do not declare)
    response._has_been_logged = True  # type: ignore[attr-defined]  # the flag Django's request logging reads
    return response


def json_500(request):
    """Uncaught errors. Called inside Django's exception handling, so the error is at hand."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return _database_unavailable(request, exc)
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    body = problem(500, _("An unexpected error happened; it has been logged."), code="server_error")
    body["title"] = _("Server error")
    return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
