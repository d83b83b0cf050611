from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.serializers.common import (
    CpvCodesField,
    MoneySerializer,
    OrgRefSerializer,
    PrebuiltFieldsMixin,
    StrictModelSerializer,
    StrictSerializer,
    money,
)
from procurement import projection
from procurement.models import CURRENCIES, Lot, Procedure, Tender
from scoring.engine import inputs as vocabulary

EVALUATION_SCHEMA = {
    "type": "object",
    "description": (
        "The evaluation method and its parameters (amounts are decimal strings in the tender's "
        f"currency). method: {' | '.join(vocabulary.METHODS)}. Optional everywhere: tie_break, "
        "aggregation, spread_threshold, evaluators_see_prices."
    ),
    "properties": {
        "method": {"type": "string", "enum": list(vocabulary.METHODS)},
        "price_weight": {"type": "string", "example": "60"},
        "price_scoring": {"type": "string", "enum": list(vocabulary.PRICE_SCORINGS)},
        "price_floor": {"type": "string"},
        "price_ceiling": {"type": "string"},
        "mode": {"type": "string", "enum": list(vocabulary.ADDED_VALUE_MODES)},
        "lifetime_years": {"type": "integer"},
        "discount_rate": {"type": "string", "example": "0.04"},
        "co2_price_per_tonne": {"type": "string", "example": "1200"},
        "tie_break": {
            "type": "array",
            "items": {"type": "string"},
            "example": ["lower_price", "earlier_submission"],
        },
        "aggregation": {"type": "string", "enum": list(vocabulary.AGGREGATIONS)},
        "spread_threshold": {"type": "string", "example": "0.4"},
        "evaluators_see_prices": {"type": "boolean"},
    },
    "additionalProperties": False,
    "example": {"method": "weighted_points", "price_weight": "60", "price_scoring": "proportional"},
}


@extend_schema_field(EVALUATION_SCHEMA)
class EvaluationField(serializers.JSONField):
    pass


class LotSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    estimated_value = serializers.SerializerMethodField()
    minimum_turnover = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = [
            "id",
            "number",
            "title",
            "description",
            "estimated_value",
            "minimum_turnover",
            "created_at",
        ]

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_estimated_value(self, lot):
        return money(lot.estimated_value, lot.tender.currency)

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_minimum_turnover(self, lot):
        return money(lot.minimum_turnover, lot.tender.currency)


class LotInputSerializer(StrictSerializer):
    number = serializers.IntegerField(
        min_value=1, max_value=9999, required=False, help_text="Next free number when left out"
    )
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    estimated_value = MoneySerializer(required=False, allow_null=True)
    minimum_turnover = MoneySerializer(
        required=False,
        allow_null=True,
        help_text="Required minimum yearly turnover; at most twice the estimated value (art. 58(3)).",
    )


class LotChangeSerializer(StrictSerializer):
    """What a draft's lot lets change (its number stays: others may cite it)."""

    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    estimated_value = MoneySerializer(required=False, allow_null=True)
    minimum_turnover = MoneySerializer(
        required=False,
        allow_null=True,
        help_text="Required minimum yearly turnover; at most twice the estimated value (art. 58(3)).",
    )


class TenderCopyInputSerializer(StrictSerializer):
    reference = serializers.CharField(
        max_length=64, help_text="The new draft's reference, unique in your organisation"
    )
    submission_deadline = serializers.DateTimeField(help_text="The new draft's deadline")
    title = serializers.CharField(
        max_length=300, required=False, help_text="The new title; the copied tender's when left out"
    )


class TenderSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    """A tender as its reader may see it."""

    organization = OrgRefSerializer(read_only=True)
    status = serializers.CharField(
        source="effective_status",
        help_text="draft, published, closed, opening, opened, evaluated, awarded or cancelled",
    )
    estimated_value = serializers.SerializerMethodField()
    bids_received = serializers.SerializerMethodField(
        help_text="Submitted bids: all that buyers see before opening; null for suppliers"
    )
    lots = serializers.SerializerMethodField()
    warnings = serializers.JSONField(
        source="publish_warnings", help_text="Warnings raised when the tender was published"
    )
    opening_requested_by = serializers.SerializerMethodField()
    opened_by = serializers.SerializerMethodField()
    opening_protocol = serializers.SerializerMethodField()
    evaluation = EvaluationField()

    class Meta:
        model = Tender
        fields = [
            "id",
            "organization",
            "reference",
            "title",
            "description",
            "procedure",
            "cpv_codes",
            "currency",
            "estimated_value",
            "submission_deadline",
            "evaluation",
            "no_lots_reason",
            "status",
            "bids_received",
            "lots",
            "warnings",
            "published_at",
            "cancel_reason",
            "opening_requested_by",
            "opening_requested_at",
            "opened_at",
            "opened_by",
            "opening_protocol",
            "version",
            "created_at",
            "updated_at",
        ]

    def _seen(self, tender) -> projection.TenderProjection:
        # One projection per object and serializer (a list's rows share their child serializer).
        cache = self.__dict__.setdefault("_projections", {})
        seen = cache.get(tender.pk)
        if seen is None:
            seen = cache[tender.pk] = projection.tender_for(
                self.context["request"].user,
                tender,
                bids_received=getattr(tender, "bids_received_count", None),
            )
        return seen

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_estimated_value(self, tender):
        return money(tender.estimated_value, tender.currency)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_bids_received(self, tender):
        return self._seen(tender).bids_received

    @extend_schema_field(LotSerializer(many=True))
    def get_lots(self, tender):
        return LotSerializer(tender.lots.all(), many=True).data

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_opening_requested_by(self, tender):
        return self._seen(tender).opening_requested_by

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(),
            allow_null=True,
            help_text="The officers who opened the bids (id, username, name), as in the opening "
            "protocol; buyer side only, null before opening",
        )
    )
    def get_opened_by(self, tender):
        return self._seen(tender).opened_by

    @extend_schema_field(
        serializers.DictField(
            allow_null=True,
            help_text="Opened by, opened at and the list of bids (supplier, submitted_at, price, "
            "sha256); the buyer's staff only, and without price and sha256 for evaluators "
            "blind to prices",
        )
    )
    def get_opening_protocol(self, tender):
        return self._seen(tender).protocol


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Weighted points, proportional price",
            value={
                "reference": "RK-2026-0042",
                "title": "Kött och ägg till regionens kök",
                "procedure": "open",
                "cpv_codes": ["15110000"],
                "currency": "SEK",
                "estimated_value": {"amount": "5000000.00", "currency": "SEK"},
                "submission_deadline": "2026-12-01T12:00:00Z",
                "evaluation": {
                    "method": "weighted_points",
                    "price_weight": "60",
                    "price_scoring": "proportional",
                },
            },
            request_only=True,
        ),
        OpenApiExample(
            "Life-cycle cost",
            value={
                "reference": "RK-2026-0050",
                "title": "Elfordon för hemtjänsten",
                "procedure": "open",
                "cpv_codes": ["34144900"],
                "currency": "SEK",
                "submission_deadline": "2027-01-15T12:00:00Z",
                "evaluation": {
                    "method": "lowest_cost",
                    "lifetime_years": 5,
                    "discount_rate": "0.04",
                    "co2_price_per_tonne": "1200",
                },
            },
            request_only=True,
        ),
    ]
)
class TenderInputSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    procedure = serializers.ChoiceField(choices=Procedure.choices, default=Procedure.OPEN)
    cpv_codes = CpvCodesField(required=False, default=list)
    currency = serializers.ChoiceField(choices=CURRENCIES, default="SEK")
    estimated_value = MoneySerializer(required=False, allow_null=True)
    submission_deadline = serializers.DateTimeField()
    evaluation = EvaluationField(required=False, default=dict)
    no_lots_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the tender is not divided into lots (art. 46), when it has one lot",
    )

    def validate(self, attrs):
        currency = attrs.get("currency") or (self.instance.currency if self.instance else "SEK")
        value = attrs.get("estimated_value")
        if value is not None:
            # A PATCH validates nested objects partially: the money object must still be whole.
            missing = {name: [_("This field is required.")] for name in ("amount", "currency")}
            missing = {name: msg for name, msg in missing.items() if name not in value}
            if missing:
                raise serializers.ValidationError({"estimated_value": missing}, code="required")
        if value and value["currency"] != currency:
            raise serializers.ValidationError(
                {
                    "estimated_value": {
                        "currency": [
                            _("Use the tender's currency %(currency)s.") % {"currency": currency}
                        ]
                    }
                }
            )
        return attrs

    def to_service_fields(self) -> dict:
        data = dict(self.validated_data)
        if "estimated_value" in data:
            value = data.pop("estimated_value")
            data["estimated_value"] = value["amount"] if value else None
        return data


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=4000, help_text="Why (recorded and audited)")


class CheckObjectSerializer(StrictSerializer):
    type = serializers.ChoiceField(
        choices=["tender", "lot", "tender_criterion"], help_text="What the check is about"
    )
    id = serializers.UUIDField()
    code = serializers.CharField(required=False, help_text="A tender criterion's code")


class TextSerializer(StrictSerializer):
    sv = serializers.CharField(help_text="Swedish")
    en = serializers.CharField(help_text="English")


class CheckSerializer(StrictSerializer):
    severity = serializers.ChoiceField(choices=["error", "warning"])
    code = serializers.CharField()
    object = CheckObjectSerializer()
    message = TextSerializer(help_text="Both languages, whatever the request's language")
