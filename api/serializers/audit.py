from rest_framework import serializers

from api.serializers.common import PrebuiltFieldsMixin, StrictModelSerializer, StrictSerializer
from audit.chain import REASONS
from audit.models import AuditEvent


class AuditEventSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    """One link of an organisation's chain, as recorded (nothing here is ever changed)."""

    organization = serializers.UUIDField(source="organization_id", allow_null=True)
    actor = serializers.UUIDField(
        source="actor_id",
        allow_null=True,
        help_text="The user who acted; null when the system acted (see actor_username)",
    )
    tender = serializers.UUIDField(source="tender_id", allow_null=True)
    # DRF's serializer metaclass takes declared fields out of the class body, so this field does
    # not replace Serializer.data; the stubs read it as an attribute.
    data = serializers.JSONField(  # type: ignore[assignment]  # a field, not Serializer.data
        help_text="What changed, as recorded; milestones carry `chain_head` {sequence, hash}"
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "chain",
            "sequence",
            "created_at",
            "organization",
            "actor",
            "actor_username",
            "actor_role",
            "action",
            "object_type",
            "object_id",
            "tender",
            "data",
            "request_id",
            "client_address",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class ChainBreakSerializer(StrictSerializer):
    chain = serializers.CharField(help_text="Organisation id, or `platform`")
    sequence = serializers.IntegerField()
    id = serializers.CharField(help_text="The event's id; empty when the event is missing")
    reason = serializers.ChoiceField(choices=[(r, r) for r in REASONS])
    detail = serializers.CharField()


class ChainSummarySerializer(StrictSerializer):
    chain = serializers.CharField()
    first_sequence = serializers.IntegerField()
    last_sequence = serializers.IntegerField()
    last_hash = serializers.CharField(help_text="Note it down: a later export must contain it")


class ChainVerificationSerializer(StrictSerializer):
    valid = serializers.BooleanField()
    events_checked = serializers.IntegerField()
    first_invalid = ChainBreakSerializer(allow_null=True)
    chains = ChainSummarySerializer(many=True, required=False)
