"""Key reads side by side with a bare DRF endpoint: our share of its rate (goal: 40 %).

    .venv/bin/python bench/reads.py [--views] [--compare PATH]

Builds the demo data in a temporary SQLite database (its own ANBUD_VAR_DIR), serves it with
python -m config.server as `make run` does (2 processes x 2 request threads), logs in as the
demo officer and runs the shared comparison tool (../shared/tools/perf/compare: wrk, 2
threads, 16 connections, 10 s per path, the bare DRF anchor first) on the tender list and
detail, the bid list, a tender's criteria, the criteria library, the results and the audit
page. `--views` turns the read cache off (ANBUD_READ_CACHE_SECONDS=0): every request runs its
view. Exits 1 when a key read is under the goal (with the cache on).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import serving  # noqa: E402 - after the path above

COMPARE = ROOT.parent / "shared" / "tools" / "perf" / "compare"
GOAL = 40


def _json(url: str, token: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(url, data=data)  # noqa: S310 - http://127.0.0.1 only
    request.add_header("Accept", "application/json")
    if body:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
        return json.load(response)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", action="store_true", help="read cache off")
    parser.add_argument("--compare", default=str(COMPARE), help="the comparison tool")
    args = parser.parse_args()
    if not Path(args.compare).exists():
        print(f"skipped: no comparison tool at {args.compare}")
        return 0

    var_dir = tempfile.mkdtemp(prefix="anbud-bench-reads-")
    env = {
        **os.environ,
        "ANBUD_VAR_DIR": var_dir,
        "DATABASE_URL": "",
        "CELERY_BROKER_URL": "",
        "DEBUG": "false",
        "ANBUD_READ_CACHE_SECONDS": "0" if args.views else "60",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["load_demo_data", "-v0"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True)

    with serving(env, Path(var_dir) / "server.log") as (base, _port):
        api = f"{base}/api/v1"
        token = _json(
            f"{api}/auth/token/", body={"username": "officer1", "password": "anbud-demo-2026"}
        )["token"]
        tenders = _json(f"{api}/tenders/", token)["results"]
        evaluated = next(t for t in tenders if t["status"] in ("evaluated", "awarded"))
        evaluations = _json(f"{api}/tenders/{evaluated['id']}/evaluations/", token)["results"]
        tender_id, evaluation_id = evaluated["id"], evaluations[0]["id"]
        paths = [
            "/api/v1/tenders/",
            f"/api/v1/tenders/{tender_id}/",
            f"/api/v1/bids/?tender={tender_id}",
            f"/api/v1/tenders/{tender_id}/criteria/",
            "/api/v1/criteria/",
            f"/api/v1/evaluations/{evaluation_id}/results/",
            "/api/v1/audit-events/",
        ]
        print(f"read cache: {'off (every request runs its view)' if args.views else 'on'}")
        run = subprocess.run(
            [args.compare, base, token, *paths],
            capture_output=True,
            text=True,
            check=True,
        )
    lines = [line for line in run.stdout.splitlines() if "req/s" in line]
    print("\n".join(lines))
    shares = [int(m.group(1)) for m in re.finditer(r"(\d+)% of anchor", run.stdout)]
    if len(shares) != len(paths):
        print("could not read every share from the tool's output")
        return 1
    below = [p for p, share in zip(paths, shares, strict=True) if share < GOAL]
    print(f"goal {GOAL} % of the anchor: " + ("met" if not below else f"not met for {below}"))
    return 1 if below and not args.views else 0


if __name__ == "__main__":
    sys.exit(main())
