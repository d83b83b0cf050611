import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChainHead(models.Model):
    """The newest link of one audit chain; locked before the previous hash is read."""

    chain = models.CharField(max_length=64, primary_key=True, verbose_name=_("chain"))
    sequence = models.PositiveBigIntegerField(default=0, verbose_name=_("sequence"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))

    class Meta:
        verbose_name = _("chain head")
        verbose_name_plural = _("chain heads")

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence}"


class AuditEvent(models.Model):
    """One recorded change or access of note. Append-only; each event hashes its predecessor.

    There is one chain per organisation (``chain`` is the organisation id) and one for the
    platform (``platform``), so an organisation's history can be proven on its own.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    chain = models.CharField(max_length=64, db_index=True, verbose_name=_("chain"))
    sequence = models.PositiveBigIntegerField(verbose_name=_("sequence"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    organization_id = models.UUIDField(
        null=True, blank=True, db_index=True, verbose_name=_("organization id")
    )
    # The trail outlives accounts: deleting a user must not touch their events (the triggers
    # refuse every UPDATE, so SET_NULL would make users undeletable by accident). No database
    # constraint and DO_NOTHING: the event keeps the id, username and role it was recorded with.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(max_length=150, blank=True, verbose_name=_("actor username"))
    actor_role = models.CharField(max_length=32, blank=True, verbose_name=_("actor role"))
    action = models.CharField(max_length=64, db_index=True, verbose_name=_("action"))
    object_type = models.CharField(max_length=64, db_index=True, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("object id"))
    tender_id = models.UUIDField(null=True, blank=True, db_index=True, verbose_name=_("tender id"))
    data = models.JSONField(default=dict, verbose_name=_("data"))
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request id"))
    client_address = models.CharField(max_length=64, blank=True, verbose_name=_("client address"))
    prev_hash = models.CharField(max_length=64, verbose_name=_("prev hash"))
    hash = models.CharField(max_length=64, verbose_name=_("hash"))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "sequence"]
        indexes = [
            models.Index(fields=["organization_id", "created_at"], name="audit_event_org_time")
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_event_chain_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id} by {self.actor_username}"
