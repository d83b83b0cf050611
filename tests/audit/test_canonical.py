"""The canonical JSON that the audit hashes: the same text as ``json.dumps`` with sorted keys,
no whitespace, UTF-8 and decimals as fixed-point strings, for any JSON value."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from audit.chain import HASHED_FIELDS, canonical, event_hash, hashed_payload, iso_time


def dumps(value):
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=lambda d: format(d, "f"),
    )


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(values)
def test_canonical_is_sorted_compact_utf8_json(value):
    assert canonical(value) == dumps(value)


@given(st.fixed_dictionaries({name: st.text() for name in HASHED_FIELDS}), values)
def test_an_events_hash_is_sha256_of_its_canonical_text(event, data):
    event = {**event, "sequence": 7, "data": data, "id": "not hashed", "hash": "not hashed"}
    expected = dumps({name: event[name] for name in HASHED_FIELDS})

    assert event_hash(hashed_payload(event)) == hashlib.sha256(expected.encode()).hexdigest()


def test_a_field_an_export_lacks_is_hashed_as_null():
    event = dict.fromkeys(HASHED_FIELDS, "x")
    del event["client_address"]

    assert hashed_payload(event)["client_address"] is None


def test_a_decimal_keeps_its_places():
    assert canonical({"amount": Decimal("1.50")}) == '{"amount":"1.50"}'


def test_a_time_in_another_zone_hashes_as_the_same_moment_in_utc():
    """The database gives created_at back in UTC: the hashed form must be the same whatever
    zone the recording service's clock gave (the demo's history records on a Swedish clock)."""
    swedish = dt.datetime(2024, 1, 12, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    assert iso_time(swedish) == "2024-01-12T09:00:00.000000Z"
    assert iso_time(swedish) == iso_time(swedish.astimezone(dt.UTC))
