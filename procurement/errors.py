"""Domain errors. Services raise them; the API maps each kind to an HTTP status.

Each error has a stable ``code`` (machine-readable), a ``message`` a person understands and,
where useful, field ``errors`` ({"field": JSON pointer, "code", "message"}) and ``extra`` facts
such as the current state or the list of what is missing.

Messages and titles are translatable: services build messages with ``gettext`` while a request
is being handled, so they are in the request's language (API.md: ``?lang``, Accept-Language).
``code`` values and the ``extra`` facts stay machine-readable.
"""

from typing import Any

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

# A status inside a sentence ("The tender is %(status)s"): English keeps the status value as it
# is; other languages give the word that fits the noun ("Upphandlingen är publicerad").
_TENDER_STATUS = {
    "draft": pgettext_lazy("tender status", "draft"),
    "published": pgettext_lazy("tender status", "published"),
    "closed": pgettext_lazy("tender status", "closed"),
    "opening": pgettext_lazy("tender status", "opening"),
    "opened": pgettext_lazy("tender status", "opened"),
    "evaluated": pgettext_lazy("tender status", "evaluated"),
    "awarded": pgettext_lazy("tender status", "awarded"),
    "cancelled": pgettext_lazy("tender status", "cancelled"),
}
_BID_STATUS = {
    "draft": pgettext_lazy("bid status", "draft"),
    "submitted": pgettext_lazy("bid status", "submitted"),
    "superseded": pgettext_lazy("bid status", "superseded"),
    "withdrawn": pgettext_lazy("bid status", "withdrawn"),
}
_EVALUATION_STATUS = {
    "queued": pgettext_lazy("evaluation status", "queued"),
    "running": pgettext_lazy("evaluation status", "running"),
    "done": pgettext_lazy("evaluation status", "done"),
    "failed": pgettext_lazy("evaluation status", "failed"),
}


def tender_status(value: str) -> str:
    return str(_TENDER_STATUS.get(str(value), value))


def bid_status(value: str) -> str:
    return str(_BID_STATUS.get(str(value), value))


def evaluation_status(value: str) -> str:
    return str(_EVALUATION_STATUS.get(str(value), value))


def field_error(field: str, code: str, message: str) -> dict[str, str]:
    """One entry of an error's ``errors``: the field as a JSON Pointer, a code, a message."""
    return {"field": field, "code": code, "message": message}


class DomainError(Exception):
    status = 400
    title = gettext_lazy("Invalid request")
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        errors: list[dict[str, str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.errors = errors or []
        self.extra = extra


class InvalidInput(DomainError):
    status = 400
    title = gettext_lazy("Invalid input")
    default_code = "invalid"


class StateConflict(DomainError):
    """The object is in the wrong state for this action (HTTP 409)."""

    status = 409
    title = gettext_lazy("Conflict with the current state")
    default_code = "wrong_state"


class NotAllowed(DomainError):
    status = 403
    title = gettext_lazy("Not allowed")
    default_code = "permission_denied"


class NotFound(DomainError):
    status = 404
    title = gettext_lazy("Not found")
    default_code = "not_found"


class PreconditionFailed(DomainError):
    status = 412
    title = gettext_lazy("Precondition failed")
    default_code = "stale_version"


class FileTooLarge(DomainError):
    status = 413
    title = gettext_lazy("File too large")
    default_code = "file_too_large"


class UnsupportedFileType(DomainError):
    status = 415
    title = gettext_lazy("Unsupported file type")
    default_code = "unsupported_media_type"


def in_language(texts: dict[str, str]) -> str:
    """A text that carries both languages ({"sv", "en"}) in the active language (else English)."""
    language = (get_language() or "en").split("-")[0]
    return texts.get(language) or texts.get("en", "")
