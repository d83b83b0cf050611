"""Reads of the audit trail and the walk that verifies the chains in the database.

Which events a user may read is a visibility rule about tenders and roles, so it lives above
audit, in ``procurement.selectors.audit_events_for``; what is read here is already limited by
it (exports and the verification walk take a queryset).
"""

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Func, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from audit import chain as chain_math
from audit.models import AuditEvent, ChainHead


class EventRow(NamedTuple):
    """One audit event as exports and the verification walk read it: ids and times as text
    (None for a missing id), ``data`` as the stored JSON text. Its fields, in this order, are
    the columns of every export."""

    id: str
    chain: str
    sequence: int
    created_at: str
    organization_id: str | None
    actor_id: str | None
    actor_username: str
    actor_role: str
    action: str
    object_type: str
    object_id: str
    tender_id: str | None
    data: str
    request_id: str
    client_address: str
    prev_hash: str
    hash: str


EVENT_FIELDS = EventRow._fields
CHUNK_SIZE = 2000


def _uuid_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # SQLite keeps UUIDs as 32 hex digits.
        if len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return value
    return str(value)


def _time_text(value: Any) -> str:
    if isinstance(value, str):
        length = len(value)
        if length == 27 and value[10] == "T" and value[26] == "Z":
            return value  # PostgreSQL wrote the hashed form (see _select)
        # SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (read as text, see _select).
        if length == 26 and value[10] == " " and value[19] == ".":
            return value.replace(" ", "T", 1) + "Z"
        if length == 19 and value[10] == " ":
            return value.replace(" ", "T", 1) + ".000000Z"
        # Anything else is read as the driver's converter would read it.
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite's converter: naive, in UTC
        return value.isoformat(timespec="microseconds") + "Z"
    return chain_math.iso_time(value)


