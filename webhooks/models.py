"""Webhook endpoints, deliveries and the outbox cursor (see the package docstring)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """The events an endpoint may subscribe to: each is the audit action of the same name."""

    TENDER_PUBLISHED = "tender.published", _("Tender published")
    TENDER_AMENDED = "tender.amended", _("Tender amended")
    TENDER_OPENED = "tender.opened", _("Bids opened")
    EVALUATION_COMPLETED = "evaluation.completed", _("Evaluation completed")
    TENDER_AWARDED = "tender.awarded", _("Tender awarded")
    TENDER_CANCELLED = "tender.cancelled", _("Tender cancelled")
    CONTRACT_SIGNED = "contract.signed", _("Contract signed")
    CONTRACT_CHECK_REQUESTED = "contract.check_requested", _("Contract check requested")
    CONTRACT_CHECK_OVERDUE = "contract.check_overdue", _("Contract check overdue")
    CONTRACT_DEVIATION_OPENED = "contract.deviation_opened", _("Contract deviation opened")
    CONTRACT_DEVIATION_CLOSED = "contract.deviation_closed", _("Contract deviation closed")


# A test message sent on request (POST /webhooks/{id}/ping/); no endpoint subscribes to it.
PING = "webhook.ping"


class WebhookEndpoint(models.Model):
    """An address of the organisation's own system that hears of the events it chose.

    The signing secret is not stored: it is derived from ``secret_salt`` and the server's
    SECRET_KEY (webhooks.signing), so a copy of the database alone does not reveal it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "procurement.Organization",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("organisation"),
    )
    url = models.URLField(max_length=2000, verbose_name=_("address (URL)"))
    events = models.JSONField(default=list, verbose_name=_("events"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    secret_salt = models.CharField(max_length=64, editable=False, verbose_name=_("secret salt"))
    # A short hash of the secret: tells which key (SECRET_KEY or a fallback) derives it.
    secret_check = models.CharField(max_length=16, editable=False, verbose_name=_("secret check"))
    # Events of the chain up to this sequence happened before the endpoint existed.
    from_sequence = models.PositiveBigIntegerField(
        default=0, editable=False, verbose_name=_("from sequence")
    )
    # The current run of failures: since when every attempt failed, and how many deliveries
    # were given up in it. A delivered message ends the run.
    failing_since = models.DateTimeField(null=True, blank=True, verbose_name=_("failing since"))
    failed_deliveries = models.PositiveIntegerField(
        default=0, verbose_name=_("deliveries given up in a row")
    )
    disabled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disabled at"))
    disabled_reason = models.CharField(
        max_length=300, blank=True, verbose_name=_("why it was disabled")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One message to one endpoint, and its attempts so far. Derived from an audit event
    (one per endpoint and event), or sent on request (a ping, a redelivery: ``manual``,
    one attempt)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.CharField(max_length=64, verbose_name=_("event"))
    # The header webhook-id: the same on every attempt and redelivery, for the receiver to
    # recognise a message it already has.
    message_id = models.CharField(max_length=64, db_index=True, verbose_name=_("message id"))
    audit_event_id = models.UUIDField(null=True, blank=True, verbose_name=_("audit event"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    manual = models.BooleanField(default=False, verbose_name=_("sent on request"))
    redelivery_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("redelivery of"),
    )
    status = models.CharField(
        max_length=16,
        choices=Status.choices,
        default=Status.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("response status")
    )
    error = models.CharField(max_length=300, blank=True, verbose_name=_("error"))
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("next attempt at")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        constraints = [
            # Reading the same events twice (a retried task, the sweep) adds nothing.
            models.UniqueConstraint(
                fields=["endpoint", "audit_event_id"],
                condition=models.Q(manual=False, audit_event_id__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class ChainCursor(models.Model):
    """How far the webhooks have read one audit chain (by sequence)."""

    chain = models.CharField(max_length=64, primary_key=True, verbose_name=_("chain"))
    sequence = models.PositiveBigIntegerField(default=0, verbose_name=_("sequence"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("webhook cursor")
        verbose_name_plural = _("webhook cursors")

    def __str__(self) -> str:
        return f"{self.chain} @ {self.sequence}"
