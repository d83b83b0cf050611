"""Benchmark: the last seconds before a deadline. N bidders submit in the final window, some
more just after it, against Anbud served as `make run` serves it (python -m config.server) on
PostgreSQL, while hostile clients try the slow-client tricks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anbud CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/deadline.py [--bidders 200] [--late 20] [--window 2] [--workers 2]
            [--threads 2] [--stalled 50] [--straddlers 10]

It makes its own database (``<name>_deadline_bench``), so the one in DATABASE_URL is not
touched. The slow-client phase runs during the rush:

- ``--stalled`` connections are opened before the window and never finish: half send only
  part of a request line, half send their headers and a Content-Length they never fulfil;
- ``--straddlers`` bidders start a submit before the deadline (the headers and half a body)
  and finish it one second after it: each must be refused (409), its bid left a draft;
- /healthz is asked every 50 ms on a new connection throughout.

Prints receipts, refusals and errors for the bids sent in time, the late ones and the
straddlers, latency percentiles, /healthz's latency, and whether what is stored matches the
receipts exactly. Goal on the 2-core machine: every bid sent in time receipted, every late or
straddling one refused, nothing lost, p99 under 1 s, and /healthz never slower than 1 s.
"""

# ruff: noqa: PLC0415 - Django is configured at run time (its own database, from the arguments),
# so the project's modules are imported inside the functions that run after that.

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import socket  # noqa: E402

from bench._server import serving  # noqa: E402 - after the path is set


def _bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        print("skipped: bench/deadline.py needs DATABASE_URL=postgres://... (PostgreSQL)")
        sys.exit(0)
    name = parsed.path.lstrip("/") + "_deadline_bench"
    import psycopg

    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path="/" + name))


def build(count: int):
    """A published tender (deadline set later) and ``count`` suppliers with a draft bid each."""
    from decimal import Decimal

    from django.utils import timezone

    from procurement.models import ApiToken, Bid, Lot, Organization, Tender, User

    buyer = Organization.objects.create(name="Bench Region", kind="buyer")
    tender = Tender.objects.create(
        organization=buyer,
        reference="BENCH-DEADLINE",
        title="Deadline bench",
        procedure="open",
        cpv_codes=["15110000"],
        currency="SEK",
        estimated_value=Decimal("1000000.00"),
        submission_deadline=timezone.now() + dt.timedelta(days=1),
        evaluation={"method": "lowest_price"},
        status=Tender.Status.PUBLISHED,
        published_at=timezone.now(),
        no_lots_reason="One delivery",
    )
    lot = Lot.objects.create(tender=tender, number=1, title="All")
    bidders = []
    for i in range(count):
        supplier = Organization.objects.create(name=f"Supplier {i}", kind="supplier")
        user = User.objects.create(
            username=f"bidder-{i}", organization=supplier, role="bidder", is_active=True
        )
        bid = Bid.objects.create(
            tender=tender,
            lot=lot,
            supplier=supplier,
            price_amount=Decimal(900000 + i),
            created_by=user,
        )
        _, token = ApiToken.objects.create(user=user, expiry=None)
        bidders.append((str(bid.pk), token))
    return tender, bidders


def fire(port: int, bid_id: str, token: str, at: float, out: list) -> None:
    time.sleep(max(0.0, at - time.time()))
    sent = time.time()
    status, body = 0, {}
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            f"/api/v1/bids/{bid_id}/submit/",
            headers={"Authorization": f"Token {token}", "Content-Length": "0"},
        )
        response = conn.getresponse()
        status = response.status
        body = json.loads(response.read() or b"{}")
        conn.close()
    except (OSError, ValueError) as exc:
        body = {"error": str(exc)}
    out.append(
        {
            "bid": bid_id,
            "sent": sent,
            "at": at,
            "status": status,
            "body": body,
            "elapsed": time.time() - sent,
        }
    )


