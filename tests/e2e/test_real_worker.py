"""A whole tender through HTTP against PostgreSQL, a Redis broker and a separate Celery worker
process, from creation to award, including a worker killed in the middle of a run that then
completes after a retry with the same result hash.

Runs where the real parts run (CI sets DATABASE_URL to PostgreSQL and CELERY_BROKER_URL to
Redis); elsewhere it is skipped with the reason.
"""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from procurement.models import ApiToken, Tender
from tests.factories import BuyerFactory, SupplierFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.real_worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _needs_real_parts():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        pytest.skip("needs DATABASE_URL=PostgreSQL and CELERY_BROKER_URL (as .ci/run sets)")


class Http:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None) -> tuple[int, dict, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the live_server URL
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - live_server
                return (
                    response.status,
                    json.loads(response.read() or b"null"),
                    dict(response.headers),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)


def _token(user) -> str:
    # The test moves the clock past the deadline, days ahead: tokens as an integration has them.
    return ApiToken.objects.create(user=user, expiry=None)[1]


def _start_worker(
    database_name: str, delay: int, log_path: Path, **extra_env: str
) -> subprocess.Popen:
    url = settings.DATABASES["default"]
    env = {
        **os.environ,
        **extra_env,
        "DATABASE_URL": f"postgres://{url['USER']}@{url['HOST'] or '127.0.0.1'}:{url['PORT'] or 5432}/{database_name}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "ANBUD_FAULT_INJECT_RUN_DELAY": str(delay),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--purge",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _until_ready(worker: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b" ready." in log_path.read_bytes():
            return
        assert worker.poll() is None, log_path.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    raise AssertionError(
        "the worker never became ready: " + log_path.read_text(errors="replace")[-3000:]
    )


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _wait(http: Http, location: str, until, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body, _ = http.call("GET", location)
        if status == 200 and until(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{location} never reached the state; last: {body}")


def test_tender_from_creation_to_award_with_a_killed_worker(live_server, time_machine, tmp_path):
    _needs_real_parts()

    buyer = BuyerFactory(name="Region Live")
    officer = Http(
        live_server.url + "/api/v1", _token(UserFactory(role="officer", organization=buyer))
    )
    officer2 = Http(
        live_server.url + "/api/v1", _token(UserFactory(role="officer", organization=buyer))
    )
    bidders = [
        Http(
            live_server.url + "/api/v1",
            _token(UserFactory(role="bidder", organization=SupplierFactory())),
        )
        for _ in range(3)
    ]
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    status, tender, _ = officer.call(
        "POST",
        "/tenders/",
        {
            "reference": "LIVE-1",
            "title": "Ägg",
            "procedure": "open",
            "currency": "SEK",
            "submission_deadline": deadline.isoformat().replace("+00:00", "Z"),
            "no_lots_reason": "One product",
            "evaluation": {
                "method": "weighted_points",
                "price_weight": "60",
                "price_scoring": "absolute",
                "price_ceiling": "200000",
            },
        },
    )
    assert status == 201, tender
    status, fuel, _ = officer.call(
        "POST",
        f"/tenders/{tender['id']}/criteria/",
        {
            "definition": {
                "code": "ENV-FUEL",
                "title": "Bränsle",
                "category": "environmental",
                "kind": "award",
                "rule": {"type": "linear", "worst": "0", "best": "100"},
            },
            "weight": "40",
        },
    )
    assert status == 201, fuel
    assert officer.call("POST", f"/tenders/{tender['id']}/publish/")[0] == 200
    for i, bidder in enumerate(bidders):
        status, bid, _ = bidder.call(
            "POST",
            "/bids/",
            {
                "tender": tender["id"],
                "price": {"amount": f"{100000 + 10000 * i}.00", "currency": "SEK"},
                "responses": [{"tender_criterion": fuel["id"], "value": str(50 + 20 * i)}],
            },
        )
        assert status == 201, bid
        assert bidder.call("POST", f"/bids/{bid['id']}/submit/")[0] == 200

    real_now = dt.datetime.now(dt.UTC)
    time_machine.move_to(deadline + dt.timedelta(minutes=1), tick=True)
    assert officer.call("POST", f"/tenders/{tender['id']}/open/")[1]["status"] == "opening"
    assert officer2.call("POST", f"/tenders/{tender['id']}/open/")[1]["status"] == "opened"
    # Back to the worker's clock: it runs in another process, which the travel does not reach.
    time_machine.move_to(real_now + dt.timedelta(seconds=5), tick=True)

    app.control.purge()  # nothing left over from an earlier run
    database_name = connection.settings_dict["NAME"]
    log1, log2 = tmp_path / "worker1.log", tmp_path / "worker2.log"
    worker = _start_worker(database_name, delay=0, log_path=log1)
    _until_ready(worker, log1)
    try:
        status, first, headers = officer.call("POST", f"/tenders/{tender['id']}/evaluations/")
        assert status == 202, first
        location = headers["Location"].removeprefix("/api/v1")
        done = _wait(officer, location, lambda b: b["status"] in ("done", "failed"))
        assert done["status"] == "done", (done, log1.read_text(errors="replace")[-3000:])
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    # Second run: the worker's child process dies mid-run; the task is redelivered and the same
    # evaluation completes with the same result hash.
    worker = _start_worker(database_name, delay=3, log_path=log2)
    _until_ready(worker, log2)
    try:
        status, second, headers = officer.call("POST", f"/tenders/{tender['id']}/evaluations/")
        assert status == 202, second
        location2 = headers["Location"].removeprefix("/api/v1")
        _wait(officer, location2, lambda b: b["status"] == "running", timeout=60)
        children = _children(worker.pid)
        assert children, "the worker has no pool process"
        for child in children:
            os.kill(child, signal.SIGKILL)
        finished = _wait(
            officer, location2, lambda b: b["status"] in ("done", "failed"), timeout=120
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        log = log2.read_text(errors="replace")
    assert finished["status"] == "done", (finished, log[-3000:])
    assert finished["attempts"] >= 2, log[-3000:]
    assert finished["result_sha256"] == done["result_sha256"]
    assert officer.call("POST", f"{location2}verify/")[1]["reproducible"] is True

    # Third run: the whole worker (main process and pool) is killed mid-run. The broker hands
    # the unacknowledged task to the next worker after the visibility timeout (here the time
    # limit of 10 s plus 2 s), which resumes the same run: done, same hash, not failed.
    short = {
        "CELERY_TASK_TIME_LIMIT": "10",
        "CELERY_TASK_SOFT_TIME_LIMIT": "9",
        "ANBUD_BROKER_VISIBILITY_MARGIN": "2",
    }
    log3, log4 = tmp_path / "worker3.log", tmp_path / "worker4.log"
    worker = _start_worker(database_name, delay=5, log_path=log3, **short)
    _until_ready(worker, log3)
    try:
        status, third, headers = officer.call("POST", f"/tenders/{tender['id']}/evaluations/")
        assert status == 202, third
        location3 = headers["Location"].removeprefix("/api/v1")
        _wait(officer, location3, lambda b: b["status"] == "running", timeout=60)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    worker = _start_worker(database_name, delay=0, log_path=log4, **short)
    try:
        _until_ready(worker, log4)
        resumed = _wait(
            officer, location3, lambda b: b["status"] in ("done", "failed"), timeout=120
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    assert resumed["status"] == "done", (resumed, log4.read_text(errors="replace")[-3000:])
    assert resumed["attempts"] >= 2
    assert resumed["result_sha256"] == done["result_sha256"]

    status, results, _ = officer.call("GET", f"{location2}results/")
    winner = next(r for r in results["results"] if r["rank"] == 1)
    status, award, _ = officer.call(
        "POST",
        f"/tenders/{tender['id']}/award/",
        {
            "evaluation": finished["id"],
            "lots": [{"lot": winner["lot"], "bids": [winner["bid"]]}],
            "justification": "Ranked first in the evaluation.",
        },
    )
    assert status == 200, award
    assert Tender.objects.get(pk=tender["id"]).status == "awarded"
