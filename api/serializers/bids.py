from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.serializers.common import MoneySerializer, OrgRefSerializer, StrictSerializer, money
from api.serializers.documents import DocumentSerializer
from procurement import projection


def _no_float(value):
    if isinstance(value, float):
        raise serializers.ValidationError(
            _('Give numbers as decimal strings, e.g. "80", never as floats.')
        )
    return value


class CostSerializer(StrictSerializer):
    """Life-cycle cost inputs (lowest_cost tenders), decimal strings in the tender's currency."""

    acquisition_cost = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=Decimal(0)
    )
    annual_operating_cost = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=Decimal(0)
    )
    annual_co2e_tonnes = serializers.DecimalField(
        max_digits=18, decimal_places=6, min_value=Decimal(0)
    )
    end_of_life_cost = serializers.DecimalField(max_digits=18, decimal_places=2)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            bad = {
                k: [_("Give the amount as a decimal string, never a float.")]
                for k, v in data.items()
                if isinstance(v, float)
            }
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "oneOf": [{"type": "boolean"}, {"type": "string"}, {"type": "integer"}, {"type": "null"}],
        "description": "true/false for boolean rules, a decimal string for numbers, an option key for choices, text for manual criteria",
    }
)
class ResponseValueField(serializers.JSONField):
    def to_internal_value(self, data):
        return _no_float(super().to_internal_value(data))


class ResponseSerializer(StrictSerializer):
    tender_criterion = serializers.UUIDField()
    value = ResponseValueField(allow_null=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A bid with responses",
            value={
                "tender": "3f1c7f0e-8f0e-4c1e-9d1a-2b2f6a0c1a11",
                "price": {"amount": "1000000.00", "currency": "SEK"},
                "responses": [
                    {"tender_criterion": "8a0c6f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "value": True},
                    {"tender_criterion": "9b1d7e1f-2c3d-4e5f-9a01-b2c3d4e5f6a7", "value": "80"},
                ],
            },
            request_only=True,
        ),
        OpenApiExample(
            "A life-cycle cost bid",
            value={
                "tender": "3f1c7f0e-8f0e-4c1e-9d1a-2b2f6a0c1a11",
                "lot": "5e2d8c3b-7a6f-4e5d-8c9b-0a1b2c3d4e5f",
                "price": {"amount": "2000000.00", "currency": "SEK"},
                "cost": {
                    "acquisition_cost": "2000000",
                    "annual_operating_cost": "300000",
                    "annual_co2e_tonnes": "20",
                    "end_of_life_cost": "50000",
                },
            },
            request_only=True,
        ),
    ]
)
class BidInputSerializer(StrictSerializer):
    tender = serializers.UUIDField()
    lot = serializers.UUIDField(
        required=False, allow_null=True, help_text="Optional when the tender has one lot"
    )
    price = MoneySerializer()
    cost = CostSerializer(required=False, allow_null=True)
    responses = ResponseSerializer(many=True, required=False, default=list)


class BidUpdateSerializer(StrictSerializer):
    price = MoneySerializer(required=False)
    cost = CostSerializer(required=False, allow_null=True)
    responses = ResponseSerializer(many=True, required=False)


@extend_schema_field(
    {
        "type": ["object", "null"],
        "description": "Server time, bid SHA-256, its salt and each file's SHA-256; null until "
        "submitted, and for evaluators blind to prices",
    }
)
class ReceiptField(serializers.JSONField):
    pass


class BidSerializer(StrictSerializer):
    """A bid as its reader sees it: ``procurement.projection.bid_for`` decides the parts."""

    id = serializers.UUIDField()
    tender = serializers.UUIDField(source="tender_id")
    lot = serializers.UUIDField(source="lot_id")
    supplier = OrgRefSerializer()
    status = serializers.CharField(help_text="draft, submitted, superseded or withdrawn")
    price = serializers.SerializerMethodField()
    cost = serializers.SerializerMethodField(
        help_text="Hidden (null) from evaluators who are blind to prices"
    )
    responses = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True, help_text="Set by the server's clock")
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 of the canonical bid JSON at submission, salted (see `salt`); null "
        "until submitted, and for evaluators blind to prices"
    )
    salt = serializers.SerializerMethodField(
        help_text="The random value hashed with the bid at submission, sealed with its price: "
        "with it, the canonical bid JSON gives `sha256` again. Null for evaluators blind to "
        "prices and for bids submitted before salts existed"
    )
    receipt = serializers.SerializerMethodField()
    supersedes = serializers.UUIDField(source="supersedes_id", allow_null=True)
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _seen(self, bid) -> projection.BidProjection:
        # One projection per object and serializer (a list's rows share their child serializer).
        cache = self.__dict__.setdefault("_projections", {})
        seen = cache.get(bid.pk)
        if seen is None or seen.bid is not bid:
            seen = cache[bid.pk] = projection.bid_for(self.context["request"].user, bid)
        return seen

    @extend_schema_field(
        MoneySerializer(allow_null=True, help_text="null for evaluators blind to prices")
    )
    def get_price(self, bid):
        seen = self._seen(bid)
        return None if seen.price is None else money(seen.price, seen.currency)

    @extend_schema_field(CostSerializer(allow_null=True))
    def get_cost(self, bid):
        return self._seen(bid).cost

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sha256(self, bid):
        return self._seen(bid).sha256

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_salt(self, bid):
        return self._seen(bid).salt

    @extend_schema_field(ReceiptField(allow_null=True))
    def get_receipt(self, bid):
        return self._seen(bid).receipt

    @extend_schema_field(ResponseSerializer(many=True))
    def get_responses(self, bid):
        return [
            {"tender_criterion": str(r.tender_criterion_id), "value": r.value}
            for r in bid.responses.all()
        ]

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, bid):
        return DocumentSerializer(self._seen(bid).documents, many=True).data
