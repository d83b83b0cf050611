from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from api.serializers.common import DecimalStringField, StrictModelSerializer, StrictSerializer
from scoring.models import ConflictDeclaration, Evaluation


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "No conflict",
            value={"has_conflict": False, "statement": "No ties to any bidder"},
            request_only=True,
        )
    ]
)
class DeclarationInputSerializer(StrictSerializer):
    has_conflict = serializers.BooleanField()
    statement = serializers.CharField(max_length=4000)


class DeclarationSerializer(StrictModelSerializer):
    evaluator = serializers.SerializerMethodField()
    measure_by = serializers.UUIDField(source="measure_by_id", allow_null=True)

    class Meta:
        model = ConflictDeclaration
        fields = [
            "id",
            "tender",
            "evaluator",
            "has_conflict",
            "statement",
            "declared_at",
            "measure",
            "measure_by",
            "measure_at",
        ]

    def get_evaluator(self, obj) -> dict:
        return {"id": str(obj.evaluator_id), "username": obj.evaluator.username}


class MeasureSerializer(StrictSerializer):
    measure = serializers.CharField(
        max_length=4000, help_text="What was done about the conflict (art. 24)"
    )


class ScoreItemSerializer(StrictSerializer):
    bid = serializers.UUIDField()
    tender_criterion = serializers.UUIDField()
    score = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        coerce_to_string=True,
        help_text="0..scale_max of the criterion",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("score"), float):
            raise serializers.ValidationError(
                {"score": [_('Give the score as an integer or a decimal string, e.g. 4 or "3.5".')]}
            )
        return super().to_internal_value(data)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Two scores",
            value={
                "scores": [
                    {
                        "bid": "0b9f5c1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                        "tender_criterion": "8a0c6f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6",
                        "score": "4",
                        "comment": "Clear plan",
                    }
                ]
            },
            request_only=True,
        )
    ]
)
class ScoresInputSerializer(StrictSerializer):
    scores = ScoreItemSerializer(many=True)


class ScoreSerializer(StrictSerializer):
    bid = serializers.UUIDField(source="bid_id")
    tender_criterion = serializers.UUIDField(source="tender_criterion_id")
    score = serializers.DecimalField(max_digits=9, decimal_places=4)
    comment = serializers.CharField()
    version = serializers.IntegerField()
    is_current = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class ConsensusItemSerializer(StrictSerializer):
    bid = serializers.UUIDField()
    tender_criterion = serializers.UUIDField()
    score = DecimalStringField(max_digits=9, decimal_places=4, coerce_to_string=True)
    justification = serializers.CharField(max_length=4000)


class ConsensusInputSerializer(StrictSerializer):
    scores = ConsensusItemSerializer(many=True)


class ConsensusSerializer(StrictSerializer):
    bid = serializers.UUIDField(source="bid_id")
    tender_criterion = serializers.UUIDField(source="tender_criterion_id")
    score = serializers.DecimalField(max_digits=9, decimal_places=4)
    justification = serializers.CharField()
    version = serializers.IntegerField()
    set_by = serializers.CharField(source="set_by.username")
    created_at = serializers.DateTimeField()


class EvaluationSerializer(StrictModelSerializer):
    created_by = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        source="last_changed_at", read_only=True, help_text="When the run last changed"
    )
    derived_from = serializers.UUIDField(source="derived_from_id", allow_null=True)
    error = serializers.JSONField(allow_null=True, help_text="For failed runs: code and reason")

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "tender",
            "status",
            "progress",
            "method",
            "engine_version",
            "input_sha256",
            "result_sha256",
            "error",
            "derived_from",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
        ]

    def get_created_by(self, obj) -> dict:
        return {"id": str(obj.created_by_id), "username": obj.created_by.username}


class VerifySerializer(StrictSerializer):
    reproducible = serializers.BooleanField()
    input_sha256 = serializers.CharField()
    result_sha256 = serializers.CharField()
    stored_input_sha256 = serializers.CharField()
    stored_result_sha256 = serializers.CharField()
    engine_version = serializers.CharField()
    stored_engine_version = serializers.CharField()


class LotteryInputSerializer(StrictSerializer):
    witness = serializers.UUIDField(
        help_text="The user id of a second officer who witnesses the draw"
    )


