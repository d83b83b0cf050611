"""The chain in the database: append-only, linked by hashes, and every tampering is caught."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS_HASH, event_hash, hashed_payload
from audit.models import AuditEvent, ChainHead
from audit.selectors import event_rows, verify_chains
from audit.services import record


def _verify(org):
    return verify_chains([str(org.pk)])


def _rehash(event_id):
    """The hash an attacker would write after changing an event (to hide the change)."""
    row = next(event_rows(AuditEvent.objects.filter(pk=event_id)))
    return event_hash(hashed_payload(row))


def test_events_link_to_their_predecessor_and_the_head_follows(buyer, make_user, chain_of):
    officer = make_user("officer", buyer)
    events = chain_of(officer, 3)

    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert all(e.chain == str(buyer.pk) for e in events)
    head = ChainHead.objects.get(chain=str(buyer.pk))
    assert (head.sequence, head.hash) == (3, events[2].hash)
    assert _verify(buyer) == {
        "valid": True,
        "events_checked": 3,
        "first_invalid": None,
        "chains": [
            {
                "chain": str(buyer.pk),
                "first_sequence": 1,
                "last_sequence": 3,
                "last_hash": events[2].hash,
            }
        ],
    }


def test_the_stored_row_hashes_to_the_recorded_hash(buyer, make_user, chain_of):
    officer = make_user("officer", buyer)
    (event,) = chain_of(officer, 1, tender_id="0B4C7C6E-3F5A-4F0E-9C59-5E1A8C2D7B10")

    row = next(event_rows(AuditEvent.objects.filter(pk=event.pk)))

    assert row["tender_id"] == "0b4c7c6e-3f5a-4f0e-9c59-5e1a8c2d7b10"
    assert row["actor_id"] == str(officer.pk)
    assert event_hash(hashed_payload(row)) == event.hash


def test_an_event_at_a_whole_second_reads_and_verifies_with_its_microseconds(
    buyer, make_user, chain_of, clock
):
    """The database writes the time (PostgreSQL) or its stored text is finished (SQLite) in
    the hashed form: ``.000000Z`` when there are no microseconds, as ``iso_time`` writes it."""
    officer = make_user("officer", buyer)
    clock.move_to(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
    (event,) = chain_of(officer, 1)

    row = next(event_rows(AuditEvent.objects.filter(pk=event.pk)))

    assert row["created_at"] == "2026-03-01T12:00:00.000000Z"
    assert _verify(buyer)["valid"] is True


def test_organisations_have_separate_chains_and_the_platform_its_own(
    buyer, other_buyer, make_user, superuser
):
    a = record(action="test.a", actor=make_user("officer", buyer), object_type="x")
    b = record(action="test.b", actor=make_user("officer", other_buyer), object_type="x")
    p = record(action="test.p", actor=superuser, object_type="x")

    assert (a.chain, a.sequence) == (str(buyer.pk), 1)
    assert (b.chain, b.sequence) == (str(other_buyer.pk), 1)
    assert (p.chain, p.sequence, p.actor_role) == ("platform", 1, "superuser")


def test_a_system_actor_is_named_with_its_task(buyer):
    event = record(action="test.tick", system="clock", organization_id=buyer.pk, object_type="x")

    assert (event.actor_id, event.actor_username, event.actor_role) == (
        None,
        "system:clock",
        "system",
    )


def test_milestones_carry_the_chain_head_before_them(buyer, make_user, chain_of):
    officer = make_user("officer", buyer)
    before = chain_of(officer, 2)

    published = record(action="tender.published", actor=officer, object_type="tender")
    ordinary = record(action="tender.updated", actor=officer, object_type="tender")
    forced = record(action="test.milestone", actor=officer, object_type="x", milestone=True)

    assert published.data["chain_head"] == {"sequence": 2, "hash": before[1].hash}
    assert "chain_head" not in ordinary.data
    assert forced.data["chain_head"] == {"sequence": 4, "hash": ordinary.hash}
    assert _verify(buyer)["valid"] is True


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_raw_update_and_delete_of_events(
    buyer, make_user, chain_of, statement
):
    (event,) = chain_of(make_user("officer", buyer), 1)
    sql = {
        "update": "UPDATE audit_auditevent SET action = 'forged' WHERE id = %s",
        "delete": "DELETE FROM audit_auditevent WHERE id = %s",
    }[statement]
    event_id = event.pk.hex if connection.vendor == "sqlite" else str(event.pk)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event_id])

    assert AuditEvent.objects.get(pk=event.pk).action == "test.step"


def test_the_orm_cannot_change_or_delete_events_either(buyer, make_user, chain_of):
    (event,) = chain_of(make_user("officer", buyer), 1)

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk, data__step=1).exists()


def test_the_chain_head_stays_updatable(buyer, make_user, chain_of):
    chain_of(make_user("officer", buyer), 1)

    ChainHead.objects.filter(chain=str(buyer.pk)).update(sequence=1)


def test_deleting_a_user_keeps_their_events(buyer, make_user, chain_of):
    officer = make_user("officer", buyer)
    events = chain_of(officer, 2)
    officer_id = officer.pk

    officer.delete()

    kept = AuditEvent.objects.get(pk=events[0].pk)
    assert (kept.actor_id, kept.actor_username) == (officer_id, officer.username)
    assert _verify(buyer)["valid"] is True


# --- tampering: each way must be caught, with the trigger dropped inside the test ---


def _db_id(event):
    return event.pk.hex if connection.vendor == "sqlite" else str(event.pk)


def test_verify_catches_changed_content(buyer, make_user, chain_of, tamper):
    events = chain_of(make_user("officer", buyer), 5)

    tamper(
        "UPDATE audit_auditevent SET actor_username = 'someone_else' WHERE id = %s",
        [_db_id(events[2])],
    )

    result = _verify(buyer)
    assert result["valid"] is False
    assert result["first_invalid"]["sequence"] == 3
    assert result["first_invalid"]["reason"] == "changed content"
    assert result["first_invalid"]["id"] == str(events[2].pk)


def test_verify_catches_changed_data_even_when_the_event_is_rehashed(
    buyer, make_user, chain_of, tamper
):
    events = chain_of(make_user("officer", buyer), 5)
    target = _db_id(events[1])
    tamper(
        "UPDATE audit_auditevent SET data = %s WHERE id = %s",
        ['{"note": "step 2", "step": 99}', target],
    )
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [_rehash(events[1].pk), target])

    result = _verify(buyer)

    assert result["valid"] is False
    # The successor committed to the old hash: its link is what breaks.
    assert (result["first_invalid"]["sequence"], result["first_invalid"]["reason"]) == (
        3,
        "wrong previous hash",
    )


def test_verify_catches_a_missing_event(buyer, make_user, chain_of, tamper):
    events = chain_of(make_user("officer", buyer), 5)

    tamper("DELETE FROM audit_auditevent WHERE id = %s", [_db_id(events[2])])

    result = _verify(buyer)
    assert result["valid"] is False
    assert result["first_invalid"]["sequence"] == 4
    assert result["first_invalid"]["reason"] == "missing event"


def test_verify_catches_a_missing_last_event_against_the_chain_head(
    buyer, make_user, chain_of, tamper
):
    events = chain_of(make_user("officer", buyer), 3)

    tamper("DELETE FROM audit_auditevent WHERE id = %s", [_db_id(events[2])])

    result = _verify(buyer)
    assert result["valid"] is False
    assert (result["first_invalid"]["sequence"], result["first_invalid"]["reason"]) == (
        3,
        "missing event",
    )


def test_verify_catches_reordered_events(buyer, make_user, chain_of, tamper):
    events = chain_of(make_user("officer", buyer), 5)
    third, fourth = _db_id(events[2]), _db_id(events[3])

    # Swap the sequence numbers of events 3 and 4 (through a free number: it is unique).
    tamper("UPDATE audit_auditevent SET sequence = 1000 WHERE id = %s", [third])
    tamper("UPDATE audit_auditevent SET sequence = 3 WHERE id = %s", [fourth])
    tamper("UPDATE audit_auditevent SET sequence = 4 WHERE id = %s", [third])

    result = _verify(buyer)
    assert result["valid"] is False
    assert result["first_invalid"]["sequence"] == 3
    assert result["first_invalid"]["reason"] == "reordered events"
    assert result["first_invalid"]["id"] == str(events[3].pk)


def test_verify_catches_a_wrong_previous_hash(buyer, make_user, chain_of, tamper):
    events = chain_of(make_user("officer", buyer), 5)
    target = _db_id(events[3])

    # Point event 4 at a forged predecessor and rehash it, so its own hash is consistent.
    tamper("UPDATE audit_auditevent SET prev_hash = %s WHERE id = %s", ["f" * 64, target])
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [_rehash(events[3].pk), target])

    result = _verify(buyer)
    assert result["valid"] is False
    assert result["first_invalid"]["sequence"] == 4
    assert result["first_invalid"]["reason"] == "wrong previous hash"


def test_verify_catches_a_rewritten_last_event_against_the_chain_head(
    buyer, make_user, chain_of, tamper
):
    events = chain_of(make_user("officer", buyer), 3)
    target = _db_id(events[2])
    tamper("UPDATE audit_auditevent SET action = 'test.other' WHERE id = %s", [target])
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", [_rehash(events[2].pk), target])

    result = _verify(buyer)

    assert result["valid"] is False
    assert (result["first_invalid"]["sequence"], result["first_invalid"]["reason"]) == (
        3,
        "changed content",
    )


def test_the_triggers_are_back_after_a_tampering_test(buyer, make_user, chain_of):
    """The drop in the tests above was rolled back with their transaction."""
    (event,) = chain_of(make_user("officer", buyer), 1)

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [_db_id(event)])
