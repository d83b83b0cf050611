"""procurement/services/tenders.py called directly: create, change, publish and cancel a
tender, add and change lots. What changes, what is audited, and what is refused (and then
left as it was)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from procurement.errors import InvalidInput, NotAllowed, PreconditionFailed, StateConflict
from procurement.models import Lot, Tender
from procurement.services.tenders import (
    add_lot,
    cancel_tender,
    create_tender,
    publish_tender,
    update_lot,
    update_tender,
)
from tests.scenarios import new_tender


def test_a_new_tender_is_a_draft_of_the_officers_organisation_with_lot_1(officer, buyer, event):
    tender = new_tender(officer, reference="SVC-1", estimated_value=Decimal("700000.00"))

    tender.refresh_from_db()
    assert (tender.status, tender.organization_id, tender.created_by_id) == (
        Tender.Status.DRAFT,
        buyer.pk,
        officer.pk,
    )
    lots = list(tender.lots.values_list("number", "title", "estimated_value"))
    assert lots == [(1, tender.title, Decimal("700000.00"))]
    created = event("tender.created", tender)
    assert (created.actor_id, created.tender_id) == (officer.pk, tender.pk)
    assert created.data["fields"]["reference"] == "SVC-1"


@pytest.mark.parametrize("role", ["evaluator", "auditor"])
def test_only_officers_and_admins_create_tenders(make_user, buyer, role, refused):
    user = make_user(role, buyer)
    with refused(NotAllowed, "permission_denied"):
        new_tender(user)


def test_a_bidder_cannot_create_a_tender(bidder, refused):
    with refused(NotAllowed):
        new_tender(bidder)


def test_a_reference_is_unique_within_the_organisation_not_across(officer, other_officer, refused):
    new_tender(officer, reference="SAME-1")
    with refused(InvalidInput, "duplicate_reference") as caught:
        new_tender(officer, reference="SAME-1")
    assert caught.value.errors[0]["field"] == "/reference"

    assert new_tender(other_officer, reference="SAME-1").reference == "SAME-1"


def test_invalid_evaluation_settings_are_refused(officer, refused):
    with refused(InvalidInput, "invalid_evaluation") as caught:
        new_tender(officer, evaluation={"method": "astrology"})
    assert caught.value.errors


def test_unknown_fields_are_not_stored(officer):
    tender = create_tender(
        actor=officer,
        reference="SVC-IGNORED",
        title="T",
        procedure="open",
        cpv_codes=["15110000"],
        currency="SEK",
        submission_deadline=timezone.now() + dt.timedelta(days=40),
        evaluation={"method": "lowest_price"},
        status="awarded",
    )
    tender.refresh_from_db()
    assert tender.status == Tender.Status.DRAFT


def test_a_draft_is_changed_its_version_goes_up_and_the_change_is_audited(officer, event):
    tender = new_tender(officer, title="Before")
    version = tender.version

    update_tender(tender=tender, actor=officer, changes={"title": "After"})

    tender.refresh_from_db()
    assert (tender.title, tender.version) == ("After", version + 1)
    changed = event("tender.updated", tender)
    assert changed.actor_id == officer.pk
    assert changed.data["changes"] == {"title": {"from": "Before", "to": "After"}}


def test_a_change_that_changes_nothing_is_not_recorded(officer):
    tender = new_tender(officer, title="Same")
    update_tender(tender=tender, actor=officer, changes={"title": "Same"})

    assert Tender.objects.get(pk=tender.pk).version == tender.version
    assert not AuditEvent.objects.filter(action="tender.updated").exists()


def test_a_stale_version_is_refused(officer, refused):
    tender = new_tender(officer)
    update_tender(tender=tender, actor=officer, changes={"title": "First"})

    with refused(PreconditionFailed, "stale_version") as caught:
        update_tender(tender=tender, actor=officer, changes={"title": "Second"}, expected_version=1)
    assert caught.value.extra["current_version"] == 2


def test_another_organisations_officer_cannot_change_a_draft(officer, other_officer, refused):
    tender = new_tender(officer)
    with refused(NotAllowed):
        update_tender(tender=tender, actor=other_officer, changes={"title": "Hacked"})


def test_a_published_tender_is_frozen(officer, refused):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    with refused(StateConflict, "tender_frozen") as caught:
        update_tender(tender=tender, actor=officer, changes={"title": "Late"})
    assert caught.value.extra["current_status"] == "published"


def test_changing_to_a_taken_reference_is_refused(officer, refused):
    new_tender(officer, reference="TAKEN-1")
    tender = new_tender(officer, reference="FREE-1")
    with refused(InvalidInput, "duplicate_reference"):
        update_tender(tender=tender, actor=officer, changes={"reference": "TAKEN-1"})


def test_publishing_freezes_the_tender_and_keeps_its_warnings(officer, event):
    tender = new_tender(
        officer,
        no_lots_reason="",
        submission_deadline=timezone.now() + dt.timedelta(days=5),
    )

    published = publish_tender(tender=tender, actor=officer)

    published.refresh_from_db()
    assert published.status == Tender.Status.PUBLISHED
    assert published.published_at is not None
    codes = {w["code"] for w in published.publish_warnings}
    assert codes == {"deadline_shorter_than_minimum", "single_lot_without_reason"}
    recorded = event("tender.published", tender)
    assert recorded.actor_id == officer.pk
    assert set(recorded.data["warnings"]) == codes


def test_a_tender_whose_deadline_passed_is_not_published(officer, clock, refused):
    tender = new_tender(officer)
    clock.move_to(tender.submission_deadline + dt.timedelta(minutes=1))
    with refused(InvalidInput, "publish_checks_failed") as caught:
        publish_tender(tender=tender, actor=officer)
    assert [e["field"] for e in caught.value.errors] == ["/submission_deadline"]


def test_a_tender_is_published_once(officer, refused):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    with refused(StateConflict, "not_draft"):
        publish_tender(tender=tender, actor=officer)


def test_an_evaluator_cannot_publish(officer, make_user, buyer, refused):
    tender, evaluator = new_tender(officer), make_user("evaluator", buyer)
    with refused(NotAllowed):
        publish_tender(tender=tender, actor=evaluator)


def test_cancelling_keeps_the_reason_and_the_previous_status(officer, event):
    tender = publish_tender(tender=new_tender(officer), actor=officer)

    cancel_tender(tender=tender, actor=officer, reason="  Budget withdrawn  ")

    tender.refresh_from_db()
    assert (tender.status, tender.cancel_reason) == (Tender.Status.CANCELLED, "Budget withdrawn")
    recorded = event("tender.cancelled", tender)
    assert recorded.actor_id == officer.pk
    assert recorded.data == {"reason": "Budget withdrawn", "previous_status": "published"}


def test_cancelling_needs_a_reason(officer, refused):
    tender = new_tender(officer)
    with refused(InvalidInput) as caught:
        cancel_tender(tender=tender, actor=officer, reason="   ")
    assert caught.value.errors[0]["field"] == "/reason"


def test_a_cancelled_tender_is_not_cancelled_again(officer, refused):
    tender = cancel_tender(tender=new_tender(officer), actor=officer, reason="No need")
    with refused(StateConflict, "wrong_state"):
        cancel_tender(tender=tender, actor=officer, reason="Again")


def test_another_organisation_cannot_cancel(officer, other_officer, refused):
    tender = new_tender(officer)
    with refused(NotAllowed):
        cancel_tender(tender=tender, actor=other_officer, reason="Hostile")


def test_a_lot_is_added_with_the_next_number_and_audited(officer, event):
    tender = new_tender(officer)
    version = Tender.objects.get(pk=tender.pk).version

    lot = add_lot(
        tender=tender,
        actor=officer,
        title="Eggs",
        estimated_value=Decimal("100000"),
        minimum_turnover=Decimal("200000"),
    )

    assert lot.number == 2
    assert list(tender.lots.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert Tender.objects.get(pk=tender.pk).version == version + 1
    recorded = event("lot.created", lot)
    assert (recorded.actor_id, recorded.tender_id) == (officer.pk, tender.pk)
    assert recorded.data["number"] == 2


def test_a_lot_number_is_not_taken_twice(officer, refused):
    tender = new_tender(officer)
    with refused(InvalidInput) as caught:
        add_lot(tender=tender, actor=officer, title="Again", number=1)
    assert caught.value.errors[0]["field"] == "/number"


def test_a_minimum_turnover_above_twice_the_value_is_refused(officer, refused):
    tender = new_tender(officer)
    with refused(InvalidInput, "minimum_turnover_too_high"):
        add_lot(
            tender=tender,
            actor=officer,
            title="Eggs",
            estimated_value=Decimal("100000"),
            minimum_turnover=Decimal("200001"),
        )


def test_lots_are_added_and_changed_only_in_a_draft(officer, refused):
    tender = new_tender(officer)
    lot = tender.lots.get()
    tender = publish_tender(tender=tender, actor=officer)
    with refused(StateConflict, "tender_frozen"):
        add_lot(tender=tender, actor=officer, title="Late")
    with refused(StateConflict, "tender_frozen"):
        update_lot(lot=Lot.objects.get(pk=lot.pk), actor=officer, changes={"title": "Late"})


def test_another_organisation_cannot_add_or_change_lots(officer, other_officer, refused):
    tender = new_tender(officer)
    with refused(NotAllowed):
        add_lot(tender=tender, actor=other_officer, title="Planted")
    with refused(NotAllowed):
        update_lot(lot=tender.lots.get(), actor=other_officer, changes={"title": "Hacked"})


def test_a_lot_change_is_saved_and_audited(officer, event):
    tender = new_tender(officer)
    lot = tender.lots.get()

    update_lot(lot=lot, actor=officer, changes={"title": "Ägg", "number": 9})

    lot.refresh_from_db()
    assert (lot.title, lot.number) == ("Ägg", 1)  # the number is not a changeable field
    assert event("lot.updated", lot).data["changes"]["title"]["to"] == "Ägg"


def test_a_lot_change_is_checked_against_the_merged_turnover_and_value(officer, refused):
    tender = new_tender(officer)
    lot = add_lot(
        tender=tender,
        actor=officer,
        title="Eggs",
        estimated_value=Decimal("100000"),
        minimum_turnover=Decimal("150000"),
    )
    with refused(InvalidInput, "minimum_turnover_too_high"):
        update_lot(lot=lot, actor=officer, changes={"estimated_value": Decimal("50000")})
