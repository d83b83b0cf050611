"""Recording audit events, in the same transaction as the change they describe."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import chain as chain_math
from audit import context
from audit.models import AuditEvent, ChainHead

PLATFORM_CHAIN = "platform"


def _chain_for(organization_id: Any) -> str:
    return str(organization_id) if organization_id else PLATFORM_CHAIN


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
) -> AuditEvent:
    """Append one event to the organisation's chain.

    The chain head row is locked (SELECT ... FOR UPDATE; on SQLite the IMMEDIATE transaction
    holds the write lock) before the previous hash is read, so concurrent writers can never
    fork the chain. Call it inside the service's transaction: the event and the change commit
    or roll back together.
    """
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
        payload = {
            "chain": chain,
            "sequence": head.sequence + 1,
            "created_at": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "actor_id": str(actor.pk) if actor is not None else None,
            "actor_username": actor.get_username() if actor is not None else f"system:{system}",
            "actor_role": (getattr(actor, "role", "") or "") if actor is not None else "system",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id) if object_id else "",
            "tender_id": str(tender_id) if tender_id else None,
            "data": chain_math.to_json_value(data or {}),
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
            actor=actor if actor is not None and actor.pk else None,
            actor_username=payload["actor_username"],
            actor_role=payload["actor_role"],
            action=action,
            object_type=object_type,
            object_id=payload["object_id"],
            tender_id=tender_id,
            data=payload["data"],
            request_id=ctx.request_id,
            client_address=ctx.client_address,
            prev_hash=head.hash,
            hash=digest,
        )
        ChainHead.objects.filter(chain=chain).update(sequence=payload["sequence"], hash=digest)
    return event
