"""The audit trail is the outbox (ARCHITECTURE.md, "Second wave"; ADR 0005).

An event is written in the same transaction as the change it describes. Once that transaction
has committed, ``events_committed`` is sent for it, so that the apps above (publication:
OCDS releases; webhooks: deliveries) can queue the task that reads the new events of the
chain from where it last stopped. A rolled-back change sends nothing, because its events were
never committed; a crash between the commit and the signal loses nothing, because the tasks
read from their own cursor and a periodic sweep catches up.

Audit is a leaf: it knows nothing of its readers. They connect in their ``AppConfig.ready``:

    events_committed.connect(receiver, dispatch_uid="publication")

and receive ``event`` (the committed ``AuditEvent``). Receivers must be quick (queue a task,
never send anything themselves); a receiver that raises is logged and does not break the
request, whose change has already committed.
"""

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

events_committed = Signal()


def _send(event: Any) -> None:
    for receiver, result in events_committed.send_robust(sender=type(event), event=event):
        if isinstance(result, Exception):
            logger.error(
                "outbox receiver %r failed for event %s/%s",
                receiver,
                event.chain,
                event.sequence,
                exc_info=result,
            )


def announce(event: Any) -> None:
    """Send ``events_committed`` for ``event`` once its transaction has committed."""
    transaction.on_commit(lambda: _send(event))
