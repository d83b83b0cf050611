"""Concurrent appends never fork a chain: the head row is locked before the previous hash is read."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.selectors import verify_chains
from audit.services import record

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
THREADS = 8
EVENTS_EACH = 15


@pytest.mark.skipif(
    not ON_POSTGRES,
    reason=(
        "PostgreSQL only: row locks between connections are what is tested. SQLite serialises "
        "every writer with its database lock (IMMEDIATE transactions), and the flush after a "
        "transactional test would DELETE from the append-only table there."
    ),
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_append_one_unbroken_chain(buyer, make_user):
    users = [make_user("officer", buyer) for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors = []

    def write(user):
        try:
            start.wait(timeout=30)
            for i in range(EVENTS_EACH):
                with transaction.atomic():
                    record(action="test.concurrent", actor=user, object_type="x", data={"i": i})
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    sequences = list(
        AuditEvent.objects.filter(chain=str(buyer.pk))
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, THREADS * EVENTS_EACH + 1))
    result = verify_chains([str(buyer.pk)])
    assert (result["valid"], result["events_checked"]) == (True, THREADS * EVENTS_EACH)
