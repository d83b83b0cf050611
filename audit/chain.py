"""Pure hashing of the audit chain: canonical JSON of an event, linked by the previous hash."""

import datetime
import hashlib
import json
import operator
import uuid
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
# default=_default) builds on every call, built once.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
)


# ``_ENCODER.encode`` builds a new C encoder and a table for cycle detection at every call,
# which for one audit event costs a third as much as the encoding itself. This is the same C
# encoder with the same options, built once; its input never has cycles (JSON from the
# database, or ``to_json_value``'s fresh copies). Without the C module (another Python), the
# plain encoder above.
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_encode_once = (
    _C_ENCODER(None, _default, json.encoder.encode_basestring, None, ":", ",", True, False, True)
    if _C_ENCODER
    else None
)


def canonical(data: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same content always gives the same bytes."""
    if _encode_once is None:
        return _ENCODER.encode(data)
    return "".join(_encode_once(data, 0))


def event_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical event, which includes ``prev_hash``."""
    if payload.__class__ is not dict:
        payload = dict(payload)
    return hashlib.sha256(canonical(payload).encode("utf-8")).hexdigest()


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


_hashed_values = operator.itemgetter(*HASHED_FIELDS)


def hashed_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the hash covers; one that an export lacks is hashed as null."""
    try:
        values = _hashed_values(event)
    except KeyError:
        values = tuple(map(event.get, HASHED_FIELDS))
    return dict(zip(HASHED_FIELDS, values, strict=True))


# The action of an event exported without its content (audit.selectors.redacted).
REDACTED_ACTION = "(redacted)"

REASONS = ("changed content", "missing event", "reordered events", "wrong previous hash")


def _invalid(checked: int, event: Mapping[str, Any], reason: str, detail: str) -> dict[str, Any]:
    return {
        "valid": False,
        "events_checked": checked,
        "first_invalid": {
            "chain": event.get("chain"),
            "sequence": event.get("sequence"),
            "id": str(event.get("id") or ""),
            "reason": reason,
            "detail": detail,
        },
    }


def _appears_later(rest: Iterator[Mapping[str, Any]], chain: Any, wanted) -> bool:
    """Scan the rest of the stream (only after a failure) for evidence of a reordering."""
    return any(e.get("chain") == chain and wanted(e) for e in rest)


def verify_events(
    events: Iterable[Mapping[str, Any]],
    *,
    heads: Mapping[str, tuple[int, str]] | None = None,
    from_genesis: bool = True,
) -> dict[str, Any]:
    """Walk events in (chain, sequence) order; report the first broken link and why.

    Reasons, checked in this order for each event:

    - ``missing event``: the sequence jumps (an event was deleted), or the chain head
      (``heads``: chain -> (sequence, hash), the newest link the database remembers) is
      ahead of the last event;
    - ``reordered events``: the sequence goes backwards, a chain appears twice, or the event
      that should come here (by sequence, or the one whose hash this event names as its
      predecessor) appears further on;
    - ``wrong previous hash``: ``prev_hash`` is not the previous event's ``hash``;
    - ``changed content``: the event's own hash does not match its content (or, for the last
      event, the chain head remembers another hash).

    An event whose content was changed *and* rehashed shows up as a ``wrong previous hash``
    of its successor: the successor committed to the old hash.

    ``from_genesis=False`` verifies a segment (an export filtered by time): each chain's first
    event is taken as the anchor and the linkage from there on is checked. Runs in constant
    memory; only after a failure is the rest of the stream read, to tell a reordering from a
    gap.
    """
    stream = iter(events)
    checked = 0
    seen: set[Any] = set()
    chains: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    expected_seq = 1
    expected_prev = GENESIS_HASH

    def close(summary: dict[str, Any] | None) -> dict[str, Any] | None:
        if summary is None or heads is None or summary["chain"] not in heads:
            return None
        head_seq, head_hash = heads[summary["chain"]]
        last = summary["last_event"]
        if head_seq > last["sequence"]:
            return _invalid(
                checked,
                {"chain": summary["chain"], "sequence": last["sequence"] + 1},
                "missing event",
                f"the chain head is at {head_seq} but the last event is {last['sequence']}",
            )
        if head_seq == last["sequence"] and head_hash != last["hash"]:
            return _invalid(
                checked,
                last,
                "changed content",
                "the chain head remembers another hash for the last event",
            )
        return None

    for event in stream:
        checked += 1
        chain = event.get("chain")
        sequence = event["sequence"]
        if current is None or chain != current["chain"]:
            failure = close(current)
            if failure:
                failure["events_checked"] = checked - 1
                return failure
            if chain in seen:
                return _invalid(
                    checked, event, "reordered events", "the chain's events are not together"
                )
            seen.add(chain)
            current = {"chain": chain, "first_sequence": sequence, "last_event": event}
            chains.append(current)
            if from_genesis:
                expected_seq, expected_prev = 1, GENESIS_HASH
            else:
                expected_seq, expected_prev = sequence, event["prev_hash"]
        reason = detail = None
        if sequence != expected_seq:
            if sequence > expected_seq and not _appears_later(
                stream, chain, lambda e, s=expected_seq: e["sequence"] == s
            ):
                reason = "missing event"
                detail = f"expected sequence {expected_seq}, found {sequence}"
            else:
                reason = "reordered events"
                detail = f"expected sequence {expected_seq}, found {sequence}"
        elif event["prev_hash"] != expected_prev:
            if _appears_later(stream, chain, lambda e, h=event["prev_hash"]: e["hash"] == h):
                reason = "reordered events"
                detail = "its predecessor comes after it"
            else:
                reason = "wrong previous hash"
                detail = "prev_hash is not the hash of the event before it"
        elif (
            event.get("action") != REDACTED_ACTION
            and event_hash(hashed_payload(event)) != (event["hash"])
        ):
            # A redacted event (a sealed one, in an export for someone who may not read it)
            # carries no content to hash: its place and its links are checked, and the next
            # event's prev_hash must name its hash.
            reason = "changed content"
            detail = "the hash does not match the event's content"
        if reason:
            return _invalid(checked, event, reason, detail or "")
        expected_prev = event["hash"]
        expected_seq = sequence + 1
        current["last_event"] = event
    failure = close(current)
    if failure:
        return failure
    for chain, (head_seq, _hash) in (heads or {}).items():
        if chain not in seen and head_seq > 0:
            return _invalid(
                checked,
                {"chain": chain, "sequence": 1},
                "missing event",
                f"the chain head is at {head_seq} but the chain has no events",
            )
    return {
        "valid": True,
        "events_checked": checked,
        "first_invalid": None,
        "chains": [
            {
                "chain": c["chain"],
                "first_sequence": c["first_sequence"],
                "last_sequence": c["last_event"]["sequence"],
                "last_hash": c["last_event"]["hash"],
            }
            for c in chains
        ],
    }


def utc_text(value: datetime.datetime) -> str:
    """A time as the API, receipts and snapshots write it: ISO 8601, UTC as ``Z``
    (microseconds only when there are any)."""
    return value.isoformat().replace("+00:00", "Z")


def iso_time(value: datetime.datetime) -> str:
    """The hashed form of ``created_at``: microseconds, UTC as ``Z`` (a time in another zone
    is the same moment in UTC: the database gives it back that way)."""
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


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
        return utc_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
