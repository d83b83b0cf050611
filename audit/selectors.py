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
from django.db.models import Exists, OuterRef, Q, QuerySet

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
    return bool(user and user.is_authenticated and user.is_superuser and not user.organization_id)


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
        # SQLite keeps "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC.
        text = value.replace(" ", "T", 1)
        return (text if "." in text else text + ".000000") + "Z"
    if value.tzinfo is None:  # SQLite's converter: naive, in UTC
        return value.isoformat(timespec="microseconds") + "Z"
    return chain_math.iso_time(value)


def _raw_rows(queryset: QuerySet[AuditEvent]) -> Iterator[tuple]:
    """Rows as the database driver returns them, fetched in chunks.

    Django's per-value converters (UUID objects, datetime parsing, JSON decoding) cost more
    than the export itself, so the compiled query runs on ``chunked_cursor()``: a server-side
    cursor on PostgreSQL, ``fetchmany`` batches on SQLite. Memory stays flat either way.
    """
    try:
        sql, params = (
            queryset.values_list(*EVENT_FIELDS).query.get_compiler(using=queryset.db).as_sql()
        )
    except EmptyResultSet:
        return
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            yield from rows


_UUID_COLUMNS = tuple(
    i
    for i, name in enumerate(EVENT_FIELDS)
    if name in ("id", "organization_id", "actor_id", "tender_id")
)
_TIME_COLUMN = EVENT_FIELDS.index("created_at")
_DATA_COLUMN = EVENT_FIELDS.index("data")


def event_values(queryset: QuerySet[AuditEvent]) -> Iterator[list]:
    """Lists in ``EVENT_FIELDS`` order, ids and times as text, ``data`` as stored JSON text:
    the cheapest form, for tabular exports."""
    uuid_text, time_text, canonical = _uuid_text, _time_text, chain_math.canonical
    for row in _raw_rows(queryset):
        values = list(row)
        for index in _UUID_COLUMNS:
            values[index] = uuid_text(values[index])
        values[_TIME_COLUMN] = time_text(values[_TIME_COLUMN])
        if not isinstance(values[_DATA_COLUMN], str):
            values[_DATA_COLUMN] = canonical(values[_DATA_COLUMN])
        yield values


def event_rows(queryset: QuerySet[AuditEvent], *, parse_data: bool = True) -> Iterator[dict]:
    """Plain dicts of the hashed form (strings for ids and times), streamed from the database.

    With ``parse_data=False`` the ``data`` value is the stored JSON text (exports write it as
    it is; the verifier parses it).
    """
    loads = json.loads
    for row in _raw_rows(queryset):
        (
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
        ) = row
        if parse_data:
            data = loads(data) if isinstance(data, str | bytes) else data
        elif not isinstance(data, str):
            data = chain_math.canonical(data)
        yield {
            "id": _uuid_text(event_id),
            "chain": chain,
            "sequence": sequence,
            "created_at": _time_text(created_at),
            "organization_id": _uuid_text(organization_id),
            "actor_id": _uuid_text(actor_id),
            "actor_username": actor_username,
            "actor_role": actor_role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "tender_id": _uuid_text(tender_id),
            "data": data,
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
