"""Start Anbud as `make run` serves it (python -m config.server) on a free loopback port, for
benchmarks and end-to-end tests.

A helper, not a benchmark: `make bench` skips modules whose name starts with an underscore."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(env: dict, log: Path, *, workers=2, threads=2, port: int | None = None):
    """Yield the base URL and port of Anbud served with ``env``; stop it afterwards."""
    port = port or free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "config.server", "--port", str(port),
            "--workers", str(workers), "--no-access-log",
        ],
        cwd=ROOT, env={**env, "WEB_THREADS": str(threads)}, stdout=log.open("wb"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    if sock.recv(12).startswith(b"HTTP/1.1 200"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the server did not start: " + log.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
