"""Which endpoints and deliveries a user reaches: their organisation's, for the roles that
manage webhooks (admins and officers); nobody else's, the platform operator's neither."""

from django.db.models import QuerySet

from procurement import policy
from procurement.models import User
from procurement.policy import Action
from webhooks.models import Delivery, WebhookEndpoint


def endpoints_for(user: User) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.select_related("organization")
    if not user.organization_id or not policy.may(
        user, Action.WEBHOOKS_MANAGE, organization_id=user.organization_id
    ):
        return endpoints.none()
    return endpoints.filter(organization_id=user.organization_id)


def deliveries_for(user: User) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint__in=endpoints_for(user)).select_related("endpoint")
