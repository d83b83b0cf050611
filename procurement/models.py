"""Organisations, members, tenders, lots, documents and bids."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken

from procurement import sme

CURRENCIES = [("SEK", "SEK"), ("EUR", "EUR"), ("NOK", "NOK"), ("DKK", "DKK"), ("ISK", "ISK")]


class Organization(models.Model):
    """A contracting authority (buyer) or a supplier."""

    class Kind(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        SUPPLIER = "supplier", _("Supplier")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, verbose_name=_("name"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    org_number = models.CharField(max_length=32, blank=True, verbose_name=_("org number"))
    country = models.CharField(
        max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"), verbose_name=_("country")
    )
    employees = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("employees"))
    annual_turnover = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("EUR"),
        verbose_name=_("annual turnover"),
    )
    balance_sheet_total = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("EUR"),
        verbose_name=_("balance sheet total"),
    )
    non_profit = models.BooleanField(default=False, verbose_name=_("non profit"))
    currency = models.CharField(
        max_length=3,
        default="SEK",
        choices=CURRENCIES,
        help_text=_("The organisation's own currency: the follow-up report adds amounts in it"),
        verbose_name=_("currency"),
    )
    opening_quorum = models.PositiveSmallIntegerField(
        default=2,
        help_text=_(
            "Officers needed to open bids: two by default (good practice; an organisation may decide on one)."
        ),
        verbose_name=_("opening quorum"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opening_quorum__in=[1, 2]), name="organization_quorum_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sme_class(self) -> str | None:
        return sme.sme_class(
            employees=self.employees,
            annual_turnover=self.annual_turnover,
            balance_sheet_total=self.balance_sheet_total,
        )

    def facts(self) -> dict:
        """The supplier's facts as JSON data: what a bid records when it is submitted."""
        return {
            "name": self.name,
            "org_number": self.org_number,
            "country": self.country,
            "employees": self.employees,
            "annual_turnover": _decimal_text(self.annual_turnover),
            "balance_sheet_total": _decimal_text(self.balance_sheet_total),
            "non_profit": self.non_profit,
            "sme_class": self.sme_class,
        }


def _decimal_text(amount: Decimal | None) -> str | None:
    return None if amount is None else format(amount, "f")


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    OFFICER = "officer", _("Procurement officer")
    EVALUATOR = "evaluator", _("Evaluator")
    AUDITOR = "auditor", _("Auditor")
    BIDDER = "bidder", _("Bidder")


# The role sets, named once (services, selectors, the admin and the API's permissions use them).
BUYER_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.EVALUATOR, Role.AUDITOR})
SUPPLIER_ROLES = frozenset({Role.BIDDER})
OFFICER_ROLES = frozenset({Role.ADMIN, Role.OFFICER})
# Read opened bids and evaluation results (evaluators only per tender, after declaring).
BID_READING_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.AUDITOR})
# Read the organisation's whole audit chain and export it.
WHOLE_TRAIL_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
# Verify the audit chain and an evaluation's replay.
VERIFY_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.AUDITOR})


