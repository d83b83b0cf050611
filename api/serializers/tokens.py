from rest_framework import serializers

from api.serializers.common import StrictSerializer, UserRefSerializer


class IntegrationTokenSerializer(StrictSerializer):
    id = serializers.CharField(
        source="public_id", help_text="A handle for the token (the token cannot be derived)"
    )
    name = serializers.CharField()
    user = UserRefSerializer(help_text="The member the integration acts as")
    created_by = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)


class IntegrationTokenCreatedSerializer(IntegrationTokenSerializer):
    token = serializers.CharField(
        help_text="The token itself: shown this once, never again. Send it as "
        "`Authorization: Bearer <token>` (or `Token <token>`)."
    )


class IntegrationTokenInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text="What the token is for, e.g. e-Avrop")
    user = serializers.UUIDField(help_text="The id of the member the integration acts as")
    expires_in_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=365,
        help_text="Days until it expires (1-3650), or null for no expiry; default 365",
    )
