"""The criteria library and the criteria applied (frozen) to tenders."""

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ENVIRONMENTAL = "environmental", _("Environmental")
    SOCIAL = "social", _("Social")
    ANIMAL_WELFARE = "animal_welfare", _("Animal welfare")
    SMALL_SUPPLIER = "small_supplier", _("Small suppliers and non-profits")
    QUALITY = "quality", _("Quality")


class Level(models.TextChoices):
    BASIC = "basic", _("Basic")
    ADVANCED = "advanced", _("Advanced")
    SPEARHEAD = "spearhead", _("Spearhead")


class Kind(models.TextChoices):
    REQUIREMENT = "requirement", _("Requirement (pass/fail)")
    AWARD = "award", _("Award criterion (scored)")
    CONTRACT_CONDITION = "contract_condition", _("Contract condition")


class Source(models.TextChoices):
    BID = "bid", _("The bid")
    SUPPLIER_PROFILE = "supplier_profile", _("The supplier's profile")


class CriterionText(models.Model):
    """Fields shared by a library criterion and its frozen copy on a tender."""

    code = models.CharField(max_length=64, verbose_name=_("code"))
    category = models.CharField(max_length=32, choices=Category.choices, verbose_name=_("category"))
    level = models.CharField(
        max_length=16, choices=Level.choices, default=Level.BASIC, verbose_name=_("level")
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    title_en = models.CharField(max_length=300, blank=True, verbose_name=_("title en"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    description_en = models.TextField(blank=True, verbose_name=_("description en"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    reason_en = models.TextField(blank=True, verbose_name=_("reason en"))
    verification = models.TextField(blank=True, verbose_name=_("verification"))
    verification_en = models.TextField(blank=True, verbose_name=_("verification en"))
    unit = models.CharField(max_length=32, blank=True, verbose_name=_("unit"))
    rule = models.JSONField(verbose_name=_("rule"))
    source = models.CharField(
        max_length=32, choices=Source.choices, default=Source.BID, verbose_name=_("source")
    )
    profile_field = models.CharField(max_length=32, blank=True, verbose_name=_("profile field"))
    # Words for a choice rule's options, {key: {"sv", "en"}}: what pages show instead of the
    # key. Not part of the rule (the engine reads keys); copied with the criterion.
    option_labels = models.JSONField(default=dict, blank=True, verbose_name=_("option labels"))

    class Meta:
        abstract = True


class Criterion(CriterionText):
    """A reusable criterion. ``organization`` is null for the shared, read-only library."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "procurement.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="criteria",
        verbose_name=_("organization"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    ocds = models.JSONField(null=True, blank=True, verbose_name=_("ocds"))
    source_reference = models.CharField(
        max_length=300, blank=True, verbose_name=_("source reference")
    )
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name=_("copied from"),
    )
    copied_from_version = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("copied from version")
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=models.Q(organization__isnull=False),
                name="criterion_code_unique_per_org",
                violation_error_message=_("Your library already has a criterion with this code."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(organization__isnull=True),
                name="shared_criterion_code_unique",
                violation_error_message=_(
                    "The shared library already has a criterion with this code."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_shared(self) -> bool:
        return self.organization_id is None


class TenderCriterion(CriterionText):
    """A criterion as applied to one tender (or one lot): a frozen copy plus weight or value."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.CASCADE,
        related_name="tender_criteria",
        verbose_name=_("tender"),
    )
    lot = models.ForeignKey(
        "procurement.Lot",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("lot"),
    )
    criterion = models.ForeignKey(
        Criterion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
        verbose_name=_("criterion"),
    )
    criterion_version = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("criterion version")
    )
    weight = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("weight"),
    )
    value = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("value"),
    )
    percent = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("percent"),
    )
    position = models.PositiveIntegerField(default=0, verbose_name=_("position"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("criterion on a tender")
        verbose_name_plural = _("criteria on tenders")
        ordering = ["tender", "position", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__isnull=True) | models.Q(weight__gte=0),
                name="tender_criterion_weight_not_negative",
            ),
            models.UniqueConstraint(
                fields=["tender", "code"],
                name="tender_criterion_code_unique",
                violation_error_message=_("This tender already uses a criterion with this code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.tender_id}"


class TenderAmendment(models.Model):
    """A reasoned change of a published tender before its deadline (art. 67(5): the criteria
    and weights suppliers rely on change only openly). The old configuration is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "procurement.Tender",
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("tender"),
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    reason = models.TextField(verbose_name=_("reason"))
    changes = models.JSONField(verbose_name=_("changes"))
    configuration_before = models.JSONField(verbose_name=_("configuration before"))
    configuration_after = models.JSONField(verbose_name=_("configuration after"))
    configuration_sha256 = models.CharField(max_length=64, verbose_name=_("configuration sha256"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="amendment_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Amendment {self.number} of {self.tender_id}"
