"""Awkward texts (quotes, commas, semicolons, tabs, line breaks, formulas, apostrophes, control
characters, non-ASCII) come back out of every export exactly as stored, formulas defused in
CSV: read back by the offline verifier's readers (audit.verify), each field is the value that
was hashed."""

import csv
import datetime as dt
import io
import json
import uuid

import pytest
from openpyxl import load_workbook

from audit import exports, verify
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
    "a;b",
    'q"q',
    "'quoted",
    "''",
    "l\nl",
    "b\\s",
    "\x01",
    "ü日本",
    "Fjärrvärme åt Örebro",
    "\u2028",
]
QUOTED = ("=", "+", "-", "@", "\t", "\r", "'")


@pytest.fixture
def awkward(db):
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
    stored = list(event_rows(queryset))  # data parsed: what is hashed
    assert len(stored) == 2 * len(AWKWARD)
    return queryset, stored


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_awkward_texts_survive_the_csv_export(awkward, delimiter):
    queryset, stored = awkward

    text = "".join(exports.csv_chunks(queryset, delimiter=delimiter))

    assert text.startswith("\ufeff")
    lines = list(
        csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
    )
    assert lines[0] == list(EVENT_FIELDS)
    for line, event in zip(lines[1:], stored, strict=True):
        for name, written in zip(EVENT_FIELDS, line, strict=True):
            value = event[name]
            if name == "data":
                assert json.loads(written) == value
                continue
            expected = "" if value is None else str(value)
            if name in exports.TEXT_COLUMNS and expected.startswith(QUOTED):
                expected = "'" + expected  # a spreadsheet shows it as text
            assert written == expected, (name, value)
    # The verifier takes the apostrophes off again and reads every field as it was hashed.
    read = list(verify.read_csv_events(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert read == stored


def test_awkward_texts_survive_the_jsonl_export(awkward):
    queryset, stored = awkward

    jsonl = "".join(exports.jsonl_chunks(queryset)).split("\n")[:-1]  # not splitlines: U+2028

    assert len(jsonl) == len(stored)
    for line, event in zip(jsonl, stored, strict=True):
        assert json.loads(line) == event
        assert line.startswith('{"data":')
    assert "Fjärrvärme åt Örebro" in "\n".join(jsonl)
    assert list(verify.read_events(io.StringIO("\n".join(jsonl)))) == stored


def test_awkward_texts_survive_the_xlsx_export_but_control_characters(awkward):
    queryset, stored = awkward
    target = io.BytesIO()

    assert exports.write_xlsx(queryset, target, language="en") == len(stored)

    target.seek(0)
    read = list(verify.read_xlsx_events(load_workbook(target, read_only=True), altered := set()))
    assert len(read) == len(stored)
    for got, event in zip(read, stored, strict=True):
        # Excel cannot hold a control character: the cell has U+FFFD instead, and the
        # verifier knows that row cannot match.
        expected = {
            name: value.replace("\x01", "\ufffd") if isinstance(value, str) else value
            for name, value in event.items()
        }
        assert {name: got[name] for name in EVENT_FIELDS} == expected
        assert ((event["chain"], event["sequence"]) in altered) == (expected != event)


@pytest.mark.parametrize(
    ("stored", "readable"),
    [
        ('{"a": "\\u00e4"}', '{"a": "ä"}'),
        ('{"a": "\\ud83d\\ude00"}', '{"a": "😀"}'),
        ('{"a": "\\u0001"}', '{"a": "\\u0001"}'),  # JSON escapes control characters
        ('{"a": "\\ud800"}', '{"a": "\\ud800"}'),  # a lone surrogate is no UTF-8: kept
        ('{"a":"ä"}', '{"a":"ä"}'),  # already readable: as stored
    ],
)
def test_data_is_written_readable_and_parses_to_the_same_value(stored, readable):
    written = exports.readable_json(stored)

    assert written == readable
    assert json.loads(written) == json.loads(stored)
    written.encode("utf-8")


def test_the_verifier_and_the_exports_agree_on_their_conventions():
    """audit.verify imports no Django, so it keeps its own copy of these."""
    assert verify.CSV_QUOTED_FIELDS == exports.TEXT_COLUMNS
    assert verify.XLSX_KEYS_SHEET == exports.XLSX_KEYS_SHEET
    assert verify.XLSX_MAX_CELL == exports.XLSX_MAX_CELL
    assert set(verify.CSV_DELIMITERS) == set(exports.DELIMITERS.values())
