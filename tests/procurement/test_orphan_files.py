"""Stored files never outlive the rows that point to them: a failed upload removes its file,
and a file left by a transaction that rolled back later is purged (audited) once it is old."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from config.celery import app
from procurement.models import TenderDocument
from procurement.services import documents
from procurement.tasks import purge_orphan_files_task
from tests.factories import TenderFactory

pytestmark = pytest.mark.django_db


def _stored() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _upload(tender, officer, name="call.txt"):
    return documents.upload_tender_document(
        tender=tender,
        actor=officer,
        uploaded=SimpleUploadedFile(name, b"Call for tenders\n", content_type="text/plain"),
        kind="call",
    )


def _orphan(tender, officer) -> str:
    """Upload inside a caller's transaction that then rolls back: the file stays behind."""
    before = _stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        _upload(tender, officer, "rolled-back.txt")
        raise RuntimeError("the caller's transaction fails after the upload")
    (orphan,) = _stored() - before
    return orphan


@pytest.fixture
def tender(buyer):
    return TenderFactory(organization=buyer, no_lots_reason="One kitchen.")


def test_an_upload_that_fails_after_writing_its_file_removes_it(
    tender, make_user, buyer, monkeypatch
):
    officer = make_user("officer", buyer)
    kept = _upload(tender, officer)

    def audit_fails(**kwargs):  # the database refuses the audit row: nothing may remain
        raise DatabaseError("disk full")

    monkeypatch.setattr(documents, "record", audit_fails)
    with pytest.raises(DatabaseError):
        _upload(tender, officer, "second.txt")
    assert _stored() == {kept.file.name}
    assert list(TenderDocument.objects.values_list("filename", flat=True)) == ["call.txt"]


def test_orphans_are_purged_once_old_and_referenced_files_are_kept(tender, make_user, buyer):
    officer = make_user("officer", buyer)
    kept = _upload(tender, officer)
    orphan = _orphan(tender, officer)
    assert f"tenders/{tender.pk}/" in orphan

    assert documents.purge_orphan_files() == []  # younger than an hour: maybe still uploading
    later = timezone.now() + dt.timedelta(hours=2)
    assert documents.purge_orphan_files(now=later, dry_run=True) == [orphan]
    assert orphan in _stored()
    assert not AuditEvent.objects.filter(action="storage.orphans_purged").exists()

    assert documents.purge_orphan_files(now=later) == [orphan]
    assert _stored() == {kept.file.name}
    event = AuditEvent.objects.get(action="storage.orphans_purged")
    assert event.data["files"] == [orphan] and event.actor_username == "system:purge_orphan_files"
    assert documents.purge_orphan_files(now=later) == []  # nothing twice
    assert AuditEvent.objects.filter(action="storage.orphans_purged").count() == 1


def test_purge_command_lists_and_deletes(tender, make_user, buyer, time_machine):
    officer = make_user("officer", buyer)
    orphan = _orphan(tender, officer)
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=90))

    out = StringIO()
    call_command("purge_orphan_files", "--dry-run", stdout=out)
    assert f"would delete {orphan}" in out.getvalue() and orphan in _stored()
    out = StringIO()
    call_command("purge_orphan_files", "--older-than-minutes", "120", stdout=out)
    assert "0 orphan file(s) deleted." in out.getvalue() and orphan in _stored()
    out = StringIO()
    call_command("purge_orphan_files", stdout=out)
    assert f"deleted {orphan}" in out.getvalue() and orphan not in _stored()


def test_purge_on_an_empty_storage_does_nothing(db):
    assert documents.purge_orphan_files() == []
    assert not AuditEvent.objects.exists()


def test_the_beat_schedule_names_tasks_that_exist_and_the_purge_task_runs(
    tender, make_user, buyer, time_machine
):
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "procurement.tasks.purge_orphan_files_task" in scheduled
    assert scheduled <= set(app.tasks)

    orphan = _orphan(tender, make_user("officer", buyer))
    time_machine.move_to(timezone.now() + dt.timedelta(hours=2))
    assert purge_orphan_files_task.delay().get() == 1
    assert orphan not in _stored()
