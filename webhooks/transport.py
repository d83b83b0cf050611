"""Sending one request to an endpoint, safely (API.md, "Second wave").

- https only, unless ANBUD_WEBHOOK_ALLOW_HTTP;
- public addresses only, unless ANBUD_WEBHOOK_ALLOW_PRIVATE: the name is resolved here, every
  address it resolves to must be public (not private, loopback, link-local, reserved,
  multicast, shared or unspecified), and the connection goes to the address that was checked,
  so DNS cannot answer differently between the check and the connection (rebinding);
- no redirect is followed (a 3xx is a failure), a short timeout, and at most
  ``MAX_RESPONSE_BYTES`` of the answer are read (and then thrown away).
"""

import http.client
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024
# The whole answer within this many timeouts (a server dripping bytes is cut off).
READ_BUDGET_TIMEOUTS = 2
USER_AGENT = "Anbud-Webhooks/1"

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The target is not one Anbud may send to (a reason in words)."""


@dataclass(frozen=True)
class Outcome:
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _allow_http() -> bool:
    return bool(settings.ANBUD_WEBHOOK_ALLOW_HTTP)


def _allow_private() -> bool:
    return bool(settings.ANBUD_WEBHOOK_ALLOW_PRIVATE)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_global
        and not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_reserved
            or ip.is_multicast
            or ip.is_unspecified
        )
    )


def _literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_url(url: str) -> list[tuple[str, str]]:
    """What is wrong with ``url`` as a target, before any DNS look-up: [(code, message)].
    Names are resolved (and checked again) at each send."""
    problems: list[tuple[str, str]] = []
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [("invalid_url", _("Not a valid URL."))]
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return [("invalid_url", _("An absolute https URL, e.g. https://example.org/hooks."))]
    if parts.scheme == "http" and not _allow_http():
        problems.append(("https_required", _("Webhooks are sent over https only.")))
    if parts.username is not None or parts.password is not None:
        problems.append(("credentials_in_url", _("A URL without a user name or password.")))
    if parts.fragment:
        problems.append(("fragment_in_url", _("A URL without a fragment (#...).")))
    if port == 0:
        problems.append(("invalid_url", _("Not a valid port.")))
    host = parts.hostname.lower()
    literal = _literal_address(host)
    private_name = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
    if not _allow_private() and (private_name or (literal and not is_public(literal))):
        problems.append(
            ("private_address", _("Webhooks are sent to public internet addresses only."))
        )
    return problems


def _resolve(host: str, port: int) -> str:
    """The address to connect to: every address the name has must be allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(_("The name could not be resolved: %(error)s") % {"error": exc}) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise Refused(_("The name has no address."))
    if not _allow_private():
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    _("%(host)s resolves to %(address)s, which is not a public address.")
                    % {"host": host, "address": address}
                )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, while the socket is the checked address.
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url``; an Outcome (never raises for the network's failures)."""
    problems = check_url(url)
    if problems:
        return Outcome(None, problems[0][1])
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    timeout = float(settings.ANBUD_WEBHOOK_TIMEOUT_SECONDS)
    try:
        address = _resolve(host, port)
    except Refused as refused:
        return Outcome(None, str(refused))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    connection: http.client.HTTPConnection | None = None
    try:
        if parts.scheme == "https":
            connection = _PinnedHTTPSConnection(
                host, port, address=address, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = _PinnedHTTPConnection(host, port, address=address, timeout=timeout)
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        deadline = time.monotonic() + timeout * READ_BUDGET_TIMEOUTS
        left = MAX_RESPONSE_BYTES
        while left > 0 and time.monotonic() < deadline:
            chunk = response.read(min(left, 8192))
            if not chunk:
                break
            left -= len(chunk)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, (str(exc) or type(exc).__name__)[:300])
    except Exception as exc:
        # Whatever else goes wrong is this attempt's failure, never a delivery stuck claimed.
        logger.exception("webhook delivery to %s failed unexpectedly", host)
        return Outcome(None, (str(exc) or type(exc).__name__)[:300])
    finally:
        if connection is not None:
            connection.close()
    if 300 <= status < 400:
        return Outcome(status, _("A redirect (not followed)."))
    if not 200 <= status < 300:
        return Outcome(status, _("The endpoint answered %(status)s.") % {"status": status})
    return Outcome(status)
