"""Helpers for the audit tests: a few events in a chain, and tampering with the database."""

import pytest
from django.db import connection

from audit.services import record

PG_TRIGGER = "DROP TRIGGER audit_event_append_only ON audit_auditevent"
SQLITE_TRIGGERS = ("DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete")


@pytest.fixture
def tamper(db):
    """tamper(sql, params) runs raw SQL on audit_auditevent with the append-only triggers
    dropped. The drop happens inside the test's transaction, so it is rolled back with it and
    the other tests keep their triggers."""
    dropped = []

    def run(sql: str, params=()):
        if not dropped:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(PG_TRIGGER)
                else:
                    for statement in SQLITE_TRIGGERS:
                        cursor.execute(statement)
            dropped.append(True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.fixture
def chain_of(db):
    """chain_of(user, n) records n events by the user and returns them, oldest first."""

    def make(user, n: int, **kwargs):
        return [
            record(
                action="test.step",
                actor=user,
                object_type="step",
                object_id=str(i),
                data={"step": i, "note": f"step {i}"},
                **kwargs,
            )
            for i in range(1, n + 1)
        ]

    return make
