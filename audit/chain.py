"""Pure hashing of the audit chain: canonical JSON of an event, linked by the previous hash."""

import datetime
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def canonical(data: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same content always gives the same bytes."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def event_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical event, which includes ``prev_hash``."""
    return hashlib.sha256(canonical(dict(payload)).encode("utf-8")).hexdigest()


HASHED_FIELDS = (
    "chain",
    "sequence",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "tender_id",
    "data",
    "request_id",
    "client_address",
    "prev_hash",
)


def hashed_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    return {name: event.get(name) for name in HASHED_FIELDS}


def verify_events(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Walk events of one chain in sequence order; report the first broken link and why."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in events:
        checked += 1
        reason = None
        if event["sequence"] != expected_seq:
            reason = "missing event" if event["sequence"] > expected_seq else "reordered events"
        elif event["prev_hash"] != expected_prev:
            reason = "wrong previous hash"
        elif event_hash(hashed_payload(event)) != event["hash"]:
            reason = "changed content"
        if reason:
            return {
                "valid": False,
                "events_checked": checked,
                "first_invalid": {
                    "chain": event.get("chain"),
                    "sequence": event["sequence"],
                    "id": str(event.get("id", "")),
                    "reason": reason,
                },
            }
        expected_prev = event["hash"]
        expected_seq += 1
    return {"valid": True, "events_checked": checked, "first_invalid": None}


def to_json_value(value: Any) -> Any:
    """Plain JSON values for ``data``: UUIDs, Decimals and datetimes become strings."""
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=canonical) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return _default(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
