"""The exports' fast paths write exactly what csv.writer and canonical() write."""

import csv
import datetime as dt
import io
import uuid

import pytest

from audit import exports
from audit.models import AuditEvent
from audit.selectors import EVENT_FIELDS, event_values

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
def test_fast_paths_match_the_reference_writers():
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
    rows = list(event_values(queryset))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EVENT_FIELDS)
    writer.writerows(exports._defused(list(row)) for row in rows)
    assert "".join(exports.csv_chunks(queryset)) == buffer.getvalue()

    expected = "".join(exports._jsonl_line(tuple(row)) for row in rows)
    assert "".join(exports.jsonl_chunks(queryset)) == expected
