"""OCDS releases, the record of each tender, and the outbox cursor (see the package docstring).

A release is derived from one audit event (a lifecycle milestone of a tender) and stored once,
as JSON text with exact numbers (``publication.exactjson``); it is never changed. The record
of a tender holds the compiled release of all its releases (ocdsmerge), rebuilt whenever a
release is added. The cursor says, per audit chain, up to which sequence the events have been
read, so that a task resumes where the last one stopped.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainCursor(models.Model):
    """How far the publication has read one audit chain (locked while a task reads it)."""

    chain = models.CharField(max_length=64, primary_key=True, verbose_name=_("chain"))
    sequence = models.PositiveBigIntegerField(default=0, verbose_name=_("sequence"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("publication cursor")
        verbose_name_plural = _("publication cursors")

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence}"


class Record(models.Model):
    """The OCDS record of one tender: its ocid and the compiled release of all its releases."""

    ocid = models.CharField(max_length=100, unique=True, verbose_name=_("ocid"))
    tender_id = models.UUIDField(unique=True, verbose_name=_("tender id"))
    compiled_json = models.TextField(verbose_name=_("compiled release"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("OCDS record")
        verbose_name_plural = _("OCDS records")
        ordering = ["ocid"]

    def __str__(self) -> str:
        return self.ocid


class Release(models.Model):
    """One OCDS release, derived from one audit event and never changed."""

    class Tag(models.TextChoices):
        TENDER = "tender", _("Tender")
        TENDER_AMENDMENT = "tenderAmendment", _("Tender amendment")
        TENDER_UPDATE = "tenderUpdate", _("Tender update")
        AWARD = "award", _("Award")
        TENDER_CANCELLATION = "tenderCancellation", _("Tender cancellation")

    record = models.ForeignKey(
        Record, on_delete=models.PROTECT, related_name="releases", verbose_name=_("record")
    )
    ocid = models.CharField(max_length=100, db_index=True, verbose_name=_("ocid"))
    release_id = models.CharField(max_length=150, unique=True, verbose_name=_("release id"))
    tag = models.JSONField(verbose_name=_("tag"))
    date = models.DateTimeField(db_index=True, verbose_name=_("date"))
    tender_id = models.UUIDField(db_index=True, verbose_name=_("tender id"))
    # The audit event the release derives from: one release per event at most.
    event_chain = models.CharField(max_length=64, verbose_name=_("event chain"))
    event_sequence = models.PositiveBigIntegerField(verbose_name=_("event sequence"))
    event_action = models.CharField(max_length=64, verbose_name=_("event action"))
    release_json = models.TextField(verbose_name=_("release"))
    # When Anbud stored it: the feed's order and its ``since``.
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        # Oldest first: the order of the public feed and of a record's releases.
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_chain", "event_sequence"], name="release_one_per_audit_event"
            ),
        ]

    def __str__(self) -> str:
        return self.release_id

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("An OCDS release is published once and never changed.")
        super().save(*args, **kwargs)
