"""What of the follow-up a user may read."""

import uuid

from django.db.models import QuerySet

from procurement import policy
from procurement.models import Organization, User
from procurement.policy import Action
from reports.models import FollowUpTarget, PublishedReport


def targets_for(user: User) -> QuerySet[FollowUpTarget]:
    """The targets of the user's organisation, for its buyer-side roles; the operator's: all."""
    targets = FollowUpTarget.objects.select_related("organization")
    if policy.is_operator(user):
        return targets
    if user.organization_id is None or not policy.may(
        user, Action.FOLLOW_UP_READ, organization_id=user.organization_id
    ):
        return targets.none()
    return targets.filter(organization_id=user.organization_id)


def buyer_organization(identifier: str) -> Organization | None:
    try:
        key = uuid.UUID(str(identifier))
    except ValueError:
        return None
    return Organization.objects.filter(pk=key, kind=Organization.Kind.BUYER).first()


def published_report(organization, year: int, version: int | None = None) -> PublishedReport | None:
    """A published report: the newest version of the year, or the one named."""
    reports = PublishedReport.objects.select_related("organization", "replaces").filter(
        organization_id=organization, year=year
    )
    if version is not None:
        reports = reports.filter(version=version)
    return reports.order_by("-version").first()
