"""Domain errors. Services raise them; the API maps each kind to an HTTP status.

Each error has a stable ``code`` (machine-readable), a ``message`` a person understands and,
where useful, field ``errors`` ({"field": JSON pointer, "code", "message"}) and ``extra`` facts
such as the current state or the list of what is missing.
"""

from typing import Any


def field_error(field: str, code: str, message: str) -> dict[str, str]:
    """One entry of an error's ``errors``: the field as a JSON Pointer, a code, a message."""
    return {"field": field, "code": code, "message": message}


class DomainError(Exception):
    status = 400
    title = "Invalid request"
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
    title = "Invalid input"
    default_code = "invalid"


class StateConflict(DomainError):
    """The object is in the wrong state for this action (HTTP 409)."""

    status = 409
    title = "Conflict with the current state"
    default_code = "wrong_state"


class NotAllowed(DomainError):
    status = 403
    title = "Not allowed"
    default_code = "permission_denied"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    default_code = "not_found"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition failed"
    default_code = "stale_version"


class FileTooLarge(DomainError):
    status = 413
    title = "File too large"
    default_code = "file_too_large"


class UnsupportedFileType(DomainError):
    status = 415
    title = "Unsupported file type"
    default_code = "unsupported_media_type"
