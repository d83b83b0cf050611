"""Who and where a change comes from: the request id and client address of the current request.

Services are called from the API, the admin, Celery and management commands; only the first two
have a request. A context variable carries the request's facts to ``audit.services.record``
without passing ``request`` into services.

``received_at`` is the server's clock when the request entered the application, before any
queue or lock in our code: the time of receipt of a bid (a tender received before the deadline
must be accepted, however long it then waits for a database lock).

``deferred`` holds audit events that must outlive the request's transaction: a refused write
rolls back everything it changed, but the refusal itself is recorded once the rollback is done.
"""

import contextvars
import datetime
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str = ""
    via: str = ""
    received_at: datetime.datetime | None = None
    deferred: list[dict[str, Any]] | None = field(default=None, compare=False)


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
