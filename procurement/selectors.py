"""Reads, already limited to what the acting user may see.

Views never filter by organisation themselves: they ask here, and an object that is not in the
returned queryset is a 404, whether it does not exist or belongs to someone else. The seal on
bids is enforced here, once, for the API and the admin alike.
"""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from audit.models import AuditEvent
from procurement import policy, projection
from procurement.models import (
    BID_READING_ROLES,
    UNSEALED_STATUSES,
    WHOLE_TRAIL_ROLES,
    ApiToken,
    Bid,
    BidDocument,
    Lot,
    Organization,
    Role,
    Tender,
    TenderDocument,
    User,
)

PUBLIC_STATUSES = (
    Tender.Status.PUBLISHED,
    Tender.Status.OPENING,
    Tender.Status.OPENED,
    Tender.Status.EVALUATED,
    Tender.Status.AWARDED,
    Tender.Status.CANCELLED,
)
# Buyer-side roles that may read opened bids. Evaluators get access per tender once they
# have declared no conflict of interest (the evaluations workflow).


def _is_member(user: User) -> bool:
    return bool(user and user.is_authenticated and user.organization_id)


def organizations_for(user: User) -> QuerySet[Organization]:
    qs = Organization.objects.all()
    if user.is_superuser:
        return qs
    if not _is_member(user) or user.organization_id is None:
        return qs.none()
    if user.role == Role.BIDDER:
        buyers_with_public_tenders = Tender.objects.filter(
            status__in=PUBLIC_STATUSES, published_at__isnull=False
        ).values("organization_id")
        return qs.filter(Q(pk=user.organization_id) | Q(pk__in=buyers_with_public_tenders))
    return qs.filter(pk=user.organization_id)


def members_for(user: User, organization: Organization) -> QuerySet[User]:
    """Members of an organisation: for the platform operator and the organisation's own members."""
    if user.is_superuser or user.organization_id == organization.pk:
        return User.objects.filter(organization=organization).order_by("username")
    return User.objects.none()


def token_members_for(user: User) -> QuerySet[User]:
    """The active members an integration token may act as, for ``user``: the platform
    operator's any, an organisation member's those of their own organisation."""
    members = User.objects.filter(is_active=True)
    if user.is_superuser:
        return members
    if user.organization_id is None:
        return members.none()
    return members.filter(organization_id=user.organization_id)


def integration_tokens_for(user: User) -> QuerySet[ApiToken]:
    """Integration tokens (never login tokens): the platform operator's all, an organisation
    admin's those of the organisation's members, nobody else's any."""
    qs = ApiToken.objects.filter(kind=ApiToken.Kind.INTEGRATION).select_related(
        "user", "created_by"
    )
    if user.is_superuser:
        return qs
    if user.organization_id is None or not policy.may(
        user, policy.Action.TOKENS_MANAGE, organization_id=user.organization_id
    ):
        return qs.none()
    return qs.filter(user__organization_id=user.organization_id).order_by("-created")


def tenders_for(user: User) -> QuerySet[Tender]:
    qs = Tender.objects.select_related("organization").annotate(
        bids_received_count=Count(
            "bids", filter=Q(bids__status=Bid.Status.SUBMITTED), distinct=True
        )
    )
    if getattr(user, "is_platform_operator", False):  # AnonymousUser has no such property
        return qs
    if not _is_member(user) or user.organization_id is None:
        return qs.none()
    if user.role == Role.BIDDER:
        # A draft cancelled before publishing was never public: published_at stays empty.
        return qs.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
    if user.role == Role.EVALUATOR:
        return qs.filter(organization_id=user.organization_id, status__in=UNSEALED_STATUSES)
    return qs.filter(organization_id=user.organization_id)


def lots_for(user: User, tender: Tender) -> QuerySet[Lot]:
    return Lot.objects.filter(tender=tender).order_by("number")


def tender_documents_for(user: User, tender: Tender) -> QuerySet[TenderDocument]:
    qs = TenderDocument.objects.filter(tender=tender).select_related("uploaded_by")
    if user.role == Role.BIDDER and tender.published_at is None:
        return qs.none()
    return qs


