"""Reads of the audit trail, already limited to what the acting user may see, and the walk
that verifies the chains in the database.

Who reads what:

- the platform operator (a superuser without an organisation): every chain, except what
  suppliers did about a tender whose bids are still sealed (the seal holds for the operator
  too, API.md "Sealed bids");
- admins and auditors: their organisation's whole chain;
- officers: the events of their organisation's tenders, and their own actions;
- evaluators and bidders: their own actions;
- nobody: anything of another organisation.
"""

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from audit import chain as chain_math
from audit.models import AuditEvent, ChainHead

WHOLE_CHAIN_ROLES = frozenset({"admin", "auditor"})

# The columns of an export and of the verification walk, in this order.
EVENT_FIELDS = (
    "id",
    "chain",
    "sequence",
    "created_at",
    "organization_id",
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
    "hash",
)
CHUNK_SIZE = 2000


def is_platform_operator(user: Any) -> bool:
    # The user model says who the operator is; audit imports no domain app.
    return bool(user and user.is_authenticated and getattr(user, "is_platform_operator", False))


def events_for(user: Any) -> QuerySet[AuditEvent]:
    """Audit events the user may read (see the module docstring)."""
    # Imported here: audit sits below procurement and loads without it.
    from procurement.models import Tender
    from procurement.selectors import UNSEALED_STATUSES

    qs = AuditEvent.objects.all()
    if not user or not user.is_authenticated:
        return qs.none()
    if is_platform_operator(user):
        sealed_and_foreign = (
            Tender.objects.filter(pk=OuterRef("tender_id"))
            .exclude(status__in=UNSEALED_STATUSES)
            .exclude(organization_id=OuterRef("organization_id"))
        )
        return qs.exclude(Exists(sealed_and_foreign))
    if not user.organization_id:
        return qs.none()
    own = qs.filter(organization_id=user.organization_id)
    if user.role in WHOLE_CHAIN_ROLES:
        return own
    if user.role == "officer":
        tenders = Tender.objects.filter(organization_id=user.organization_id).values("pk")
        return own.filter(Q(tender_id__in=tenders) | Q(actor_id=user.pk))
    return own.filter(actor_id=user.pk)


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
        # SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC (read as text, see _select).
        length = len(value)
        if length == 26 and value[10] == " " and value[19] == ".":
            return value.replace(" ", "T", 1) + "Z"
        if length == 19 and value[10] == " ":
            return value.replace(" ", "T", 1) + ".000000Z"
        # Anything else is read as the driver's converter would read it.
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite's converter: naive, in UTC
        return value.isoformat(timespec="microseconds") + "Z"
    return chain_math.iso_time(value)


def _select(queryset: QuerySet[AuditEvent]) -> tuple[str, Any] | None:
    """The SQL and parameters of ``EVENT_FIELDS`` for the queryset (None: no rows at all).

    On SQLite ``created_at`` is read as its stored text (``CAST(... AS text)``): the driver's
    datetime converter and ``isoformat`` would cost more than slicing that text. On PostgreSQL
    the ids are read as text for the same reason.
    """
    vendor = connections[queryset.db].vendor
    fields = [*EVENT_FIELDS]
    if vendor == "sqlite":
        fields[_TIME_COLUMN] = "_created_text"
        queryset = queryset.annotate(_created_text=Cast("created_at", TextField()))
    elif vendor == "postgresql":
        # uuid::text is what str(UUID) gives, without building UUID objects in the driver.
        for index in _UUID_COLUMNS:
            fields[index] = f"_{EVENT_FIELDS[index]}_text"
        queryset = queryset.annotate(
            **{fields[i]: Cast(EVENT_FIELDS[i], TextField()) for i in _UUID_COLUMNS}
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


def event_text_blocks(queryset: QuerySet[AuditEvent]) -> Iterator[list[tuple]]:
    """Blocks of tuples in ``EVENT_FIELDS`` order, ids and times as text (None for a missing
    id), ``data`` as stored JSON text: the cheapest form, for exports.

    Organisation, actor and tender ids repeat from row to row: their text is remembered (a
    bounded cache, so memory stays flat).
    """
    uuid_text, time_text = _uuid_text, _time_text
    known: dict[Any, str | None] = {None: None, "": None}
    known_get = known.get

    def remembered(value: Any) -> str | None:
        if len(known) > _UUID_CACHE_SIZE:
            known.clear()
            known.update({None: None, "": None})
        text = known[value] = uuid_text(value)
        return text

    for block in _raw_blocks(queryset):
        converted: list[tuple] = []
        append = converted.append
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
        ) in block:
            append(
                (
                    uuid_text(event_id),
                    chain,
                    sequence,
                    time_text(created_at),
                    known_get(organization_id) or remembered(organization_id),
                    known_get(actor_id) or remembered(actor_id),
                    actor_username,
                    actor_role,
                    action,
                    object_type,
                    object_id,
                    known_get(tender_id) or remembered(tender_id),
                    data if data.__class__ is str else _data_text(data),
                    request_id,
                    client_address,
                    prev_hash,
                    digest,
                )
            )
        yield converted


def event_values(queryset: QuerySet[AuditEvent]) -> Iterator[list]:
    """Lists in ``EVENT_FIELDS`` order, ids and times as text, ``data`` as stored JSON text:
    for tabular exports."""
    for block in event_text_blocks(queryset):
        for values in block:
            yield list(values)


def event_rows(queryset: QuerySet[AuditEvent], *, parse_data: bool = True) -> Iterator[dict]:
    """Plain dicts of the hashed form (strings for ids and times), streamed from the database.

    With ``parse_data=False`` the ``data`` value is the stored JSON text (exports write it as
    it is; the verifier parses it).
    """
    loads = json.loads
    for block in event_text_blocks(queryset):
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
        ) in block:
            yield {
                "id": event_id,
                "chain": chain,
                "sequence": sequence,
                "created_at": created_at,
                "organization_id": organization_id,
                "actor_id": actor_id,
                "actor_username": actor_username,
                "actor_role": actor_role,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "tender_id": tender_id,
                "data": loads(data) if parse_data else data,
                "request_id": request_id,
                "client_address": client_address,
                "prev_hash": prev_hash,
                "hash": digest,
            }


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
