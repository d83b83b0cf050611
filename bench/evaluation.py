"""Benchmark: an evaluation of 2,000 bids x 25 criteria, from the POST that starts the run to
a completed evaluation with stored results.

    .venv/bin/python bench/evaluation.py                 # embedded default: SQLite, Celery eager
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anbud_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/evaluation.py --worker

Prints seconds and SQL queries (the web process's; with --worker the worker's own queries are
counted by the snapshot, which loads in a constant number of them). Goal: at most 5 s.
"""

# ruff: noqa: PLC0415 - Django is configured at run time (its own database, from the arguments),
# so the project's modules are imported inside the functions that run after that.

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANBUD_VAR_DIR", tempfile.mkdtemp(prefix="anbud-bench-"))

RULES = [
    {"type": "linear", "worst": "0", "best": "100"},
    {"type": "boolean"},
    {
        "type": "thresholds",
        "steps": [{"at_least": "50", "fulfilment": "1/2"}, {"at_least": "80", "fulfilment": "1"}],
    },
    {"type": "choice", "options": {"none": "0", "some": "1/3", "most": "2/3", "all": "1"}},
]


def answer(rule: dict, i: int, j: int):
    kind = rule["type"]
    if kind == "boolean":
        return (i + j) % 3 != 0
    if kind == "choice":
        return ["none", "some", "most", "all"][(i * 7 + j) % 4]
    return str((i * 37 + j * 11) % 101)


def build(bids: int, criteria: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from criteria.models import TenderCriterion
    from procurement.models import Bid, BidResponse, Lot, Organization, Tender

    buyer = Organization.objects.create(name="Bench Region", kind="buyer")
    officer = get_user_model().objects.create(
        username=f"bench-{time.time_ns()}", organization=buyer, role="officer"
    )
    tender = Tender.objects.create(
        organization=buyer,
        reference=f"BENCH-{time.time_ns()}",
        title="Bench",
        currency="SEK",
        submission_deadline=timezone.now() - dt.timedelta(days=1),
        status=Tender.Status.OPENED,
        evaluation={
            "method": "weighted_points",
            "price_weight": "50",
            "price_scoring": "proportional",
        },
    )
    lot = Lot.objects.create(tender=tender, number=1, title="Bench")
    weight = Decimal(50) / criteria
    tcs = [
        TenderCriterion(
            tender=tender,
            code=f"C{j:02d}",
            category=["environmental", "social", "animal_welfare", "quality"][j % 4],
            kind="award",
            title=f"Criterion {j}",
            rule=RULES[j % len(RULES)],
            weight=weight,
            position=j,
        )
        for j in range(criteria)
    ]
    TenderCriterion.objects.bulk_create(tcs)
    suppliers = Organization.objects.bulk_create(
        [
            Organization(name=f"Supplier {i}", kind="supplier", employees=i % 300, country="SE")
            for i in range(bids)
        ]
    )
    start = timezone.now() - dt.timedelta(days=2)
    bid_rows = Bid.objects.bulk_create(
        [
            Bid(
                tender=tender,
                lot=lot,
                supplier=s,
                status=Bid.Status.SUBMITTED,
                price_amount=Decimal(100000 + (i * 7919) % 50000),
                submitted_at=start + dt.timedelta(seconds=i),
            )
            for i, s in enumerate(suppliers)
        ],
        batch_size=1000,
    )
    BidResponse.objects.bulk_create(
        [
            BidResponse(bid=b, tender_criterion=tc, value=answer(tc.rule, i, j))
            for i, b in enumerate(bid_rows)
            for j, tc in enumerate(tcs)
        ],
        batch_size=5000,
    )
    return tender, officer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=2000)
    parser.add_argument("--criteria", type=int, default=25)
    parser.add_argument(
        "--worker", action="store_true", help="use CELERY_BROKER_URL and a worker process"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from config.celery import app
    from scoring.models import Evaluation

    call_command("migrate", verbosity=0)
    tender, officer = build(args.bids, args.criteria)
    client = APIClient()
    client.force_authenticate(officer)
    worker = None
    if args.worker:
        if not os.environ.get("CELERY_BROKER_URL"):
            sys.exit("--worker needs CELERY_BROKER_URL")
        app.control.purge()
        log = Path(os.environ["ANBUD_VAR_DIR"]) / "worker.log"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(4)
    mode = f"{connection.vendor}, {'worker' if args.worker else 'eager'}"
    try:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post(f"/api/v1/tenders/{tender.pk}/evaluations/")
            assert response.status_code == 202, response.content
            evaluation_id = response.json()["id"]
            while Evaluation.objects.filter(
                pk=evaluation_id, status__in=["queued", "running"]
            ).exists():
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        evaluation = Evaluation.objects.get(pk=evaluation_id)
        assert evaluation.status == "done", evaluation.error
        print(
            f"evaluation {args.bids} bids x {args.criteria} criteria ({mode}): {seconds:.2f} s from POST to done, "
            f"{len(ctx.captured_queries)} SQL queries in the web process, "
            f"input {len(evaluation.input_json) / 1e6:.1f} MB, result {len(evaluation.result_json) / 1e6:.1f} MB"
        )
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
