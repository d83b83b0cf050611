"""https to a name: the name is resolved and checked, the socket goes to that address, and
the certificate is still verified against the name (SNI and hostname check)."""

import datetime as dt
import http.server
import socket
import ssl
import threading

import pytest
from django.utils import timezone

from webhooks import services, transport
from webhooks.models import Delivery

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

pytestmark = pytest.mark.django_db

NAME = "hooks.region.example"


def _certificate(tmp_path, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path):
    cert_file, key_file = _certificate(tmp_path, NAME)
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({"host": self.headers["Host"], "sni": self.connection.server_hostname})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, name, ctx: setattr(sock, "server_hostname", name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert_file, seen
    server.shutdown()
    server.server_close()


def test_https_to_a_name_is_pinned_to_the_checked_address_and_verified(
    officer, settings, monkeypatch, tls_receiver, django_capture_on_commit_callbacks
):
    port, cert_file, seen = tls_receiver
    settings.ANBUD_WEBHOOK_ALLOW_HTTP = False
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        if host == NAME:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    trusting = ssl.create_default_context(cafile=cert_file)
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: trusting)
    endpoint = services.create_endpoint(
        actor=officer,
        organization=officer.organization,
        url=f"https://{NAME}:{port}/hooks",
        events=["tender.published"],
    ).endpoint
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_endpoint(endpoint=endpoint, actor=officer)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.response_status) == ("delivered", 200), delivery.error
    assert seen == [{"host": f"{NAME}:{port}", "sni": NAME}]


def test_a_certificate_for_another_name_fails(
    officer, settings, monkeypatch, tls_receiver, django_capture_on_commit_callbacks
):
    port, cert_file, seen = tls_receiver
    settings.ANBUD_WEBHOOK_ALLOW_PRIVATE = True
    real = socket.getaddrinfo

    def resolve(host, port_, *args, **kwargs):
        if host == "other.region.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port_))]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    trusting = ssl.create_default_context(cafile=cert_file)
    monkeypatch.setattr(transport.ssl, "create_default_context", lambda: trusting)
    endpoint = services.create_endpoint(
        actor=officer,
        organization=officer.organization,
        url=f"https://other.region.example:{port}/hooks",
        events=["tender.published"],
    ).endpoint
    with django_capture_on_commit_callbacks(execute=True):
        services.ping_endpoint(endpoint=endpoint, actor=officer)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.response_status is None
    assert "certificate" in delivery.error.lower() or "hostname" in delivery.error.lower()
    assert seen == []
