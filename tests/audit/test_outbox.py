"""The audit trail is the outbox: its readers hear of an event only once the change it
describes has committed, and never of a change that was rolled back."""

import pytest
from django.db import transaction

from audit.outbox import events_committed
from audit.services import record

pytestmark = pytest.mark.django_db

# The test runs inside a transaction that is rolled back at its end: the capture stands for
# the commit of the request's transaction (the callbacks run as they would after it).


@pytest.fixture
def heard():
    events = []

    def receiver(sender, event, **kwargs):
        events.append((event.action, event.sequence))

    events_committed.connect(receiver, dispatch_uid="test-outbox")
    yield events
    events_committed.disconnect(dispatch_uid="test-outbox")


def test_a_committed_event_is_announced_after_the_commit(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record(action="tender.published", object_type="tender", object_id="t1")
        record(action="tender.amended", object_type="tender", object_id="t1")
        assert heard == []  # not yet: the change may still roll back
    assert heard == [("tender.published", 1), ("tender.amended", 2)]


def test_a_rolled_back_change_announces_nothing(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            record(action="tender.published", object_type="tender", object_id="t1")
            raise RuntimeError("the change fails after its event was written")
        record(action="tender.cancelled", object_type="tender", object_id="t1")
    assert heard == [("tender.cancelled", 1)]


def test_a_failing_reader_does_not_undo_or_break_the_change(
    heard, django_capture_on_commit_callbacks
):
    def broken(sender, event, **kwargs):
        raise ValueError("a reader's bug")

    events_committed.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = record(action="tender.published", object_type="tender", object_id="t1")
    finally:
        events_committed.disconnect(dispatch_uid="test-broken")
    assert event.pk and heard == [("tender.published", 1)]
