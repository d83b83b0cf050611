"""Hostile clients against Anbud served as `make run` serves it (python -m config.server).

A bid's time of receipt is the moment its complete request had arrived: a submit or a
withdrawal that began before the deadline and finished after it is late. Stalled clients hold
no thread: with 50 of them open, /healthz and a submit still answer at once. Headers and bodies
have time limits; an idle kept-alive connection outlives the common client pools.

The tests that need a tender share the test database with the server, so they run on
PostgreSQL (as .ci/run does); the others run on any database.
"""

import datetime as dt
import http.client
import json
import os
import socket
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bench._server import serving
from bench.deadline import build
from procurement.models import Bid, Tender

pytestmark = [pytest.mark.slow]

STALLED = 50


def _server_env(tmp_path: Path, **extra) -> dict:
    env = {**os.environ, "ANBUD_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "", **extra}
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    return env


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs DATABASE_URL=PostgreSQL (as .ci/run sets): the server shares the database"
        )


def _stall(port: int, count: int) -> list[socket.socket]:
    """Half stop inside a request line; half promise a body they never send."""
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        else:
            sock.sendall(
                b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100000\r\n\r\n{"
            )
        sockets.append(sock)
    return sockets


def _timed_get(port: int, path: str) -> tuple[int, float]:
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    status = conn.getresponse().status
    conn.close()
    return status, time.monotonic() - began


def _post(port: int, path: str, token: str) -> tuple[int, dict, float]:
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, headers={"Authorization": f"Token {token}", "Content-Length": "0"})
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    conn.close()
    return response.status, body, time.monotonic() - began


def _straddle(port: int, path: str, token: str, *, finish_at: float) -> tuple[int, dict]:
    """Send the headers and the first byte of the body now, the last byte at ``finish_at``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{"
        ).encode()
    )
    time.sleep(max(0.0, finish_at - time.time()))
    sock.sendall(b"}")
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = json.loads(response.read() or b"{}")
    sock.close()
    return response.status, body


def _raw(port: int, payload: bytes, *, wait: float = 15) -> bytes:
    sock = socket.create_connection(("127.0.0.1", port), timeout=wait)
    sock.sendall(payload)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pass
    sock.close()
    return received


@pytest.mark.django_db(transaction=True)
def test_a_submit_and_a_withdrawal_finished_after_the_deadline_are_refused(tmp_path):
    _needs_postgresql()
    tender, bidders = build(3)
    (late_bid, late_token), (binding_bid, binding_token), (_, _) = bidders
    with serving(_server_env(tmp_path), tmp_path / "server.log") as (_, port):
        # A submitted bid whose withdrawal will straddle the deadline.
        assert _post(port, f"/api/v1/bids/{binding_bid}/submit/", binding_token)[0] == 200
        deadline_ts = time.time() + 1.5
        Tender.objects.filter(pk=tender.pk).update(
            submission_deadline=dt.datetime.fromtimestamp(deadline_ts, tz=dt.UTC)
        )
        submit = _straddle(
            port, f"/api/v1/bids/{late_bid}/submit/", late_token, finish_at=deadline_ts + 1.0
        )
        withdraw = _straddle(
            port, f"/api/v1/bids/{binding_bid}/withdraw/", binding_token, finish_at=time.time() + 1
        )

    assert submit[0] == 409 and submit[1]["code"] == "deadline_passed", submit
    assert withdraw[0] == 409 and withdraw[1]["code"] == "deadline_passed", withdraw
    assert Bid.objects.get(pk=late_bid).status == Bid.Status.DRAFT
    assert Bid.objects.get(pk=late_bid).submitted_at is None
    assert Bid.objects.get(pk=binding_bid).status == Bid.Status.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_fifty_stalled_connections_leave_healthz_and_a_submit_answering_at_once(tmp_path):
    _needs_postgresql()
    _tender, bidders = build(1)
    ((bid_id, token),) = bidders
    with serving(_server_env(tmp_path), tmp_path / "server.log") as (_, port):
        stalled = _stall(port, STALLED)
        try:
            time.sleep(0.5)
            health = [_timed_get(port, "/healthz") for _ in range(5)]
            status, body, elapsed = _post(port, f"/api/v1/bids/{bid_id}/submit/", token)
        finally:
            for sock in stalled:
                sock.close()
    assert all(code == 200 for code, _ in health)
    assert max(seconds for _, seconds in health) < 1.0, health
    assert status == 200 and body["status"] == "submitted", body
    assert elapsed < 1.0


def test_stalled_connections_hold_no_thread_and_are_timed_out(tmp_path):
    env = _server_env(tmp_path, ANBUD_HEADER_TIMEOUT_SECONDS="1", ANBUD_BODY_TIMEOUT_SECONDS="1")
    with serving(env, tmp_path / "server.log", workers=1, threads=1) as (_, port):
        stalled = _stall(port, STALLED)
        try:
            time.sleep(0.3)
            health = [_timed_get(port, "/healthz") for _ in range(5)]
        finally:
            for sock in stalled:
                sock.close()
        # Half a request line: 408 once the header time is up, and the connection closed.
        headers = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", wait=5)
        # A Content-Length that lies: 408 once the body time is up.
        body = _raw(
            port,
            b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50\r\n\r\n{",
            wait=5,
        )
    # One request thread, and 50 stalled clients did not take it.
    assert all(code == 200 for code, _ in health)
    assert max(seconds for _, seconds in health) < 1.0, health
    assert headers.startswith(b"HTTP/1.1 408"), headers
    assert b'"code": "request_timeout"' in headers
    assert body.startswith(b"HTTP/1.1 408"), body
    assert b"application/problem+json" in body


def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(tmp_path):
    env = _server_env(tmp_path, ANBUD_MAX_UPLOAD_BYTES="1000")
    with serving(env, tmp_path / "server.log", workers=1) as (_, port):
        started = time.monotonic()
        answer = _raw(
            port,
            b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n{",
            wait=5,
        )
        too_long = _raw(port, b"GET /healthz?" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert time.monotonic() - started < 2
    assert too_long.startswith(b"HTTP/1.1 414"), too_long


def test_a_kept_alive_connection_reused_after_a_pause_is_answered(tmp_path):
    with serving(_server_env(tmp_path), tmp_path / "server.log", workers=1) as (_, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        time.sleep(6)  # longer than gunicorn's 2 s, httpx's 5 s and undici's 4 s
        conn.request(
            "POST", "/api/v1/auth/token/", body=b"{}", headers={"Content-Type": "application/json"}
        )
        second = conn.getresponse()
        second.read()
        assert conn.sock is sock  # the same connection, not a new one
        conn.close()
    assert first.status == 200
    assert second.status == 400