def stall(port: int, count: int, *, start: float) -> list:
    """``count`` connections that never finish: half stop inside the request line, half after
    promising a body they never send."""
    time.sleep(max(0.0, start - time.time()))
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if i % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        else:
            sock.sendall(
                b"POST /api/v1/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            )
        sockets.append(sock)
    return sockets


def straddle(port: int, bid_id: str, token: str, begin: float, finish: float, out: list) -> None:
    """A submit whose first half is sent at ``begin`` and its last byte at ``finish``."""
    time.sleep(max(0.0, begin - time.time()))
    status, body = 0, {}
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        head = (
            f"POST /api/v1/bids/{bid_id}/submit/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Token {token}\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\n\r\n{"
        ).encode()
        sock.sendall(head)
        time.sleep(max(0.0, finish - time.time()))
        sock.sendall(b"}")
        response = http.client.HTTPResponse(sock)
        response.begin()
        status = response.status
        body = json.loads(response.read() or b"{}")
        sock.close()
    except (OSError, ValueError, http.client.HTTPException) as exc:
        body = {"error": str(exc)}
    out.append({"bid": bid_id, "status": status, "body": body})


def probe_health(port: int, start: float, end: float, out: list) -> None:
    """/healthz every 50 ms on a new connection: its latency in seconds, or None."""
    time.sleep(max(0.0, start - time.time()))
    while time.time() < end:
        began = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            out.append(time.monotonic() - began if ok else None)
        except (OSError, http.client.HTTPException):
            out.append(None)
        time.sleep(0.05)


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bidders", type=int, default=200, help="bids sent in the window")
    parser.add_argument("--late", type=int, default=20, help="bids sent after the deadline")
    parser.add_argument("--window", type=float, default=2.0, help="seconds before the deadline")
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=2, help="request threads per process")
    parser.add_argument("--stalled", type=int, default=50, help="connections that never finish")
    parser.add_argument("--straddlers", type=int, default=10, help="submits across the deadline")
    args = parser.parse_args()

    url = _bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ANBUD_VAR_DIR", tempfile.mkdtemp(prefix="anbud-bench-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from procurement.models import Bid, Tender

    call_command("migrate", verbosity=0)
    tender, bidders = build(args.bidders + args.late + args.straddlers)
    connection.close()

    log = Path(tempfile.mkstemp(prefix="anbud-deadline-", suffix=".log")[1])
    with serving(os.environ.copy(), log, workers=args.workers, threads=args.threads) as (_, port):
        # Warm every worker once (imports, connections) before the race.
        for _, token in bidders[: args.workers * 2]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/api/v1/tenders/", headers={"Authorization": f"Token {token}"})
            conn.getresponse().read()
            conn.close()

        deadline_ts = time.time() + 4.0
        deadline = dt.datetime.fromtimestamp(deadline_ts, tz=dt.UTC)
        Tender.objects.filter(pk=tender.pk).update(submission_deadline=deadline)
        connection.close()

        results: list = []
        straddled: list = []
        health: list = []
        threads = []
        in_time = bidders[: args.bidders]
        late = bidders[args.bidders : args.bidders + args.late]
        straddling = bidders[args.bidders + args.late :]
        stalled = stall(port, args.stalled, start=deadline_ts - args.window - 1.0)
        for bid_id, token in straddling:
            threads.append(
                threading.Thread(
                    target=straddle,
                    args=(port, bid_id, token, deadline_ts - 0.5, deadline_ts + 1.0, straddled),
                )
            )
        threads.append(
            threading.Thread(
                target=probe_health,
                args=(port, deadline_ts - args.window - 0.5, deadline_ts + 2.0, health),
            )
        )
        for i, (bid_id, token) in enumerate(in_time):
            at = deadline_ts - args.window + i * args.window / max(1, args.bidders)
            threads.append(threading.Thread(target=fire, args=(port, bid_id, token, at, results)))
        for j, (bid_id, token) in enumerate(late):
            at = deadline_ts + 0.05 + j * 1.0 / max(1, args.late)
            threads.append(threading.Thread(target=fire, args=(port, bid_id, token, at, results)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        for sock in stalled:
            sock.close()

    def tally(rows):
        receipts = [r for r in rows if r["status"] == 200]
        refused = [r for r in rows if r["status"] == 409]
        other = [r for r in rows if r["status"] not in (200, 409)]
        return receipts, refused, other

    early = [r for r in results if r["at"] < deadline_ts]
    after = [r for r in results if r["at"] >= deadline_ts]
    ok, refused, errors = tally(early)
    late_ok, late_refused, late_errors = tally(after)
    sent_late_by_client = [r for r in early if r["sent"] >= deadline_ts]
    stored = {
        str(pk)
        for pk in Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED).values_list(
            "pk", flat=True
        )
    }
    receipted = {r["bid"] for r in results if r["status"] == 200}
    straddlers_refused = [r for r in straddled if r["status"] == 409]
    straddlers_stored = Bid.objects.filter(
        pk__in=[r["bid"] for r in straddled], status=Bid.Status.SUBMITTED
    ).count()
    health_latencies = [h for h in health if h is not None]
    health_failed = len(health) - len(health_latencies)
    stamps_in_time = all(
        dt.datetime.fromisoformat(r["body"]["receipt"]["submitted_at"]) < deadline for r in ok
    )
    latencies = [r["elapsed"] for r in results]
    lags = [
        dt.datetime.fromisoformat(r["body"]["receipt"]["submitted_at"]).timestamp() - r["sent"]
        for r in results
        if r["status"] == 200
    ]
    print(
        f"python -m config.server: {args.workers} processes x {args.threads} request threads; "
        f"PostgreSQL {url.rsplit('/', 1)[-1]}; {args.stalled} stalled connections"
    )
    print(
        f"sent in the last {args.window:g} s: {len(early)}  (of them the client was late sending: "
        f"{len(sent_late_by_client)})"
    )
    print(
        f"  receipted {len(ok)}  refused {len(refused)}  other {len(errors)} "
        f"{sorted({r['status'] for r in errors})}"
    )
    print(f"sent after the deadline: {len(after)}")
    print(f"  refused {len(late_refused)}  receipted {len(late_ok)}  other {len(late_errors)}")
    print(
        f"latency s: p50 {statistics.median(latencies):.3f}  p95 {percentile(latencies, 95):.3f}  "
        f"p99 {percentile(latencies, 99):.3f}  max {max(latencies):.3f}"
    )
    if lags:
        print(
            f"time of receipt after the client sent, ms: p50 {statistics.median(lags) * 1000:.1f}  "
            f"p99 {percentile(lags, 99) * 1000:.1f}  max {max(lags) * 1000:.1f}"
        )
    print(
        f"straddlers (began before the deadline, finished after it): {len(straddled)}  "
        f"refused {len(straddlers_refused)}  statuses {sorted({r['status'] for r in straddled})}"
        f"  stored as submitted {straddlers_stored}"
    )
    if health_latencies:
        print(
            f"/healthz during the rush: {len(health)} asked, {health_failed} failed; "
            f"p50 {statistics.median(health_latencies) * 1000:.1f} ms  "
            f"max {max(health_latencies) * 1000:.1f} ms"
        )
    print(
        f"stored submitted bids {len(stored)}; receipts {len(receipted)}; identical: "
        f"{stored == receipted}; every receipt stamped before the deadline: {stamps_in_time}"
    )
    goal = (
        len(ok) == len(early)
        and len(late_refused) == len(after)
        and stored == receipted
        and stamps_in_time
        and percentile(latencies, 99) < 1.0
        and len(straddlers_refused) == len(straddled)
        and straddlers_stored == 0
        and health_failed == 0
        and (not health_latencies or max(health_latencies) < 1.0)
    )
    print(
        "goal (all in time receipted, all late and straddling refused, nothing lost, p99 < 1 s, "
        "/healthz always under 1 s):",
        "met" if goal else "NOT met",
    )


if __name__ == "__main__":
    main()
