"""Contracts, commitments, checks and deviations (see the package docstring).

What changes with the clock is never stored: a contract is ``ended`` once its last day has
passed, a check is ``overdue`` from the day after its due date while nobody has answered it,
and a scheduled check is visible from its ``requested_at``. Selectors and the representation
compute these on every read (``contracts.selectors``); the stored ``status`` holds only what a
write decided.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Contract(models.Model):
    """The contract signed with the winner of one awarded lot."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        TERMINATED = "terminated", _("Terminated")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The buyer: the tender's organisation, kept here so that every read is scoped in one join.
    organization = models.ForeignKey(
        "procurement.Organization",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("organisation"),
    )
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("tender"),
    )
    lot = models.OneToOneField(
        "procurement.Lot", on_delete=models.PROTECT, related_name="contract", verbose_name=_("lot")
    )
    bid = models.ForeignKey(
        "procurement.Bid", on_delete=models.PROTECT, related_name="+", verbose_name=_("bid")
    )
    supplier = models.ForeignKey(
        "procurement.Organization",
        on_delete=models.PROTECT,
        related_name="supplier_contracts",
        verbose_name=_("supplier"),
    )
    reference = models.CharField(max_length=100, verbose_name=_("reference"))
    signed_on = models.DateField(verbose_name=_("signed on"))
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    value_amount = models.DecimalField(
        max_digits=18, decimal_places=2, verbose_name=_("value (amount)")
    )
    value_currency = models.CharField(max_length=3, verbose_name=_("value (currency)"))
    # active or terminated; `ended` follows from ends_on and the clock on every read.
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    terminated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("terminated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_it_starts",
                violation_error_message=_("The contract ends before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(value_amount__gte=0), name="contract_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Verification(models.TextChoices):
    SELF_DECLARATION = "self_declaration", _("Self-declaration")
    DOCUMENTS = "documents", _("Documents")
    AUDIT = "audit", _("Audit")
    SAMPLE = "sample", _("Sample")


class Commitment(models.Model):
    """One promise of the contract, frozen at signing from a criterion of the tender: a
    requirement, a contract condition, or an award criterion on which the bid earned points
    (its answer is ``promised``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("contract")
    )
    tender_criterion = models.ForeignKey(
        "criteria.TenderCriterion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tender criterion"),
    )
    code = models.CharField(max_length=64, verbose_name=_("code"))
    title_sv = models.CharField(max_length=300, verbose_name=_("title (Swedish)"))
    title_en = models.CharField(max_length=300, blank=True, verbose_name=_("title (English)"))
    category = models.CharField(max_length=32, verbose_name=_("category"))
    kind = models.CharField(max_length=32, verbose_name=_("kind"))
    # The criterion's rule and unit as frozen in the tender: answers are validated against it.
    rule = models.JSONField(verbose_name=_("rule"))
    unit = models.CharField(max_length=32, blank=True, verbose_name=_("unit"))
    source = models.CharField(max_length=32, blank=True, verbose_name=_("source"))
    promised = models.JSONField(null=True, blank=True, verbose_name=_("promised"))
    verification = models.CharField(
        max_length=32,
        choices=Verification.choices,
        default=Verification.SELF_DECLARATION,
        verbose_name=_("verification"),
    )
    every_months = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("every (months)")
    )
    # The first due date of the schedule; the representation shows the next one from today.
    next_due_on = models.DateField(null=True, blank=True, verbose_name=_("next due on"))
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["contract", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "tender_criterion"], name="one_commitment_per_criterion"
            ),
            models.CheckConstraint(
                condition=models.Q(every_months__isnull=True) | models.Q(every_months__gte=1),
                name="commitment_every_months_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Check(models.Model):
    """One follow-up of a commitment: requested, answered by the supplier, reviewed."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SUBMITTED = "submitted", _("Submitted")
        MET = "met", _("Met")
        DEVIATION = "deviation", _("Deviation")
        OVERDUE = "overdue", _("Overdue")

    class Outcome(models.TextChoices):
        MET = "met", _("Met")
        DEVIATION = "deviation", _("Deviation")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="checks", verbose_name=_("contract")
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="checks", verbose_name=_("commitment")
    )
    due_on = models.DateField(verbose_name=_("due on"))
    request = models.TextField(blank=True, verbose_name=_("request"))
    # requested, submitted, met or deviation; `overdue` follows from due_on and the clock.
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    # When the supplier is asked: 30 days before the due date, or at once when nearer.
    requested_at = models.DateTimeField(verbose_name=_("requested at"))
    scheduled = models.BooleanField(default=True, verbose_name=_("scheduled"))
    # Set once by the periodic task (or at once): the events were recorded.
    request_recorded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("request recorded at")
    )
    overdue_recorded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("overdue recorded at")
    )
    answer_value = models.JSONField(null=True, blank=True, verbose_name=_("answer (value)"))
    answer_statement = models.TextField(blank=True, verbose_name=_("answer (statement)"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome")
    )
    review_note = models.TextField(blank=True, verbose_name=_("review note"))
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["due_on"], name="contract_check_due_on"),
            models.Index(fields=["requested_at"], name="contract_check_requested_at"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} due {self.due_on}"