def bids_for(user: User) -> QuerySet[Bid]:
    """Bids the user may read. Suppliers: their own, always. Buyers: only opened tenders'."""
    qs = Bid.objects.select_related("tender", "lot", "supplier", "tender__organization")
    if not _is_member(user) or user.organization_id is None:
        return qs.none()
    if user.role == Role.BIDDER:
        return qs.filter(supplier_id=user.organization_id)
    if user.role in BID_READING_ROLES:
        return qs.filter(
            tender__organization_id=user.organization_id,
            tender__status__in=UNSEALED_STATUSES,
        ).exclude(status=Bid.Status.DRAFT)
    if user.role == Role.EVALUATOR:
        # Declarations are scoring's (above procurement): read through their relation to the
        # tender, so that procurement imports nothing of scoring.
        declared = Tender.objects.filter(
            conflict_declarations__evaluator=user, conflict_declarations__has_conflict=False
        ).values("pk")
        return qs.filter(
            tender__organization_id=user.organization_id,
            tender__status__in=UNSEALED_STATUSES,
            tender_id__in=declared,
            status=Bid.Status.SUBMITTED,
        )
    return qs.none()


def is_sealed_bid_of_users_org(user: User, bid_id) -> Bid | None:
    """The bid, when it exists, belongs to the user's buyer organisation and is still sealed.

    Used to record refused attempts to read sealed bids (Annex IV: an attempt is detectable).
    """
    if not _is_member(user) or user.role == Role.BIDDER:
        return None
    try:
        bid = Bid.objects.select_related("tender").get(pk=bid_id)
    except (Bid.DoesNotExist, ValueError, TypeError):
        return None
    if bid.tender.organization_id == user.organization_id and bid.tender.is_sealed:
        return bid
    return None


def bid_documents_for(user: User, bid: Bid) -> QuerySet[BidDocument]:
    qs = BidDocument.objects.filter(bid=bid).select_related("uploaded_by")
    if not projection.sees_prices(user, bid.tender):
        return qs.exclude(kind=BidDocument.Kind.PRICE_SHEET)
    return qs


def submitted_bids_for_opening(tender: Tender) -> QuerySet[Bid]:
    """For the opening protocol only: called by the service that opens the tender."""
    return (
        Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED)
        .select_related("supplier", "lot")
        .order_by("lot__number", "submitted_at", "id")
    )


# Which audit events a user may read:
# - the platform operator (a superuser without an organisation): every chain, except what
#   suppliers did about a tender (their bids: secret to all but the buyer's staff, OSL 19:3,
#   API.md "Sealed bids"); the exports give those as redacted rows that keep their hashes;
# - admins and auditors: their organisation's whole chain;
# - officers: the events of their organisation's tenders, and their own actions;
# - evaluators and bidders: their own actions (evaluators score blind);
# - nobody: anything of another organisation.


def _sealed_and_foreign():
    """An event about a tender in another organisation's chain: what a supplier did about a
    bid. Secret to everyone but the buyer's own staff (OSL 19:3), the platform operator
    included, whatever the tender's state: the operator reads the supplier's chain with these
    events redacted."""
    return Exists(
        Tender.objects.filter(pk=OuterRef("tender_id")).exclude(
            organization_id=OuterRef("organization_id")
        )
    )


def audit_events_for(user: Any) -> QuerySet[AuditEvent]:
    """Audit events the user may read (see the comment above)."""
    qs = AuditEvent.objects.all()
    if not user or not user.is_authenticated:
        return qs.none()
    if getattr(user, "is_platform_operator", False):
        return qs.exclude(_sealed_and_foreign())
    if not user.organization_id:
        return qs.none()
    own = qs.filter(organization_id=user.organization_id)
    if user.role in WHOLE_TRAIL_ROLES:
        return own
    if user.role == Role.OFFICER:
        tenders = Tender.objects.filter(organization_id=user.organization_id).values("pk")
        return own.filter(Q(tender_id__in=tenders) | Q(actor_id=user.pk))
    return own.filter(actor_id=user.pk)


def audit_trail_for_export(user: Any) -> tuple[QuerySet[AuditEvent], QuerySet[AuditEvent]]:
    """The events an export of the trail holds for this user, and those of them it must show
    sealed: the platform operator exports every chain whole, with what suppliers did about
    tenders (bids: secret to all but the buyer's staff) as redacted rows that keep their hashes (so every chain verifies
    offline, and nothing sealed is read); everyone else exports what they may read."""
    if getattr(user, "is_platform_operator", False):
        everything = AuditEvent.objects.all()
        return everything, everything.filter(_sealed_and_foreign())
    return audit_events_for(user), AuditEvent.objects.none()