class _HashedTimeText(Func):
    """PostgreSQL writes ``created_at`` in its hashed form (``chain.iso_time``: UTC,
    microseconds, ``Z``) itself."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    output_field = TextField()


def _select(queryset: QuerySet[AuditEvent]) -> tuple[str, Any] | None:
    """The SQL and parameters of ``EVENT_FIELDS`` for the queryset (None: no rows at all).

    Times and ids are read as text: the driver's datetime and UUID converters, and
    ``isoformat``, would cost more than the export itself. SQLite gives ``created_at`` as its
    stored text (``_time_text`` finishes it); PostgreSQL gives it in the hashed form, and its
    ``uuid::text`` is what ``str(UUID)`` gives.
    """
    vendor = connections[queryset.db].vendor
    fields = [*EVENT_FIELDS]
    if vendor == "sqlite":
        fields[_TIME_COLUMN] = "_created_text"
        queryset = queryset.annotate(_created_text=Cast("created_at", TextField()))
    elif vendor == "postgresql":
        fields[_TIME_COLUMN] = "_created_text"
        for index in _UUID_COLUMNS:
            fields[index] = f"_{EVENT_FIELDS[index]}_text"
        queryset = queryset.annotate(
            _created_text=_HashedTimeText("created_at"),
            **{fields[i]: Cast(EVENT_FIELDS[i], TextField()) for i in _UUID_COLUMNS},
        )
    try:
        return queryset.values_list(*fields).query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None


def _raw_blocks(queryset: QuerySet[AuditEvent]) -> Iterator[list[tuple]]:
    """Rows as the database driver returns them, in blocks of ``CHUNK_SIZE``.

    Django's per-value converters (UUID objects, datetime parsing, JSON decoding) cost more
    than the export itself, so the compiled query runs on ``chunked_cursor()``: a server-side
    cursor on PostgreSQL, ``fetchmany`` batches on SQLite. Memory stays flat either way.
    """
    query = _select(queryset)
    if query is None:
        return
    sql, params = query
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            yield rows


def _raw_rows(queryset: QuerySet[AuditEvent]) -> Iterator[tuple]:
    for block in _raw_blocks(queryset):
        yield from block


_UUID_COLUMNS = tuple(
    i
    for i, name in enumerate(EVENT_FIELDS)
    if name in ("id", "organization_id", "actor_id", "tender_id")
)
_TIME_COLUMN = EVENT_FIELDS.index("created_at")
_DATA_COLUMN = EVENT_FIELDS.index("data")
_UUID_CACHE_SIZE = 4096


def _data_text(data: Any) -> str:
    """``data`` as JSON text, whatever form the driver gave it in."""
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8")
    return chain_math.canonical(data)


REDACTED_ACTION = chain_math.REDACTED_ACTION
REDACTED_DATA = '{"redacted":true}'


def redacted(row: EventRow) -> EventRow:
    """A sealed event as an export shows it to someone who may not read it: its place in the
    chain (id, chain, sequence, organisation) and its links (``prev_hash``, ``hash``), nothing
    of what happened. The next event's ``prev_hash`` still names its hash, so the chain
    verifies offline across it (``audit.chain.verify_events``) while its content stays sealed.
    """
    return row._replace(
        created_at="",
        actor_id=None,
        actor_username="",
        actor_role="",
        action=REDACTED_ACTION,
        object_type="",
        object_id="",
        tender_id=None,
        data=REDACTED_DATA,
        request_id="",
        client_address="",
    )


def event_text_blocks(
    queryset: QuerySet[AuditEvent], *, sealed: frozenset[str] = frozenset()
) -> Iterator[list[EventRow]]:
    """The events as blocks of ``EventRow``: the one row iterator of every export and of the
    verification walk. Events whose id is in ``sealed`` come as ``redacted`` rows.

    Organisation, actor and tender ids repeat from row to row: their text is remembered (a
    bounded cache, so memory stays flat).
    """
    if sealed:
        for plain in event_text_blocks(queryset):
            yield [redacted(row) if row.id in sealed else row for row in plain]
        return
    known: dict[Any, str | None] = {None: None}
    remembered = known.get  # a dict lookup per id; the conversion only for a new one

    def id_text(value: Any) -> str | None:
        if len(known) > _UUID_CACHE_SIZE:
            known.clear()
            known[None] = None
        text = known[value] = _uuid_text(value)
        return text

    for block in _raw_blocks(queryset):
        yield [
            EventRow(
                _uuid_text(event_id) or "",  # a primary key: never missing
                chain,
                sequence,
                _time_text(created_at),
                remembered(organization_id) or id_text(organization_id),
                remembered(actor_id) or id_text(actor_id),
                actor_username,
                actor_role,
                action,
                object_type,
                object_id,
                remembered(tender_id) or id_text(tender_id),
                data if data.__class__ is str else _data_text(data),
                request_id,
                client_address,
                prev_hash,
                digest,
            )
            for (
                event_id,
                chain,
                sequence,
                created_at,
                organization_id,
                actor_id,
                actor_username,
                actor_role,
                action,
                object_type,
                object_id,
                tender_id,
                data,
                request_id,
                client_address,
                prev_hash,
                digest,
            ) in block
        ]


def event_values(
    queryset: QuerySet[AuditEvent], *, sealed: frozenset[str] = frozenset()
) -> Iterator[EventRow]:
    """One ``EventRow`` after another (for tabular exports)."""
    for block in event_text_blocks(queryset, sealed=sealed):
        yield from block


def event_rows(queryset: QuerySet[AuditEvent], *, parse_data: bool = True) -> Iterator[dict]:
    """Plain dicts of the hashed form (strings for ids and times), streamed from the database.

    With ``parse_data=False`` the ``data`` value is the stored JSON text (exports write it as
    it is; the verifier parses it).
    """
    loads = json.loads
    for block in event_text_blocks(queryset):
        for row in block:
            event = dict(zip(EVENT_FIELDS, row))  # noqa: B905 - a row has every field
            if parse_data:
                event["data"] = loads(row.data)
            yield event


def is_platform_operator(user: Any) -> bool:
    # The user model says who the operator is; audit imports no domain app.
    return bool(user and user.is_authenticated and getattr(user, "is_platform_operator", False))


def chains_for(user: Any) -> list[str] | None:
    """The chains the user may verify: None means all (the platform operator)."""
    if is_platform_operator(user):
        return None
    return [str(user.organization_id)]


def verify_chains(chains: list[str] | None = None) -> dict[str, Any]:
    """Walk the chains (all when ``chains`` is None) from their first event and compare the
    end with each chain head. See ``audit.chain.verify_events`` for the reasons reported."""
    events = AuditEvent.objects.order_by("chain", "sequence")
    heads = ChainHead.objects.all()
    if chains is not None:
        events = events.filter(chain__in=chains)
        heads = heads.filter(chain__in=chains)
    head_map = {
        chain: (seq, digest)
        for chain, seq, digest in heads.values_list("chain", "sequence", "hash")
    }
    return chain_math.verify_events(event_rows(events), heads=head_map)
