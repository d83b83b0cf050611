"""Audit export and verification speed: 1,000,000 events by default.

    .venv/bin/python bench/audit_export.py [--events N] [--keep]

Runs standalone on a temporary SQLite database (its own ANBUD_VAR_DIR, migrated here) unless
BENCH_DATABASE_URL names another database. Creates N events in one chain through the bulk
path below, then exports them as CSV and JSON Lines through the generators the API view uses
(audit.exports), and verifies the chain through the walk GET /audit-events/verify/ uses.
Prints rows/s and peak memory for each. Goal: >= 50,000 rows/s and < 200 MB peak.

The bulk path: hashes are computed in Python exactly as audit.services.record does (same
payload, same canonical JSON, each linked to the previous hash) and rows are bulk-inserted in
batches of 5,000, then the chain head is set. It exists for benchmarks and imports only:
record() stays the one way the application appends. On PostgreSQL the table is then vacuumed,
as autovacuum would long have done on a real one.

Each phase runs in a forked child process; its peak resident set size (getrusage, the Django
baseline included) is the peak memory printed.
"""

# ruff: noqa: PLC0415 - Django is configured at run time (its own database, from the arguments),
# so the project's modules are imported inside the functions that run after that.

import argparse
import datetime as dt
import gc
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 5000
GOAL_ROWS_PER_S = 50_000
GOAL_PEAK_MB = 200


def setup_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ANBUD_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def create_events(n: int) -> str:
    """N events in one organisation's chain, hashed and linked as record() does."""
    from django.db import transaction

    from audit.chain import GENESIS_HASH, canonical, event_hash, iso_time, to_json_value
    from audit.models import AuditEvent, ChainHead
    from procurement.models import Organization, Role, User

    org = Organization.objects.create(name="Bench region", kind="buyer")
    officer = User.objects.create(username=f"bench-{uuid.uuid4().hex[:8]}", organization=org)
    officer.role = Role.OFFICER
    chain = str(org.pk)
    tender_ids = [str(uuid.uuid4()) for _ in range(50)]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=n)
    prev = GENESIS_HASH
    rows = []
    for i in range(1, n + 1):
        created = start + dt.timedelta(seconds=i)
        data = to_json_value({"fields": {"title": f"Title {i}"}, "version": i % 7})
        payload = {
            "chain": chain,
            "sequence": i,
            "created_at": iso_time(created),
            "actor_id": str(officer.pk),
            "actor_username": officer.username,
            "actor_role": "officer",
            "action": "tender.updated",
            "object_type": "tender",
            "object_id": tender_ids[i % 50],
            "tender_id": tender_ids[i % 50],
            "data": data,
            "request_id": uuid.UUID(int=i).hex,
            "client_address": "192.0.2.10",
            "prev_hash": prev,
        }
        digest = event_hash(payload)
        rows.append(
            AuditEvent(
                chain=chain,
                sequence=i,
                created_at=created,
                organization_id=org.pk,
                actor_id=officer.pk,
                actor_username=officer.username,
                actor_role="officer",
                action="tender.updated",
                object_type="tender",
                object_id=payload["object_id"],
                tender_id=payload["tender_id"],
                data=data,
                request_id=payload["request_id"],
                client_address="192.0.2.10",
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
        if len(rows) == BATCH:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(rows)
            rows = []
    with transaction.atomic():
        AuditEvent.objects.bulk_create(rows)
        ChainHead.objects.update_or_create(chain=chain, defaults={"sequence": n, "hash": prev})
    assert canonical({}) == "{}"
    return chain


def measure(label: str, work) -> tuple[float, float, int]:
    """Run ``work`` in a forked child: its own peak resident set size is the phase's peak
    memory (the Django baseline included), and the parent's history does not blur it."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 0
        # The objects inherited from the parent (Django, and what creating the events left)
        # stay out of the child's garbage collections, as in a web worker that loaded them
        # before it forked.
        gc.freeze()
        try:
            began, began_cpu = time.perf_counter(), time.process_time()
            rows = work()
            seconds = time.perf_counter() - began
            cpu = time.process_time() - began_cpu
            os.write(write, f"{rows} {seconds} {cpu}".encode())
        except BaseException as exc:
            print(f"{label} failed: {exc!r}", file=sys.stderr)
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0 or not answer:
        raise SystemExit(f"{label} failed")
    rows_text, seconds_text, cpu_text = answer.split()
    rows, seconds, cpu = int(rows_text), float(seconds_text), float(cpu_text)
    peak_mb = usage.ru_maxrss / 1024
    rate = rows / seconds if seconds else float("inf")
    verdict = "ok" if rate >= GOAL_ROWS_PER_S and peak_mb < GOAL_PEAK_MB else "BELOW GOAL"
    print(
        f"{label:<8} {rows:>10,} rows  {seconds:8.2f} s  {rate:>10,.0f} rows/s  "
        f"cpu {cpu:7.2f} s  peak RSS {peak_mb:7.1f} MB  {verdict}",
        flush=True,
    )
    return rate, peak_mb, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="anbud-bench-audit-")
    setup_django(var_dir)
    from django.db import connection

    from audit import exports
    from audit.models import AuditEvent
    from audit.selectors import verify_chains

    print(f"database: {connection.vendor} ({var_dir if connection.vendor == 'sqlite' else ''})")
    began = time.perf_counter()
    chain = create_events(args.events)
    created = time.perf_counter() - began
    print(
        f"created  {args.events:>10,} events {created:8.2f} s  "
        f"{args.events / created:>10,.0f} rows/s  (bulk path, not a goal)",
        flush=True,
    )
    if connection.vendor == "postgresql":
        # A real audit table's rows were vacuumed long ago; just-inserted ones make the first
        # read set their visibility hints, which would be timed as the first export's cost.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {AuditEvent._meta.db_table}")

    queryset = AuditEvent.objects.filter(chain=chain).order_by("chain", "sequence")
    out_dir = Path(var_dir)

    def export(generator, name):
        def work():
            lines = 0
            with open(out_dir / name, "w", encoding="utf-8") as handle:
                for chunk in generator(queryset):
                    handle.write(chunk)
                    lines += chunk.count("\n")
            return lines

        return work

    csv_rate, csv_peak, csv_lines = measure("csv", export(exports.csv_chunks, "export.csv"))
    jsonl_rate, jsonl_peak, jsonl_lines = measure(
        "jsonl", export(exports.jsonl_chunks, "export.jsonl")
    )
    assert csv_lines >= args.events + 1 and jsonl_lines == args.events

    def verify():
        result = verify_chains([chain])
        assert result["valid"], result
        return result["events_checked"]

    measure("verify", verify)

    from audit.verify import verify_file

    def verify_offline():
        result = verify_file(str(out_dir / "export.jsonl"))
        assert result["valid"], result
        return result["events_checked"]

    measure("offline", verify_offline)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the parent (Django, migrations, creating the events): {baseline:,.0f} MB")
    if not args.keep and connection.vendor == "sqlite":
        connection.close()
        for path in sorted(out_dir.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        out_dir.rmdir()
    ok = min(csv_rate, jsonl_rate) >= GOAL_ROWS_PER_S and max(csv_peak, jsonl_peak) < GOAL_PEAK_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
