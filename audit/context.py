"""Who and where a change comes from: the request id and client address of the current request.

Services are called from the API, the admin, Celery and management commands; only the first two
have a request. A context variable carries the request's facts to ``audit.services.record``
without passing ``request`` into services.
"""

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str = ""
    via: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "anbud_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
