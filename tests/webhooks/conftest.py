"""A real HTTP receiver on loopback, started by the test, and endpoints pointing at it.

The receiver checks nothing itself: the tests verify each request as a receiving system would
(tests/webhooks/verify.py), independently of webhooks.signing.
"""

import http.server
import threading
import time

import pytest

from webhooks import services


class Receiver:
    """Records every request; answers each with the next of ``answers`` (then 204)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length),
                        "received_at": time.time(),
                    }
                )
                status, headers = receiver.answers.pop(0) if receiver.answers else (204, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses: int | tuple[int, dict[str, str]]) -> None:
        for status in statuses:
            self.answers.append(status if isinstance(status, tuple) else (status, {}))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = True
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(loopback_allowed):
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def endpoint_for(receiver):
    """endpoint_for(officer, events=[...]) -> (endpoint, secret), pointing at the receiver."""

    def make(officer, events=("tender.published",), path="/hooks"):
        created = services.create_endpoint(
            actor=officer,
            organization=officer.organization,
            url=receiver.url(path),
            events=list(events),
        )
        return created.endpoint, created.secret

    return make
