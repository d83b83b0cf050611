"""Tender documents and bid evidence: checked, hashed, versioned, stored through Django storage."""

import uuid
from pathlib import PurePosixPath

from django.db import transaction
from django.db.models import Max

from audit.services import record
from procurement.errors import NotAllowed, StateConflict
from procurement.models import Bid, BidDocument, Tender, TenderDocument, User
from procurement.services.common import OFFICER_ROLES, require_role
from procurement.uploads import check_upload

OPEN_FOR_DOCUMENTS = (Tender.Status.DRAFT, Tender.Status.PUBLISHED)


def _storage_name(prefix: str, owner_id, filename: str) -> str:
    # Files are stored under a random name: the user's name is kept only as metadata.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{prefix}/{owner_id}/{uuid.uuid4().hex}{suffix}"


@transaction.atomic
def upload_tender_document(*, tender: Tender, actor: User, uploaded, kind: str) -> TenderDocument:
    """Add a document, or a new version of one with the same file name, before the deadline."""
    require_role(
        actor,
        OFFICER_ROLES,
        organization_id=tender.organization_id,
        action="upload tender documents",
    )
    checked = check_upload(uploaded)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in OPEN_FOR_DOCUMENTS or tender.deadline_passed():
        raise StateConflict(
            f"Documents can be added until the deadline; the tender is {tender.effective_status}.",
            current_status=tender.effective_status,
        )
    latest = TenderDocument.objects.filter(tender=tender, filename=checked.filename).aggregate(
        v=Max("version")
    )["v"]
    doc = TenderDocument(
        tender=tender,
        kind=kind,
        filename=checked.filename,
        sha256=checked.sha256,
        size=checked.size,
        media_type=checked.media_type,
        version=(latest or 0) + 1,
        uploaded_by=actor,
    )
    doc.file.save(_storage_name("tenders", tender.pk, checked.filename), uploaded, save=False)
    doc.save()
    record(
        action="tender_document.uploaded",
        actor=actor,
        obj=doc,
        object_type="tender_document",
        tender_id=tender.pk,
        data={
            "filename": doc.filename,
            "kind": kind,
            "sha256": doc.sha256,
            "size": doc.size,
            "media_type": doc.media_type,
            "version": doc.version,
        },
    )
    return doc


@transaction.atomic
def upload_bid_document(*, bid: Bid, actor: User, uploaded, kind: str) -> BidDocument:
    """Attach evidence to the supplier's own draft bid (a submitted bid is sealed as sent)."""
    if actor.organization_id != bid.supplier_id:
        raise NotAllowed("Only the bidding supplier may add documents to its bid.")
    checked = check_upload(uploaded)
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    if bid.status != Bid.Status.DRAFT:
        raise StateConflict(
            f"The bid is {bid.status}; documents can be added to a draft only. Start a new "
            "version of the bid to change what you submitted.",
            current_status=bid.status,
        )
    if bid.tender.deadline_passed():
        raise StateConflict("The submission deadline has passed.", code="deadline_passed")
    latest = BidDocument.objects.filter(bid=bid, filename=checked.filename).aggregate(
        v=Max("version")
    )["v"]
    doc = BidDocument(
        bid=bid,
        kind=kind,
        filename=checked.filename,
        sha256=checked.sha256,
        size=checked.size,
        media_type=checked.media_type,
        version=(latest or 0) + 1,
        uploaded_by=actor,
    )
    doc.file.save(_storage_name("bids", bid.pk, checked.filename), uploaded, save=False)
    doc.save()
    bid.version += 1
    bid.save(update_fields=["version", "updated_at"])
    record(
        action="bid_document.uploaded",
        actor=actor,
        obj=doc,
        object_type="bid_document",
        tender_id=bid.tender_id,
        data={"bid": bid.pk, "filename": doc.filename, "sha256": doc.sha256, "size": doc.size},
    )
    return doc
