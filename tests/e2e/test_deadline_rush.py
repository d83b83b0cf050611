"""A rush of bids in the last second before the deadline, against Anbud served as `make run`
serves it (python -m config.server) on PostgreSQL: every bid sent in time gets a receipt, every late one is
refused, and what is stored is exactly what was receipted.

The server is busy enough that requests queue for a thread; they are still stamped when they
arrived, in the event loop (config/asgi.py). bench/deadline.py is the full-size version with figures.
"""

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bench._server import serving
from bench.deadline import build, fire
from procurement.models import Bid, Tender

ROOT = Path(__file__).resolve().parents[2]
IN_TIME, LATE = 80, 5

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_every_bid_sent_before_the_deadline_is_receipted_and_no_later_one(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs DATABASE_URL=PostgreSQL (as .ci/run sets): the server shares the database"
        )

    tender, bidders = build(IN_TIME + LATE)
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "ANBUD_VAR_DIR": str(tmp_path),
    }
    log = tmp_path / "server.log"
    with serving(env, log, workers=2, threads=2) as (_, port):
        deadline_ts = time.time() + 2.0
        deadline = dt.datetime.fromtimestamp(deadline_ts, tz=dt.UTC)
        Tender.objects.filter(pk=tender.pk).update(submission_deadline=deadline)

        results: list = []
        schedule = [deadline_ts - 1.0 + i * 0.9 / IN_TIME for i in range(IN_TIME)]
        schedule += [deadline_ts + 0.1 + j * 0.1 for j in range(LATE)]
        threads = [
            threading.Thread(target=fire, args=(port, bid_id, token, at, results))
            for (bid_id, token), at in zip(bidders, schedule, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    in_time = [r for r in results if r["at"] < deadline_ts]
    late = [r for r in results if r["at"] >= deadline_ts]
    assert len(in_time) == IN_TIME and len(late) == LATE
    refused = [
        (round(r["at"] - deadline_ts, 3), round(r["elapsed"], 3), r["status"], r["body"])
        for r in in_time
        if r["status"] != 200
    ]
    assert not refused, (refused[:5], log.read_text()[-2000:])
    assert {r["body"].get("code") for r in late} == {"deadline_passed"}
    for r in in_time:
        stamped = dt.datetime.fromisoformat(r["body"]["receipt"]["submitted_at"])
        assert stamped < deadline
    stored = {
        str(pk)
        for pk in Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED).values_list(
            "pk", flat=True
        )
    }
    assert stored == {r["bid"] for r in in_time}
