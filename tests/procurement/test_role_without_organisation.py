"""A role without an organisation acts for nobody: creating a tender, copying a criterion or
starting a bid is refused as not allowed (not reported as a taken reference or a database
error), and nothing is stored."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from criteria.models import Criterion
from criteria.services import copy_criterion
from procurement.errors import NotAllowed
from procurement.models import Bid, Tender
from procurement.services.bids import create_bid
from procurement.services.tenders import create_tender
from tests.factories import CriterionFactory, TenderFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_officer_of_no_organisation_creates_no_tender():
    officer = UserFactory(role="officer", organization=None)
    with pytest.raises(NotAllowed):
        create_tender(
            actor=officer,
            reference="X-1",
            title="Eggs",
            submission_deadline=timezone.now() + dt.timedelta(days=40),
        )
    assert not Tender.objects.exists()


def test_an_officer_of_no_organisation_copies_no_criterion(buyer):
    original = CriterionFactory(organization=buyer)
    officer = UserFactory(role="officer", organization=None)
    before = Criterion.objects.count()
    with pytest.raises(NotAllowed):
        copy_criterion(criterion=original, actor=officer)
    assert Criterion.objects.count() == before


def test_a_bidder_of_no_supplier_starts_no_bid(buyer):
    tender = TenderFactory(organization=buyer, status="published")
    bidder = UserFactory(role="bidder", organization=None)
    with pytest.raises(NotAllowed):
        create_bid(actor=bidder, tender=tender, lot=None, price_amount=Decimal("100.00"))
    assert not Bid.objects.exists()
