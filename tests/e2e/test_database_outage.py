"""While the database is down the API answers 503 with Retry-After (never a 500), the log gets
one line per request and no traceback, and the first request after the database is back
succeeds even with persistent connections.

The test starts a private PostgreSQL cluster of its own (initdb as the postgres user), serves
Anbud (python -m config.server) against it, and stops and starts that cluster.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench._server import free_port, serving

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow]


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def _as_postgres(*args: str) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)


def _call(method: str, url: str, headers=None):
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310 - loopback
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()  # headers: case-insensitive, as HTTP's are


@pytest.fixture
def cluster():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl or (os.geteuid() == 0 and not shutil.which("runuser")):
        pytest.skip("needs PostgreSQL's initdb and pg_ctl")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("needs a postgres user to run a private cluster as root")
    base = Path(tempfile.mkdtemp(prefix="anbud-pg-"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    _as_postgres(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"

    class Cluster:
        url = f"postgres://postgres@127.0.0.1:{port}/postgres"

        def start(self):
            _as_postgres(
                pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"
            )

        def stop(self):
            _as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")

    instance = Cluster()
    instance.start()
    try:
        yield instance
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(data), "-m", "immediate", "stop"]
            if os.geteuid() == 0
            else [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_a_database_outage_answers_503_and_the_service_recovers(cluster, tmp_path):
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "DB_CONN_MAX_AGE": "60",
        "ANBUD_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "",
    }
    with serving(env, log, workers=1, threads=2) as (base, _):
        # A write request opens a transaction (so it touches the database); anonymous, it is 401.
        write = ("POST", f"{base}/api/v1/tenders/")
        read = ("GET", f"{base}/api/v1/tenders/", {"Authorization": "Token " + "0" * 64})
        assert _call(*write)[0] == 401  # the connection now persists (DB_CONN_MAX_AGE)

        cluster.stop()
        for call in (write, read, write):
            status, headers, body = _call(*call)
            assert status == 503, body[:500]
            assert headers["Content-Type"] == "application/problem+json"
            assert headers["Retry-After"] == "5"
            assert b'"code":"database_unavailable"' in body.replace(b" ", b"")
        status, _, body = _call("GET", f"{base}/readyz")
        assert status == 503 and b"database" in body

        cluster.start()
        assert _call(*write)[0] == 401  # the first request after the restart already works

    text = log.read_text()
    assert "Traceback" not in text, text[-3000:]
    assert text.count("database unavailable:") == 3
