"""Verify a JSON Lines export of the audit trail offline, without Django or a database.

    python -m audit.verify EXPORT.jsonl [--segment] [--json]

Reads the file line by line (constant memory), recomputes every event's SHA-256 over its
canonical JSON including the previous hash, and checks the links. Prints the result and exits
0 when the chain is intact, 1 when it is not, 2 when the file cannot be read.

A complete export starts each chain at sequence 1 (the genesis link). ``--segment`` accepts
exports filtered by time (``since``/``until``): each chain's first event is taken as the
anchor. The last sequence and hash printed for each chain can be compared with a milestone
event's ``chain_head`` or with a chain head the auditor noted earlier.
"""

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from audit.chain import verify_events


class UnreadableExport(Exception):
    pass


def read_events(handle) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableExport(f"line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(event, dict) or "sequence" not in event or "hash" not in event:
            raise UnreadableExport(f"line {number} is not an audit event")
        yield event


def verify_file(path: str, *, segment: bool = False) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return verify_events(read_events(handle), from_genesis=not segment)


def _describe(result: dict[str, Any]) -> str:
    if result["valid"]:
        lines = [f"VALID: {result['events_checked']} events checked, every link intact."]
        for chain in result.get("chains", []):
            lines.append(
                f"  chain {chain['chain']}: sequences {chain['first_sequence']}.."
                f"{chain['last_sequence']}, last hash {chain['last_hash']}"
            )
        return "\n".join(lines)
    bad = result["first_invalid"]
    return (
        f"INVALID: {bad['reason']} at chain {bad['chain']} sequence {bad['sequence']}"
        f"{' (event ' + bad['id'] + ')' if bad.get('id') else ''}: {bad.get('detail', '')}\n"
        f"  {result['events_checked']} events checked."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify", description="Verify an audit trail JSON Lines export."
    )
    parser.add_argument("file", help="the .jsonl export")
    parser.add_argument(
        "--segment",
        action="store_true",
        help="the export is filtered by time: anchor each chain at its first event",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    try:
        result = verify_file(args.file, segment=args.segment)
    except (OSError, UnicodeDecodeError, UnreadableExport, KeyError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else _describe(result))
    return 0 if result["valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
