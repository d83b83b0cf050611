"""Scenarios that several test files start from, built through the services (so every step is
validated and audited as in production). The fixtures in tests/conftest.py use them; a test
that needs a variant calls them with its own arguments."""

import datetime as dt
import itertools
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from procurement.models import Bid, Tender, User
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from procurement.services.tenders import create_tender

# A small file that passes the upload checks as a PDF.
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

_references = itertools.count(1)


def pdf(name: str = "spec.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def new_tender(officer: User, **overrides) -> Tender:
    """A draft tender of the officer's organisation (lowest price, one lot, deadline in 40
    days) that passes the publish checks as it is."""
    fields = {
        "reference": f"ADM-{next(_references):04d}",
        "title": "Kött och ägg till regionens kök",
        "procedure": "open",
        "cpv_codes": ["15110000"],
        "currency": "SEK",
        "estimated_value": Decimal("5000000.00"),
        "submission_deadline": timezone.now() + dt.timedelta(days=40),
        "evaluation": {"method": "lowest_price"},
        "no_lots_reason": "Kött och ägg levereras tillsammans till samma kök.",
        **overrides,
    }
    return create_tender(actor=officer, **fields)


def submitted_bid(bidder: User, tender: Tender, price: str = "900000.00", **fields) -> Bid:
    """The bidder's organisation bids on the tender's only lot and submits."""
    bid = create_bid(actor=bidder, tender=tender, lot=None, price_amount=Decimal(price), **fields)
    return submit_bid(bid=bid, actor=bidder)


def open_bids(clock, tender: Tender, *officers: User) -> Tender:
    """Move past the deadline and open: the first officer starts, the second confirms."""
    clock.move_to(tender.submission_deadline + dt.timedelta(seconds=1))
    for officer in officers:
        tender = open_tender(tender=tender, actor=officer)
    assert tender.status == Tender.Status.OPENED
    return tender