# django-stubs cannot type the reverse manager auth_token_set: ApiToken's base (knox's
# AbstractAuthToken, untyped) declares its manager.
class User(AbstractUser):  # type: ignore[django-manager-missing]  # see the comment above
    """A person. Each member belongs to one organisation with one role; superusers to none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organization"),
    )
    role = models.CharField(max_length=16, choices=Role.choices, blank=True, verbose_name=_("role"))
    # Set by procurement.signals from pre_save to post_save (not a field).
    _password_changed: bool

    @property
    def is_platform_operator(self) -> bool:
        """A superuser who belongs to no organisation: runs the platform, reads no bids."""
        return bool(self.is_superuser and not self.organization_id)

    @property
    def is_buyer_side(self) -> bool:
        return self.role in BUYER_ROLES

    @property
    def is_bidder(self) -> bool:
        return self.role == Role.BIDDER


class Procedure(models.TextChoices):
    OPEN = "open", _("Open procedure")
    RESTRICTED = "restricted", _("Restricted procedure")
    NEGOTIATED = "negotiated", _("Competitive procedure with negotiation")
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
    INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")
    SIMPLIFIED = "simplified", _("Simplified procedure (below EU thresholds)")


# Minimum time for tenders in days (directive 2014/24/EU arts. 27-31, reduced by five days
# for electronic submission, which Anbud always accepts; LOU 11 kap.). Below the EU
# thresholds the law asks for "skälig tid", which we read as ten days.
MINIMUM_TENDER_DAYS: dict[str, int] = {
    Procedure.OPEN: 30,
    Procedure.RESTRICTED: 25,
    Procedure.NEGOTIATED: 25,
    Procedure.COMPETITIVE_DIALOGUE: 30,
    Procedure.INNOVATION_PARTNERSHIP: 30,
    Procedure.SIMPLIFIED: 10,
}


class TenderQuerySet(models.QuerySet):
    def in_effective_status(self, status: str, now=None) -> "TenderQuerySet":
        """``Tender.effective_status`` in SQL (the same rule, side by side with it below):
        "closed" is a published tender whose deadline has passed, and is never stored."""
        now = now or timezone.now()
        if status == Tender.Status.CLOSED:
            return self.filter(status=Tender.Status.PUBLISHED, submission_deadline__lte=now)
        if status == Tender.Status.PUBLISHED:
            return self.filter(status=Tender.Status.PUBLISHED, submission_deadline__gt=now)
        return self.filter(status=status)


class Tender(models.Model):
    """One procurement. Its criteria, weights and method freeze when it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed (deadline passed)")
        OPENING = "opening", _("Opening (waiting for the second officer)")
        OPENED = "opened", _("Opened")
        EVALUATED = "evaluated", _("Evaluated")
        AWARDED = "awarded", _("Awarded")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="tenders",
        verbose_name=_("organization"),
    )
    reference = models.CharField(max_length=64, verbose_name=_("reference"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    procedure = models.CharField(
        max_length=32,
        choices=Procedure.choices,
        default=Procedure.OPEN,
        verbose_name=_("procedure"),
    )
    cpv_codes = models.JSONField(default=list, blank=True, verbose_name=_("cpv codes"))
    currency = models.CharField(
        max_length=3, choices=CURRENCIES, default="SEK", verbose_name=_("currency")
    )
    estimated_value = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("estimated value"),
    )
    submission_deadline = models.DateTimeField(verbose_name=_("submission deadline"))
    evaluation = models.JSONField(default=dict, blank=True, verbose_name=_("evaluation"))
    no_lots_reason = models.TextField(blank=True, verbose_name=_("no lots reason"))
    # Stored status; "closed" is never stored: it follows from the clock (see effective_status).
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    cancel_reason = models.TextField(blank=True, verbose_name=_("cancel reason"))
    publish_warnings = models.JSONField(
        default=list, blank=True, verbose_name=_("publish warnings")
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    opening_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opening requested by"),
    )
    opening_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("opening requested at")
    )
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    opening_protocol = models.JSONField(null=True, blank=True, verbose_name=_("opening protocol"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
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
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenderQuerySet.as_manager()

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"],
                name="tender_reference_unique_per_org",
                violation_error_message=_("A tender with this reference already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def deadline_passed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.submission_deadline

    @property
    def effective_status(self) -> str:
        if self.status == self.Status.PUBLISHED and self.deadline_passed():
            return self.Status.CLOSED
        return self.status

    @property
    def effective_status_label(self) -> str:
        return str(self.Status(self.effective_status).label)

    @property
    def is_sealed(self) -> bool:
        """Bids stay sealed until the opening is complete."""
        return self.status not in UNSEALED_STATUSES


# The opening lifts the seal (LOU 12 kap.): from then on the buyer's staff read the bids.
UNSEALED_STATUSES = (Tender.Status.OPENED, Tender.Status.EVALUATED, Tender.Status.AWARDED)


class Lot(models.Model):
    """A part of a tender that is bid for and awarded on its own (art. 46)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        Tender, on_delete=models.CASCADE, related_name="lots", verbose_name=_("tender")
    )
    number = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("number")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    estimated_value = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("estimated value"),
    )
    minimum_turnover = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Required minimum yearly turnover; at most twice the lot's value (art. 58(3))."
        ),
        verbose_name=_("minimum turnover"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "number"],
                name="lot_number_unique_per_tender",
                violation_error_message=_("This tender already has a lot with that number."),
            ),
        ]

    def __str__(self) -> str:
        # Shown after the model's (translated) name, e.g. "Lot: 1. Eggs" / "Delkontrakt: 1. Ägg".
        return f"{self.number}. {self.title}"


class StoredFile(models.Model):
    """A file with the facts that prove what it was: SHA-256, size, media type, version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filename = models.CharField(max_length=255, verbose_name=_("filename"))
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=500, verbose_name=_("file"))
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
    uploaded_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("uploaded at")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.filename} v{self.version}"


class TenderDocument(StoredFile):
    class Kind(models.TextChoices):
        CALL = "call", _("Call for tenders")
        SPECIFICATION = "specification", _("Specification")
        CONTRACT = "contract", _("Contract draft")
        CLARIFICATION = "clarification", _("Clarification (Q&A)")
        OTHER = "other", _("Other")

    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="documents", verbose_name=_("tender")
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.OTHER, verbose_name=_("kind")
    )

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["tender", "filename", "version"]


