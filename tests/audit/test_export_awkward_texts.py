"""Awkward texts (quotes, commas, line breaks, formulas, control characters, non-ASCII) come
back out of the CSV and JSON Lines exports exactly as stored, formulas defused in CSV."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest

from audit import exports
from audit.models import AuditEvent
from audit.selectors import EVENT_FIELDS, event_rows

AWKWARD = [
    "plain",
    "",
    "=1+1",
    "+x",
    "-y",
    "@z",
    "\tt",
    "a,b",
    'q"q',
    "l\nl",
    "b\\s",
    "\x01",
    "ü日本",
    "\u2028",
]


@pytest.mark.django_db
def test_awkward_texts_survive_both_exports():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i, text in enumerate(AWKWARD * 2, start=1):
        AuditEvent.objects.create(
            chain="fast-path",
            sequence=i,
            created_at=start + dt.timedelta(seconds=i, microseconds=0 if i % 2 else 1234),
            organization_id=None if i % 3 else uuid.uuid4(),
            actor_id=uuid.uuid4() if i % 2 else None,
            actor_username=text if i % 4 == 0 else "alice",
            actor_role="officer",
            action=text if i % 4 == 1 else "tender.updated",
            object_type=text if i % 4 == 2 else "tender",
            object_id=text if i % 4 == 3 else str(i),
            tender_id=None if i % 5 else uuid.uuid4(),
            data=[{}, [1, 2], {"t": text}, "s"][i % 4],
            request_id=text if i > len(AWKWARD) else "",
            client_address="192.0.2.1",
            prev_hash="0" * 64,
            hash=uuid.uuid4().hex * 2,
        )
    queryset = AuditEvent.objects.filter(chain="fast-path").order_by("chain", "sequence")
    stored = list(event_rows(queryset, parse_data=False))
    assert len(stored) == 2 * len(AWKWARD)

    lines = list(csv.reader(io.StringIO("".join(exports.csv_chunks(queryset)), newline="")))
    assert lines[0] == list(EVENT_FIELDS)
    formulas = ("=", "+", "-", "@", "\t", "\r")
    for line, event in zip(lines[1:], stored, strict=True):
        for name, written in zip(EVENT_FIELDS, line, strict=True):
            value = event[name]
            expected = "" if value is None else str(value)
            chosen = ("actor_username", "action", "object_type", "object_id", "request_id")
            if name in chosen and expected.startswith(formulas):
                expected = "'" + expected  # a spreadsheet shows it as text
            assert written == expected, (name, value)

    jsonl = "".join(exports.jsonl_chunks(queryset)).split("\n")[:-1]  # not splitlines: U+2028
    assert len(jsonl) == len(stored)
    for line, event in zip(jsonl, stored, strict=True):
        parsed = json.loads(line)
        assert parsed == {**event, "data": json.loads(event["data"])}
        assert line.startswith('{"data":')
