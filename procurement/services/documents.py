"""Tender documents and bid evidence: checked, hashed, versioned, stored through Django storage."""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import NotAllowed, StateConflict, bid_status, tender_status
from procurement.models import Bid, BidDocument, Tender, TenderDocument, User
from procurement.policy import Action
from procurement.uploads import check_upload

# The stored statuses a tender takes documents in (``policy.TRANSITIONS``; a published tender
# whose deadline has passed is closed, and takes none).
OPEN_FOR_DOCUMENTS = (Tender.Status.DRAFT, Tender.Status.PUBLISHED)
# Every stored document file lies below this folder (StoredFile.file's upload_to).
FILE_ROOT = "documents"


def _storage_name(prefix: str, owner_id, filename: str) -> str:
    # Files are stored under a random name: the user's name is kept only as metadata.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{prefix}/{owner_id}/{uuid.uuid4().hex}{suffix}"


@contextmanager
def _file_removed_on_failure() -> Iterator[list]:
    """Files written inside the block are deleted again when it fails (the rows that would
    have pointed to them rolled back). Put it outside the transaction, so that a failed
    commit counts too; a rollback further out leaves an orphan for purge_orphan_files."""
    written: list = []
    try:
        yield written
    except BaseException:
        for field_file in written:
            field_file.storage.delete(field_file.name)
        raise


def upload_tender_document(*, tender: Tender, actor: User, uploaded, kind: str) -> TenderDocument:
    """Add a document, or a new version of one with the same file name, before the deadline."""
    policy.require(actor, Action.DOCUMENT_UPLOAD, organization_id=tender.organization_id)
    checked = check_upload(uploaded)
    with _file_removed_on_failure() as written, transaction.atomic():
        return _add_tender_document(tender, actor, uploaded, kind, checked, written)


def _add_tender_document(tender, actor, uploaded, kind, checked, written) -> TenderDocument:
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not policy.in_state(Action.DOCUMENT_UPLOAD, tender):
        raise StateConflict(
            _("Documents can be added until the deadline; the tender is %(status)s.")
            % {"status": tender_status(tender.effective_status)},
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
    written.append(doc.file)
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


def upload_bid_document(*, bid: Bid, actor: User, uploaded, kind: str) -> BidDocument:
    """Attach evidence to the supplier's own draft bid (a submitted bid is sealed as sent)."""
    if actor.organization_id != bid.supplier_id:
        raise NotAllowed(_("Only the bidding supplier may add documents to its bid."))
    checked = check_upload(uploaded)
    with _file_removed_on_failure() as written, transaction.atomic():
        return _add_bid_document(bid, actor, uploaded, kind, checked, written)


def _add_bid_document(bid, actor, uploaded, kind, checked, written) -> BidDocument:
    bid = Bid.objects.select_for_update().select_related("tender").get(pk=bid.pk)
    if bid.status != Bid.Status.DRAFT:
        raise StateConflict(
            _(
                "The bid is %(status)s; documents can be added to a draft only. Start a new "
                "version of the bid to change what you submitted."
            )
            % {"status": bid_status(bid.status)},
            current_status=bid.status,
        )
    if bid.tender.deadline_passed():
        raise StateConflict(_("The submission deadline has passed."), code="deadline_passed")
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
    written.append(doc.file)
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


def _stored_files(folder: str) -> Iterator[tuple[str, list[str]]]:
    """(folder, file names) for ``folder`` and every folder below it, sorted."""
    # No exists() check: object stores have no folders, only keys with a common prefix.
    try:
        folders, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    if names:
        yield folder, names
    for sub in sorted(folders):
        yield from _stored_files(f"{folder}/{sub}")


def purge_orphan_files(
    *, older_than: dt.timedelta = dt.timedelta(hours=1), now=None, dry_run: bool = False
) -> list[str]:
    """Delete stored files that no document row points to, once they are older than
    ``older_than`` (younger ones may belong to an upload whose transaction is still open).

    Orphans come from a transaction that rolled back after its file was written (an upload
    that fails inside the service removes its file at once). One audit event on the
    platform's chain lists what was deleted. Returns the deleted names (with ``dry_run``:
    the names that would be deleted; nothing is deleted or recorded)."""
    now = now or timezone.now()
    deleted: list[str] = []
    for folder, names in _stored_files(FILE_ROOT):
        prefix = f"{folder}/"
        known: set[str] = set()
        for model in (TenderDocument, BidDocument):
            known.update(
                model.objects.filter(file__startswith=prefix).values_list("file", flat=True)
            )
        for name in sorted(names):
            path = prefix + name
            if path in known or now - default_storage.get_modified_time(path) < older_than:
                continue
            if not dry_run:
                default_storage.delete(path)
            deleted.append(path)
    if deleted and not dry_run:
        with transaction.atomic():
            record(
                action="storage.orphans_purged",
                object_type="storage",
                system="purge_orphan_files",
                data={"files": deleted, "older_than_seconds": int(older_than.total_seconds())},
            )
    return deleted
