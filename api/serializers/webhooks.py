"""Webhook endpoints and their delivery log, as the API shows them (API.md, "Second wave").
Shapes and types only: webhooks.services checks the URL and the events."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import StrictModelSerializer
from webhooks.models import Delivery, Event, WebhookEndpoint


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "enum": list(Event.values)},
        "minItems": 1,
    }
)
class EventListField(serializers.ListField):
    child = serializers.CharField()


class WebhookEndpointSerializer(StrictModelSerializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="https, a public address (http and private addresses only where the server allows them)",
    )
    events = EventListField(help_text="The events to hear of")
    active = serializers.BooleanField(
        required=False, default=True, help_text="false: nothing is sent"
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "events",
            "active",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "disabled_at", "disabled_reason", "created_at", "updated_at"]
        extra_kwargs = {
            "disabled_at": {"help_text": "When Anbud turned it off after repeated failures"},
        }


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_<base64>: the signing secret, shown only in this answer",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    webhook = serializers.UUIDField(source="endpoint_id", read_only=True)
    message_id = serializers.CharField(
        read_only=True, help_text="The webhook-id header: the same on retries and redeliveries"
    )

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook",
            "event",
            "message_id",
            "status",
            "attempts",
            "response_status",
            "error",
            "last_attempt_at",
            "next_attempt_at",
            "manual",
            "redelivery_of",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "response_status": {"help_text": "The endpoint's HTTP status at the last attempt"},
            "next_attempt_at": {"help_text": "When the next attempt is due (null: none)"},
            "manual": {"help_text": "A ping or a redelivery: one attempt, no retries"},
        }
