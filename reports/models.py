"""The organisation's policy goals and its published yearly follow-up reports."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    CATEGORY_SHARE = "category_share", _("Share of tenders with a criterion of the category")
    AWARD_WEIGHT_SHARE = "award_weight_share", _("The category's share of the award weight")
    SME_AWARD_SHARE = "sme_award_share", _("Share of awarded lots won by SMEs")
    NON_PROFIT_AWARD_SHARE = "non_profit_award_share", _("Share of awarded lots won by non-profits")
    SINGLE_BID_SHARE = (
        "single_bid_share",
        _("Share of opened tenders with a single bid (a ceiling)"),
    )


# Metrics that name a sustainability category, and the one that is a ceiling.
CATEGORY_METRICS = frozenset({Metric.CATEGORY_SHARE, Metric.AWARD_WEIGHT_SHARE})
CEILING_METRICS = frozenset({Metric.SINGLE_BID_SHARE})


class FollowUpTarget(models.Model):
    """One goal of the organisation for a year, e.g. 80 % of tenders with an animal-welfare
    criterion (``Regionplan 2027``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "procurement.Organization",
        on_delete=models.CASCADE,
        related_name="follow_up_targets",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    metric = models.CharField(max_length=32, choices=Metric.choices, verbose_name=_("metric"))
    category = models.CharField(max_length=32, blank=True, verbose_name=_("category"))
    target = models.DecimalField(max_digits=5, decimal_places=4, verbose_name=_("target"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("follow-up target")
        verbose_name_plural = _("follow-up targets")
        ordering = ["year", "metric", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "metric", "category"],
                name="follow_up_target_unique",
                violation_error_message=_("The organisation already has this target this year."),
            ),
            models.CheckConstraint(
                condition=models.Q(target__gte=0) & models.Q(target__lte=1),
                name="follow_up_target_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.metric} {self.category}".strip()


class PublishedReport(models.Model):
    """A year's follow-up report as published: stored JSON and its SHA-256, never changed. A
    correction is a new version that names the one it replaces."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "procurement.Organization",
        on_delete=models.PROTECT,
        related_name="published_reports",
        verbose_name=_("organisation"),
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    version = models.PositiveIntegerField(verbose_name=_("version"))
    report_json = models.TextField(verbose_name=_("report"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(default=timezone.now, verbose_name=_("published at"))

    class Meta:
        verbose_name = _("published follow-up report")
        verbose_name_plural = _("published follow-up reports")
        ordering = ["organization", "year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "version"], name="published_report_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year} v{self.version}"
