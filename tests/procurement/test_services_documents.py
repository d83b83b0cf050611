"""procurement/services/documents.py called directly: tender documents and bid evidence are
checked, hashed, versioned by file name and stored; a refused upload stores no file."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from procurement.errors import (
    FileTooLarge,
    InvalidInput,
    NotAllowed,
    StateConflict,
    UnsupportedFileType,
)
from procurement.models import BidDocument, TenderDocument
from procurement.services.bids import create_bid, submit_bid
from procurement.services.documents import upload_bid_document, upload_tender_document
from procurement.services.tenders import cancel_tender, publish_tender
from tests.scenarios import PDF, new_tender, pdf


@pytest.fixture
def published(officer):
    return publish_tender(tender=new_tender(officer), actor=officer)


@pytest.fixture
def draft_bid(bidder, published):
    return create_bid(actor=bidder, tender=published, lot=None, price_amount=Decimal("1"))


def test_a_tender_document_is_stored_with_its_fingerprint_and_audited(officer, event):
    tender = new_tender(officer)

    doc = upload_tender_document(
        tender=tender, actor=officer, uploaded=pdf("spec.pdf"), kind="specification"
    )

    doc.refresh_from_db()
    assert (doc.filename, doc.version, doc.size) == ("spec.pdf", 1, len(PDF))
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    with doc.file.open("rb") as stored:
        assert stored.read() == PDF
    assert "spec" not in doc.file.name  # stored under a random name
    recorded = event("tender_document.uploaded", doc)
    assert (recorded.actor_id, recorded.tender_id) == (officer.pk, tender.pk)
    assert recorded.data["sha256"] == doc.sha256


def test_the_same_file_name_again_is_a_new_version_and_the_old_one_is_kept(officer):
    tender = new_tender(officer)
    upload_tender_document(tender=tender, actor=officer, uploaded=pdf("spec.pdf"), kind="other")
    second = upload_tender_document(
        tender=tender, actor=officer, uploaded=pdf("spec.pdf", PDF + b"\n"), kind="other"
    )

    assert second.version == 2
    versions = TenderDocument.objects.filter(tender=tender).order_by("version")
    assert [d.sha256 for d in versions] == [
        hashlib.sha256(PDF).hexdigest(),
        hashlib.sha256(PDF + b"\n").hexdigest(),
    ]


def test_documents_are_added_until_the_deadline(officer, published, clock):
    upload_tender_document(
        tender=published, actor=officer, uploaded=pdf("q-and-a.pdf"), kind="other"
    )
    clock.move_to(published.submission_deadline)
    with pytest.raises(StateConflict):
        upload_tender_document(tender=published, actor=officer, uploaded=pdf(), kind="other")
    assert TenderDocument.objects.filter(tender=published).count() == 1


def test_a_cancelled_tender_takes_no_documents(officer, refused):
    tender = cancel_tender(tender=new_tender(officer), actor=officer, reason="No need")
    with refused(StateConflict, "wrong_state"):
        upload_tender_document(tender=tender, actor=officer, uploaded=pdf(), kind="other")


def test_another_organisation_and_a_bidder_cannot_upload_tender_documents(
    officer, other_officer, bidder, refused
):
    tender = new_tender(officer)
    with refused(NotAllowed):
        upload_tender_document(tender=tender, actor=other_officer, uploaded=pdf(), kind="other")
    with refused(NotAllowed):
        upload_tender_document(tender=tender, actor=bidder, uploaded=pdf(), kind="other")


@pytest.mark.parametrize(
    ("uploaded", "error", "code"),
    [
        pytest.param(
            lambda: pdf("tool.exe", b"MZ" + b"\0" * 64), UnsupportedFileType, None, id="exe"
        ),
        pytest.param(
            lambda: pdf("fake.pdf", b"GIF89a" + b"\0" * 64),
            UnsupportedFileType,
            "content_does_not_match_name",
            id="not-a-pdf",
        ),
        pytest.param(lambda: pdf("empty.pdf", b""), InvalidInput, "file_empty", id="empty"),
        pytest.param(lambda: None, InvalidInput, "file_missing", id="missing"),
    ],
)
def test_a_file_that_fails_the_checks_is_refused_and_not_stored(
    officer, refused, uploaded, error, code
):
    tender = new_tender(officer)
    with refused(error, code):
        upload_tender_document(tender=tender, actor=officer, uploaded=uploaded(), kind="other")


def test_a_file_above_the_limit_is_refused(officer, settings, refused):
    settings.ANBUD_MAX_UPLOAD_BYTES = len(PDF) - 1
    tender = new_tender(officer)
    with refused(FileTooLarge, "file_too_large"):
        upload_tender_document(tender=tender, actor=officer, uploaded=pdf(), kind="other")


def test_evidence_is_attached_to_the_draft_bid_and_audited(bidder, draft_bid, event):
    version = draft_bid.version

    doc = upload_bid_document(
        bid=draft_bid, actor=bidder, uploaded=pdf("cert.pdf"), kind="certificate"
    )

    draft_bid.refresh_from_db()
    assert list(draft_bid.documents.values_list("filename", "version")) == [("cert.pdf", 1)]
    assert draft_bid.version == version + 1
    recorded = event("bid_document.uploaded", doc)
    assert (recorded.actor_id, recorded.data["bid"]) == (bidder.pk, str(draft_bid.pk))


def test_evidence_of_a_submitted_bid_or_after_the_deadline_is_refused(
    bidder, draft_bid, published, clock, refused
):
    clock.move_to(published.submission_deadline)
    with refused(StateConflict, "deadline_passed"):
        upload_bid_document(bid=draft_bid, actor=bidder, uploaded=pdf(), kind="other")
    clock.move_to(published.submission_deadline - dt.timedelta(days=1))
    submitted = submit_bid(bid=draft_bid, actor=bidder)
    with refused(StateConflict, "wrong_state"):
        upload_bid_document(bid=submitted, actor=bidder, uploaded=pdf(), kind="other")


def test_another_supplier_or_the_buyer_cannot_attach_evidence(
    draft_bid, officer, make_user, other_supplier, refused
):
    dana = make_user("bidder", other_supplier)
    for outsider in (dana, officer):
        with refused(NotAllowed):
            upload_bid_document(bid=draft_bid, actor=outsider, uploaded=pdf(), kind="other")
    assert not BidDocument.objects.exists()
