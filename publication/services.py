"""Releases from audit events, through the outbox (ARCHITECTURE.md, "Second wave"; ADR 0005).

After an audit event commits, ``audit.outbox.events_committed`` reaches ``on_event_committed``,
which queues ``publish_chain_task`` (after the commit: never inside a transaction). The task
reads the new events of the event's chain from the chain's cursor, claimed with SELECT ... FOR
UPDATE, derives a release from each milestone (``publication.ocds.MILESTONES``), stores it
once (one per audit event, unique), compiles the tender's record and moves the cursor on, all
in one transaction: it is idempotent and runs again safely. A periodic sweep (beat) and the
``publish_ocds_releases`` command read every chain whose head is ahead of its cursor, so an
event whose hand-over was lost after the commit (a crash, a broker down) is still published,
and the events recorded before publication existed are published the first time it runs.
"""

import functools
import logging
from typing import Any

import ocdsmerge
from django.db import transaction
from django.db.models import Max

from audit.models import AuditEvent, ChainHead
from procurement.models import Tender
from publication import exactjson
from publication.models import ChainCursor, Record, Release
from publication.ocds import MILESTONES, Stage, build_release, ocid_for
from publication.schemas import merge_schema

logger = logging.getLogger(__name__)

BATCH = 200  # milestone events per transaction


def on_event_committed(sender: Any, event: AuditEvent, **kwargs: Any) -> None:
    """The outbox's receiver: queue the chain's task for a tender milestone (quick)."""
    if not event.tender_id or event.action not in MILESTONES:
        return
    chain = event.chain
    transaction.on_commit(lambda: _queue(chain))


def _queue(chain: str) -> None:
    from publication.tasks import publish_chain_task  # noqa: PLC0415 - tasks import services

    publish_chain_task.delay(chain)


@functools.cache
def merger() -> ocdsmerge.Merger:
    """ocdsmerge with the local release schema and its extensions: nothing is downloaded."""
    return ocdsmerge.Merger(schema=merge_schema())


def publish_chain(chain: str) -> int:
    """Publish the releases of the chain's new milestone events; the number stored."""
    total = 0
    while True:
        stored, more = _publish_batch(chain)
        total += stored
        if not more:
            return total


@transaction.atomic
def _publish_batch(chain: str) -> tuple[int, bool]:
    ChainCursor.objects.bulk_create([ChainCursor(chain=chain)], ignore_conflicts=True)
    cursor = ChainCursor.objects.select_for_update().get(chain=chain)
    # Sequences are given under the chain head's lock and commit in order: every event up to
    # the newest committed one is here to read.
    head = AuditEvent.objects.filter(chain=chain).aggregate(m=Max("sequence"))["m"] or 0
    if head <= cursor.sequence:
        return 0, False
    events = list(
        AuditEvent.objects.filter(
            chain=chain,
            sequence__gt=cursor.sequence,
            sequence__lte=head,
            action__in=list(MILESTONES),
            tender_id__isnull=False,
        ).order_by("sequence")[:BATCH]
    )
    more = len(events) == BATCH
    touched: dict[int, Record] = {}
    stored = 0
    for event in events:
        record = _release_for(event)
        if record is not None:
            touched[record.pk] = record
            stored += 1
    for record in touched.values():
        compile_record(record)
    cursor.sequence = events[-1].sequence if more else head
    cursor.save(update_fields=["sequence", "updated_at"])
    return stored, more


def _release_for(event: AuditEvent) -> Record | None:
    """Store the release of one milestone event (once): its record, or None when nothing was
    stored (no release for this event, or it is stored already)."""
    if (
        event.tender_id is None
        or Release.objects.filter(event_chain=event.chain, event_sequence=event.sequence).exists()
    ):
        return None
    tender = Tender.objects.select_related("organization").filter(pk=event.tender_id).first()
    if tender is None or tender.published_at is None:
        return None  # never published: a draft is never public
    data = event.data or {}
    previous_status = str(data.get("previous_status") or "")
    if event.action == "tender.cancelled" and previous_status in ("", Tender.Status.DRAFT):
        return None  # a draft cancelled was never public
    tag, stage = MILESTONES[event.action]
    ocid = ocid_for(tender.pk)
    record, _created = Record.objects.get_or_create(
        tender_id=tender.pk,
        defaults={"ocid": ocid, "compiled_json": "{}", "updated_at": event.created_at},
    )
    release_id = f"{ocid}-{event.sequence}"
    release = build_release(
        tender,
        release_id=release_id,
        date=event.created_at,
        tag=tag,
        stage=stage,
        previous_status=previous_status,
        amendments=data.get("amendment") if event.action == "tender.amended" else None,
    )
    Release.objects.create(
        record=record,
        ocid=ocid,
        release_id=release_id,
        tag=[tag],
        date=event.created_at,
        tender_id=tender.pk,
        event_chain=event.chain,
        event_sequence=event.sequence,
        event_action=event.action,
        release_json=exactjson.dumps(release),
    )
    return record


def compile_record(record: Record) -> None:
    releases = list(record.releases.order_by("date", "id"))
    compiled = merger().create_compiled_release([exactjson.loads(r.release_json) for r in releases])
    record.compiled_json = exactjson.dumps(compiled)
    record.updated_at = max(r.created_at for r in releases)
    record.save(update_fields=["compiled_json", "updated_at"])


def sweep() -> int:
    """Publish every chain whose head is ahead of its cursor (beat, and the backfill)."""
    cursors = dict(ChainCursor.objects.values_list("chain", "sequence"))
    total = 0
    for chain, sequence in ChainHead.objects.values_list("chain", "sequence"):
        if sequence > cursors.get(chain, 0):
            total += publish_chain(chain)
    return total


def current_release(tender: Tender) -> dict[str, Any]:
    """The tender as one release of its present stage, for its own staff (a draft as
    ``planning``): built afresh, never stored, never in the public feed."""
    stage = {
        Tender.Status.DRAFT: Stage.PLANNING,
        Tender.Status.OPENED: Stage.OPENED,
        Tender.Status.EVALUATED: Stage.EVALUATED,
        Tender.Status.AWARDED: Stage.AWARDED,
        Tender.Status.CANCELLED: Stage.CANCELLED,
    }.get(tender.status, Stage.PUBLISHED)  # type: ignore[call-overload]  # a stored choice
    tag = {
        Stage.PLANNING: "planning",
        Stage.AWARDED: "award",
        Stage.CANCELLED: "tenderCancellation",
    }.get(stage, "tender")
    ocid = ocid_for(tender.pk)
    return build_release(
        tender,
        release_id=f"{ocid}-v{tender.version}",
        date=tender.updated_at,
        tag=tag,
        stage=stage,
        previous_status=Tender.Status.OPENED if tender.opened_at else "",
    )
