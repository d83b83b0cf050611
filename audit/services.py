"""Recording audit events, in the same transaction as the change they describe."""

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import chain as chain_math
from audit import context
from audit.models import AuditEvent, ChainHead
from audit.outbox import announce

PLATFORM_CHAIN = "platform"

# Milestones of a procurement carry the chain head of that moment in their data, so a printed
# protocol or an exported evidence package pins the whole history before it.
MILESTONE_ACTIONS = frozenset(
    {
        "tender.published",
        "tender.deadline_passed",
        "tender.opened",
        "evaluation.completed",
        "tender.awarded",
    }
)


def _chain_for(organization_id: Any) -> str:
    return str(organization_id) if organization_id else PLATFORM_CHAIN


def _role_of(actor: Any) -> str:
    if actor is None:
        return "system"
    role = getattr(actor, "role", "") or ""
    if not role and getattr(actor, "is_superuser", False):
        return "superuser"
    return role


def record(
    *,
    action: str,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: Any = "",
    organization_id: Any = None,
    tender_id: Any = None,
    data: dict[str, Any] | None = None,
    system: str = "",
    milestone: bool | None = None,
) -> AuditEvent:
    """Append one event to the organisation's chain.

    The chain head row is locked (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction
    holds the write lock) before the previous hash is read, so concurrent writers can never
    fork the chain. Call it inside the service's transaction: the event and the change commit
    or roll back together.

    ``milestone`` (by default: the action is one of ``MILESTONE_ACTIONS``) adds
    ``data["chain_head"] = {"sequence", "hash"}``, the newest link before this event.
    ``system`` names the task or clock that acted when there is no user (``actor=None``).
    """
    if milestone is None:
        milestone = action in MILESTONE_ACTIONS
    if obj is not None:
        object_type = object_type or obj._meta.label_lower.split(".")[-1]
        object_id = object_id or obj.pk
    if organization_id is None and actor is not None:
        organization_id = getattr(actor, "organization_id", None)
    chain = _chain_for(organization_id)
    ctx = context.current()
    with transaction.atomic():
        ChainHead.objects.bulk_create(
            [ChainHead(chain=chain, sequence=0, hash=chain_math.GENESIS_HASH)],
            ignore_conflicts=True,
        )
        head = ChainHead.objects.select_for_update().get(chain=chain)
        now = timezone.now()
        content = dict(data or {})
        if milestone:
            content["chain_head"] = {"sequence": head.sequence, "hash": head.hash}
        actor_id = str(actor.pk) if actor is not None and actor.pk else None
        payload = {
            "chain": chain,
            "sequence": head.sequence + 1,
            "created_at": chain_math.iso_time(now),
            "actor_id": actor_id,
            "actor_username": actor.get_username() if actor is not None else f"system:{system}",
            "actor_role": _role_of(actor),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id) if object_id else "",
            "tender_id": str(uuid.UUID(str(tender_id))) if tender_id else None,
            "data": chain_math.to_json_value(content),
            "request_id": ctx.request_id,
            "client_address": ctx.client_address,
            "prev_hash": head.hash,
        }
        digest = chain_math.event_hash(payload)
        event = AuditEvent.objects.create(
            chain=chain,
            sequence=payload["sequence"],
            created_at=now,
            organization_id=organization_id,
            actor_id=actor_id,
            actor_username=payload["actor_username"],
            actor_role=payload["actor_role"],
            action=action,
            object_type=object_type,
            object_id=payload["object_id"],
            tender_id=payload["tender_id"],
            data=payload["data"],
            request_id=ctx.request_id,
            client_address=ctx.client_address,
            prev_hash=head.hash,
            hash=digest,
        )
        ChainHead.objects.filter(chain=chain).update(sequence=payload["sequence"], hash=digest)
        announce(event)
    return event


def record_deferred(**kwargs: Any) -> None:
    """Record an event that must stand even when the request's transaction rolls back.

    Inside a write request (see ``RequestTransactionMiddleware``) the event is kept aside and
    written, in its own transaction, once the request's transaction has ended; elsewhere it is
    recorded at once. For refusals: the refused change is undone, the attempt is not.
    """
    pending = context.current().deferred
    if pending is not None and transaction.get_connection().in_atomic_block:
        pending.append(kwargs)
        return
    with transaction.atomic():
        record(**kwargs)


def after_request(action: Callable[[], Any]) -> None:
    """Run ``action`` once the request's transaction has ended (committed or rolled back), in
    a transaction of its own; elsewhere at once. For what a refusal must leave behind that is
    not an event: the count of refusals that decides which of them are recorded."""
    pending = context.current().deferred
    if pending is not None and transaction.get_connection().in_atomic_block:
        pending.append({"_call": action})
        return
    with transaction.atomic():
        action()


def flush_deferred() -> None:
    """Write the events ``record_deferred`` kept aside and run what ``after_request`` kept
    (called after the request's transaction), in order."""
    pending = context.current().deferred
    while pending:
        kwargs = pending.pop(0)
        with transaction.atomic():
            if "_call" in kwargs:
                kwargs["_call"]()
            else:
                record(**kwargs)


def record_export(*, actor: Any, file_format: str, filters: dict[str, Any]) -> AuditEvent:
    """Each export of the trail is itself an event: who took which part of the history."""
    with transaction.atomic():
        return record(
            action="audit.exported",
            actor=actor,
            object_type="audit_export",
            data={"format": file_format, "filters": filters},
        )
