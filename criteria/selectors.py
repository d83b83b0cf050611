"""Reads of criteria, scoped to the acting user."""

from django.db.models import Q, QuerySet

from criteria.models import Criterion, TenderAmendment, TenderCriterion
from procurement.models import Role, Tender, User


def criteria_for(user: User) -> QuerySet[Criterion]:
    """The shared library (read-only) plus the user's organisation's own criteria."""
    qs = Criterion.objects.all()
    if getattr(user, "is_platform_operator", False):  # AnonymousUser has no such property
        return qs
    if not (user.is_authenticated and user.organization_id) or user.role == Role.BIDDER:
        return qs.filter(organization__isnull=True)
    return qs.filter(Q(organization__isnull=True) | Q(organization_id=user.organization_id))


def tender_criteria_for(user: User, tender: Tender) -> QuerySet[TenderCriterion]:
    """Criteria of a tender the user can already see (bidders: once published)."""
    return (
        TenderCriterion.objects.filter(tender=tender)
        .select_related("lot")
        .order_by("position", "created_at")
    )


def amendments_for(user: User, tender: Tender) -> QuerySet[TenderAmendment]:
    return (
        TenderAmendment.objects.filter(tender=tender)
        .select_related("created_by")
        .order_by("number")
    )
