"""Start Anbud under gunicorn on a free loopback port, for benchmarks and end-to-end tests.

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
WORKER_CLASS = "config.gunicorn_worker.ReceiptThreadWorker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(env: dict, log: Path, *, workers=2, threads=2, worker_class=WORKER_CLASS):
    """Yield the base URL of a gunicorn serving Anbud with ``env``; stop it afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", str(threads), "--worker-class", worker_class,
            "--timeout", "120", "--backlog", "2048",
        ],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "gunicorn did not start: " + log.read_text(errors="replace")[-3000:]
                    ) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
