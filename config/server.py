"""Serve Anbud: uvicorn's event loop reads each whole request, then Django answers it in a thread.

    .venv/bin/python -m config.server [--host 127.0.0.1] [--port 8000]

A bid's time of receipt is the moment its complete request (headers and body) had arrived
(docs/adr/0008-time-of-receipt.md). So the request is read by an event loop, which a slow or
stalled client cannot block, and only a complete request is handed to one of a few request
threads (``config.asgi``). The event loop stamps it first, before it waits for a thread, a lock
or the database.

The limits a client meets here, each set from the environment:

- ``ANBUD_HEADER_TIMEOUT_SECONDS`` (10): from the first byte of a request to the end of its
  headers. A client that has not finished by then gets 408 and the connection is closed.
- ``ANBUD_MAX_HEADER_BYTES`` (65,536): the request line and headers together; more is 431.
  The request target alone is at most 4,094 bytes (414), as the OpenAPI document says.
- ``ANBUD_KEEP_ALIVE_SECONDS`` (320): how long an idle connection, new or kept alive, waits for
  its next request. Longer than the common client pools keep theirs (httpx 5 s, Node's undici
  4 s, aiohttp 15 s, Go 90 s, OkHttp 300 s), so that the client, not the server, ends an idle
  connection, and a request sent on a pooled connection is never met by a closing one.
- the body's limits (time, rate, size) are the application's: ``config.asgi``.

uvicorn's own proxy-header handling is off: the client address comes from
``ANBUD_TRUSTED_PROXIES`` (audit.middleware.client_address), as before.

``WEB_CONCURRENCY`` processes (2) each run one event loop and ``WEB_THREADS`` request threads (2).
"""

import argparse
import asyncio
import json
import os

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE = 320
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
# The request target, as the OpenAPI document states (414 beyond it).
MAX_URL_BYTES = 4094


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _problem(status: int, title: str, detail: str, code: str) -> bytes:
    body = json.dumps(
        {
            "type": f"https://anbud.example/problems/{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode()
    return b"".join(
        [
            f"HTTP/1.1 {status} {title}\r\n".encode("ascii"),
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class ReceiptProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a time limit on headers and on idle connections.

    uvicorn closes a kept-alive connection that stays idle, but a new connection, or one that
    sends half a request line, may otherwise stay open for as long as the client likes. Here
    every connection is always under one of two clocks: idle (``keep_alive``) until a request
    begins, then ``header_timeout`` until its headers are complete. The body is the
    application's to time (config.asgi), as it alone knows the size it will accept.
    """

    # Read when the module is imported: each worker process imports it with the same environment.
    header_timeout = _env_float("ANBUD_HEADER_TIMEOUT_SECONDS", DEFAULT_HEADER_TIMEOUT)
    max_header_bytes = int(_env_float("ANBUD_MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._in_headers = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        # A new connection is idle until its first request begins.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._in_headers = True
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def on_url(self, url: bytes) -> None:
        self._count_header_bytes(len(url))
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES and not self.transport.is_closing():
            self._refuse(
                414,
                "URI Too Long",
                f"The request target is longer than {MAX_URL_BYTES} bytes.",
                "uri_too_long",
            )

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_header_bytes(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def _count_header_bytes(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
            self._refuse(
                431,
                "Request Header Fields Too Large",
                f"The request line and headers exceed {self.max_header_bytes} bytes.",
                "headers_too_large",
            )

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self._in_headers and not self.transport.is_closing():
            self._refuse(
                408,
                "Request Timeout",
                f"The request's headers did not arrive within {self.header_timeout:g} s.",
                "request_timeout",
            )

    def _refuse(self, status: int, title: str, detail: str, code: str) -> None:
        self._cancel_header_timer()
        self._unset_keepalive_if_required()
        self.transport.write(_problem(status, title, detail, code))
        self.transport.close()

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None


def options(*, host: str, port: int, workers: int | None = None, access_log: bool = True) -> dict:
    """uvicorn's settings as `make run`, the benchmarks and the tests serve with them."""
    return {
        "app": "config.asgi:application",
        "host": host,
        "port": port,
        "workers": workers or int(os.environ.get("WEB_CONCURRENCY") or 2),
        "http": "config.server:ReceiptProtocol",
        "loop": "uvloop",
        "lifespan": "on",
        "proxy_headers": False,
        "server_header": False,
        "access_log": access_log,
        "timeout_keep_alive": int(_env_float("ANBUD_KEEP_ALIVE_SECONDS", DEFAULT_KEEP_ALIVE)),
        "timeout_graceful_shutdown": 30,
        "backlog": 2048,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--workers", type=int, default=None, help="default: WEB_CONCURRENCY")
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args(argv)
    uvicorn.run(
        **options(
            host=args.host, port=args.port, workers=args.workers, access_log=not args.no_access_log
        )
    )


if __name__ == "__main__":
    main()