def _evidence_name(instance: "CheckDocument", filename: str) -> str:
    # Stored under a random name, outside procurement's "documents/" folder (its orphan purge
    # knows only its own rows); the sender's name is kept as metadata only.
    suffix = PurePosixPath(filename).suffix.lower()[:16]
    return f"evidence/{instance.check_id}/{uuid.uuid4().hex}{suffix}"


class CheckDocument(models.Model):
    """Evidence the supplier sends with an answer (the upload rules of bid documents)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    check_ref = models.ForeignKey(
        Check,
        on_delete=models.PROTECT,
        related_name="documents",
        db_column="check_id",
        verbose_name=_("check"),
    )
    filename = models.CharField(max_length=255, verbose_name=_("filename"))
    file = models.FileField(upload_to=_evidence_name, max_length=500, verbose_name=_("file"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    media_type = models.CharField(max_length=127, verbose_name=_("media type"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(default=timezone.now, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("check document")
        verbose_name_plural = _("check documents")
        ordering = ["check_ref", "filename", "version"]

    def __str__(self) -> str:
        return f"{self.filename} v{self.version}"

    @property
    def check_id(self):
        return self.check_ref_id


class Deviation(models.Model):
    """A commitment not kept, found by a check: followed to a remedy, an acceptance or the
    contract's termination."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        MAJOR = "major", _("Major")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REMEDIED = "remedied", _("Remedied")
        ACCEPTED = "accepted", _("Accepted")
        TERMINATED = "terminated", _("Terminated")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="deviations", verbose_name=_("contract")
    )
    check_ref = models.OneToOneField(
        Check,
        on_delete=models.PROTECT,
        related_name="deviation",
        db_column="check_id",
        verbose_name=_("check"),
    )
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="deviations",
        verbose_name=_("commitment"),
    )
    severity = models.CharField(
        max_length=16, choices=Severity.choices, default=Severity.MINOR, verbose_name=_("severity")
    )
    description = models.TextField(verbose_name=_("description"))
    remedy_due_on = models.DateField(null=True, blank=True, verbose_name=_("remedy due on"))
    sanction_amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("sanction (amount)"),
    )
    sanction_currency = models.CharField(
        max_length=3, blank=True, verbose_name=_("sanction (currency)")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    opened_at = models.DateTimeField(default=timezone.now, verbose_name=_("opened at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closing_note = models.TextField(blank=True, verbose_name=_("closing note"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        ordering = ["contract", "opened_at"]

    def __str__(self) -> str:
        return f"{self.severity} {self.commitment_id}"

    @property
    def check_id(self):
        return self.check_ref_id
