"""The ASGI entry point: whole requests are read in the event loop, stamped, then answered in a
thread (served by ``python -m config.server``; docs/adr/0008-time-of-receipt.md).

Django's own ASGIHandler runs every request's synchronous views on a new thread of its own, so
each request opens a new database connection; this handler keeps Django's request parsing and
response sending, but answers with the synchronous middleware chain (as under WSGI) on a small
pool of long-lived request threads (``WEB_THREADS``), whose database connections persist.

What it guarantees:

- **Time of receipt.** ``request.META["anbud.received_at"]`` is the moment the last byte of the
  request's body had arrived, taken in the event loop before the request waits for a thread.
  A request that is still arriving at the deadline is stamped after it, however early it began.
- **Slow clients hold no thread.** Headers are timed by the server (config.server); the body
  here: each part must arrive within ``ANBUD_BODY_TIMEOUT_SECONDS`` (20), and the whole body
  at no less than ``ANBUD_BODY_MIN_BYTES_PER_SECOND`` (500) on average after that allowance,
  else 408 and the connection is closed. A body larger than the largest document
  (``ANBUD_MAX_UPLOAD_BYTES``) plus 1 MiB of form fields is refused with 413 as soon as its
  Content-Length, or its bytes so far, say so.
- **Slow readers hold no thread.** A response is complete before it is sent: streamed ones
  (exports, downloads) are written to a spooled temporary file by the request thread, which
  is then free; the event loop sends the file at the client's pace.
"""

import asyncio
import json
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

# After setup: these import the project's settings and apps.
from django.conf import settings  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers import base  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.http import HttpResponseBadRequest  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402

RECEIVED_AT = "anbud.received_at"
SPOOL_IN_MEMORY = 1024 * 1024
FORM_FIELDS_ALLOWANCE = 1024 * 1024

logger = logging.getLogger("anbud.server")


class _Refused(Exception):
    def __init__(self, status: int, title: str, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.code = status, title, detail, code


def _problem_body(refused: _Refused) -> bytes:
    return json.dumps(
        {
            "type": f"https://anbud.example/problems/{refused.code}",
            "title": refused.title,
            "status": refused.status,
            "detail": refused.detail,
            "code": refused.code,
        }
    ).encode()


class ReceiptASGIHandler(ASGIHandler):
    def __init__(self, threads: int | None = None) -> None:
        base.BaseHandler.__init__(self)
        # The synchronous chain, as under WSGI: the request threads run it start to end.
        self.load_middleware(is_async=False)
        self.threads = threads or int(os.environ.get("WEB_THREADS") or 2)
        self._pool: ThreadPoolExecutor | None = None
        self.body_timeout = float(settings.ANBUD_BODY_TIMEOUT_SECONDS)
        self.body_min_rate = float(settings.ANBUD_BODY_MIN_BYTES_PER_SECOND)
        self.max_body = int(settings.ANBUD_MAX_UPLOAD_BYTES) + FORM_FIELDS_ALLOWANCE

    @property
    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="anbud-request")
        return self._pool

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"Anbud serves HTTP only, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._pool is not None:
                    await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, scope, receive, send):
        try:
            body = await self.read_body(receive, scope)
        except RequestAborted:
            return
        except _Refused as refused:
            await self._refuse(refused, send)
            return
        received_at = time.time()
        loop = asyncio.get_running_loop()
        try:
            response, spool = await loop.run_in_executor(
                self.pool, self._respond, scope, body, received_at
            )
        finally:
            body.close()
        try:
            await self._send(response, spool, send)
        except OSError:
            pass  # the client went away while we answered
        finally:
            if spool is not None:
                spool.close()

    async def read_body(self, receive, scope=None):
        """The whole body, or ``_Refused`` (408, 413) when it is too slow or too large."""
        declared = _content_length(scope) if scope is not None else None
        if declared is not None and declared > self.max_body:
            raise _too_large(self.max_body)
        # Closed by handle() once the request is answered, or below when it is refused.
        body = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b"
        )
        started = time.monotonic()
        size = 0
        try:
            while True:
                # Each part within the timeout, and the whole at the minimum rate after it.
                allowed = started + self.body_timeout + size / self.body_min_rate
                wait = min(self.body_timeout, allowed - time.monotonic())
                try:
                    async with asyncio.timeout(max(wait, 0.0)):
                        message = await receive()
                except TimeoutError:
                    raise _Refused(
                        408,
                        "Request Timeout",
                        "The request's body did not arrive in time "
                        f"({size} bytes received); send it again, at once.",
                        "request_timeout",
                    ) from None
                if message["type"] == "http.disconnect":
                    raise RequestAborted()
                chunk = message.get("body", b"")
                if chunk:
                    size += len(chunk)
                    if size > self.max_body:
                        raise _too_large(self.max_body)
                    body.write(chunk)
                if not message.get("more_body", False):
                    break
        except BaseException:
            body.close()
            raise
        body.seek(0)
        return body

    def _respond(self, scope, body, received_at: float):
        """In a request thread: the middleware chain and the view, then the whole response."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refusal = self.create_request(scope, body)
        if request is not None:
            request.META[RECEIVED_AT] = received_at
            response = self.get_response(request)
        elif refusal is not None:
            response = refusal
        else:  # pragma: no cover - create_request gives one or the other
            response = HttpResponseBadRequest()
        spool = None
        try:
            if response.streaming:
                # Closed by handle() once it is sent.
                spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b")  # noqa: SIM115
                for part in response:
                    spool.write(part)
                if not response.has_header("Content-Length"):
                    response["Content-Length"] = str(spool.tell())
                spool.seek(0)
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        finally:
            # request_finished: this thread's database connections are looked after here.
            response.close()
        return response, spool

    async def _send(self, response, spool, send) -> None:
        headers = []
        for name, value in response.items():
            headers.append((name.encode("ascii"), value.encode("latin1")))
        for cookie in response.cookies.values():
            headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        if spool is None:
            for chunk, last in self.chunk_bytes(response.content):
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})
            return
        while chunk := spool.read(self.chunk_size):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, refused: _Refused, send) -> None:
        body = _problem_body(refused)
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limit: int) -> _Refused:
    return _Refused(
        413,
        "Request Entity Too Large",
        f"The request body is larger than {limit} bytes.",
        "too_large",
    )


application = ReceiptASGIHandler()