class AwardLotSerializer(StrictSerializer):
    lot = serializers.UUIDField()
    bid = serializers.UUIDField(required=False, help_text="The winning bid")
    bids = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        required=False,
        help_text="Winning bids, in ranked order for a ranked framework (instead of `bid`)",
    )

    def validate(self, attrs):
        if ("bid" in attrs) == ("bids" in attrs):
            raise serializers.ValidationError(
                {"bid": [_("Give the winning `bid` (or `bids` for a framework), not both.")]}
            )
        return {"lot": attrs["lot"], "bids": attrs.get("bids") or [attrs["bid"]]}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Award lot 1",
            value={
                "evaluation": "5c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
                "lots": [
                    {
                        "lot": "7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b",
                        "bids": ["0b9f5c1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"],
                    }
                ],
                "justification": "The bid ranked first in evaluation 5c1d... offers the best price-quality ratio.",
            },
            request_only=True,
        )
    ]
)
class AwardInputSerializer(StrictSerializer):
    evaluation = serializers.UUIDField()
    # many=True makes a ListSerializer, which takes min_length and max_length; the stubs check
    # the arguments against the child serializer.
    lots = AwardLotSerializer(  # type: ignore[call-arg]  # many=True takes the list lengths
        many=True, min_length=1, required=False, help_text="Per lot the winning bid"
    )
    bid = serializers.UUIDField(
        required=False, help_text="The winning bid of a tender with one lot (instead of `lots`)"
    )
    justification = serializers.CharField(max_length=8000)

    def validate(self, attrs):
        if ("lots" in attrs) == ("bid" in attrs):
            raise serializers.ValidationError(
                {
                    "lots": [
                        _("Give per lot the winning bid in `lots`, or `bid` for a one-lot tender.")
                    ]
                }
            )
        return attrs


class AwardSerializer(StrictSerializer):
    id = serializers.UUIDField()
    tender = serializers.UUIDField(source="tender_id")
    evaluation = serializers.UUIDField(source="evaluation_id")
    lots = serializers.JSONField()
    justification = serializers.CharField()
    deviates_from_ranking = serializers.BooleanField()
    decided_by = serializers.CharField(source="decided_by.username")
    decided_at = serializers.DateTimeField()
    standstill_ends_at = serializers.DateTimeField()


class SimulatedBidSerializer(StrictSerializer):
    name = serializers.CharField(required=False, default="")
    lot = serializers.IntegerField(min_value=1, default=1, help_text="Lot number")
    price = serializers.CharField(help_text="Decimal string")
    submitted_at = serializers.DateTimeField(required=False)
    cost = serializers.DictField(required=False)
    responses = serializers.DictField(
        required=False, default=dict, help_text="criterion code -> answer"
    )
    profile = serializers.DictField(required=False, default=dict)


class SimulatedScoreSerializer(StrictSerializer):
    bid = serializers.IntegerField(min_value=1, help_text="1-based position of the fictitious bid")
    code = serializers.CharField()
    score = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Two fictitious bids",
            value={
                "bids": [
                    {"name": "Cheap", "price": "80000"},
                    {"name": "Good", "price": "120000", "responses": {"ENV-TRANSPORT-1": "90"}},
                ]
            },
            request_only=True,
        )
    ]
)
class SimulationInputSerializer(StrictSerializer):
    # many=True makes a ListSerializer, which takes min_length and max_length; the stubs check
    # the arguments against the child serializer.
    bids = SimulatedBidSerializer(many=True, min_length=1, max_length=500)  # type: ignore[call-arg]  # many=True takes them
    scores = SimulatedScoreSerializer(
        many=True, required=False, default=list, help_text="Scores for manual criteria"
    )

    def to_internal_value(self, data):
        def has_float(value):
            if isinstance(value, float):
                return True
            if isinstance(value, dict):
                return any(has_float(v) for v in value.values())
            if isinstance(value, list):
                return any(has_float(v) for v in value)
            return False

        if has_float(data):
            raise serializers.ValidationError(
                {"bids": [_('Give numbers as decimal strings, e.g. "80000", never floats.')]}
            )
        return super().to_internal_value(data)


class SimulationSerializer(StrictSerializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    result = serializers.JSONField(help_text="The engine's result for the fictitious bids")
