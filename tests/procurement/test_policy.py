"""The policy's table agrees with the services: an action the workbench offers (allowed_actions)
is one the service carries out, and one it does not offer the service refuses."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import policy
from procurement.errors import NotAllowed, StateConflict
from procurement.models import Tender
from procurement.policy import Action
from procurement.services.opening import open_tender
from procurement.services.tenders import cancel_tender, publish_tender
from tests.scenarios import new_tender, submitted_bid

pytestmark = pytest.mark.django_db


def _tender_in(status, officer, second_officer, bidder, clock):
    tender = new_tender(officer)
    if status == "draft":
        return tender
    tender = publish_tender(tender=tender, actor=officer)
    if status == "published":
        return tender
    submitted_bid(bidder, tender)
    clock.move_to(tender.submission_deadline + dt.timedelta(seconds=1))
    if status == "closed":
        return tender
    tender = open_tender(tender=tender, actor=officer)
    if status == "opening":
        return tender
    tender = open_tender(tender=tender, actor=second_officer)
    if status == "opened":
        return tender
    Tender.objects.filter(pk=tender.pk).update(status=status)
    return Tender.objects.get(pk=tender.pk)


@pytest.mark.parametrize(
    "status", ["draft", "published", "closed", "opening", "opened", "evaluated", "awarded"]
)
def test_cancel_is_offered_exactly_where_the_service_cancels(
    status, officer, second_officer, bidder, clock
):
    tender = _tender_in(status, officer, second_officer, bidder, clock)
    assert tender.effective_status == status
    offered = Action.TENDER_CANCEL in policy.allowed_actions(tender, officer)
    try:
        cancel_tender(tender=tender, actor=officer, reason="Budgeten drogs in")
    except StateConflict:
        cancelled = False
    else:
        cancelled = True
    assert offered == cancelled == (status != "awarded")


def test_the_opening_is_confirmed_by_another_officer_only(officer, second_officer, bidder, clock):
    tender = _tender_in("opening", officer, second_officer, bidder, clock)
    assert Action.TENDER_CONFIRM_OPENING not in policy.allowed_actions(tender, officer)
    assert Action.TENDER_CONFIRM_OPENING in policy.allowed_actions(tender, second_officer)
    with pytest.raises(StateConflict):
        open_tender(tender=tender, actor=officer)
    assert open_tender(tender=tender, actor=second_officer).status == Tender.Status.OPENED


@pytest.mark.parametrize("role", ["evaluator", "auditor", "bidder"])
def test_no_lifecycle_step_for_roles_that_may_not(role, make_user, buyer, supplier, officer):
    user = make_user(role, supplier if role == "bidder" else buyer)
    tender = new_tender(officer)
    assert policy.allowed_actions(tender, user) == []
    with pytest.raises(NotAllowed):
        publish_tender(tender=tender, actor=user)


def test_an_officer_of_another_region_gets_nothing(officer, other_officer):
    tender = new_tender(officer)
    assert policy.allowed_actions(tender, other_officer) == []
    assert not policy.may(other_officer, Action.TENDER_PUBLISH, tender)


def test_the_effective_status_has_one_rule_in_python_and_in_sql(officer, clock):
    tender = publish_tender(tender=new_tender(officer), actor=officer)
    for moment in (timezone.now(), tender.submission_deadline + dt.timedelta(seconds=1)):
        clock.move_to(moment)
        for status in ("published", "closed"):
            found = Tender.objects.in_effective_status(status).filter(pk=tender.pk).exists()
            assert found == (Tender.objects.get(pk=tender.pk).effective_status == status)