class Bid(models.Model):
    """A supplier's offer for one lot. Sealed until the tender is opened."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        SUPERSEDED = "superseded", _("Superseded by a later submission")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="bids", verbose_name=_("tender")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, related_name="bids", verbose_name=_("lot")
    )
    supplier = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="bids", verbose_name=_("supplier")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    price_amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        verbose_name=_("price amount"),
    )
    cost = models.JSONField(null=True, blank=True, verbose_name=_("cost"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    withdrawn_at = models.DateTimeField(null=True, blank=True, verbose_name=_("withdrawn at"))
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("sha256"))
    # A random value drawn at submission and hashed with the bid (procurement.services.bids):
    # sealed with the price, so that nobody who sees the hash but not the price can test a
    # guessed price against it. Empty for bids submitted before it was introduced.
    salt = models.CharField(max_length=32, blank=True, default="", verbose_name=_("salt"))
    # The supplier's facts as they stood at submission (SME class and the facts behind it,
    # non-profit, country): evaluations and reports read these, never today's profile.
    supplier_facts = models.JSONField(null=True, blank=True, verbose_name=_("supplier facts"))
    receipt = models.JSONField(null=True, blank=True, verbose_name=_("receipt"))
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
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
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "supplier"],
                condition=models.Q(status="submitted"),
                name="one_submitted_bid_per_supplier_and_lot",
            ),
        ]

    def __str__(self) -> str:
        return f"Bid {self.id} ({self.status})"


class BidResponse(models.Model):
    """A bid's answer to one criterion of the tender."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(
        Bid, on_delete=models.CASCADE, related_name="responses", verbose_name=_("bid")
    )
    tender_criterion = models.ForeignKey(
        "criteria.TenderCriterion",
        on_delete=models.PROTECT,
        related_name="responses",
        verbose_name=_("tender criterion"),
    )
    value = models.JSONField(null=True, verbose_name=_("value"))

    class Meta:
        verbose_name = _("bid response")
        verbose_name_plural = _("bid responses")
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "tender_criterion"], name="one_response_per_bid_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}: {self.tender_criterion_id}"


class BidDocument(StoredFile):
    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate")
        DECLARATION = "declaration", _("Declaration")
        PRICE_SHEET = "price_sheet", _("Price sheet")
        OTHER = "other", _("Other")

    bid = models.ForeignKey(
        Bid, on_delete=models.PROTECT, related_name="documents", verbose_name=_("bid")
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.OTHER, verbose_name=_("kind")
    )

    class Meta:
        verbose_name = _("bid document")
        verbose_name_plural = _("bid documents")
        ordering = ["bid", "filename", "version"]


class ApiToken(AbstractAuthToken):
    """An API token, stored as its SHA-512 digest only (django-rest-knox).

    Login tokens are issued one per login (per client), expire after ``ANBUD_TOKEN_TTL_SECONDS``
    and are revoked by logout, logout-everywhere or a password change. Integration tokens are
    named, created by an admin for a system account, and live until they expire or are revoked.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("Login")
        INTEGRATION = "integration", _("Integration")

    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.LOGIN, verbose_name=_("kind")
    )
    name = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Names an integration token"),
        verbose_name=_("name"),
    )
    client_address = models.CharField(max_length=64, blank=True, verbose_name=_("client address"))
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        label = self.name or self.get_kind_display()
        return f"{label} ({self.user}, {self.digest[:8]})"

    @property
    def public_id(self) -> str:
        """A short handle for logs and the audit trail; the token itself cannot be derived."""
        return self.digest[:16]


class SharedCounter(models.Model):
    """A counter every server process shares when no Redis is configured (or while it is down):
    failed logins, denials. Incremented atomically (procurement.counters)."""

    key = models.CharField(max_length=200, primary_key=True, verbose_name=_("key"))
    value = models.BigIntegerField(default=0, verbose_name=_("value"))
    expires_at = models.DateTimeField(db_index=True, verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("shared counter")
        verbose_name_plural = _("shared counters")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"
