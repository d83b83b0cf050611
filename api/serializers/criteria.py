from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.serializers.common import PrebuiltFieldsMixin, StrictModelSerializer, StrictSerializer
from criteria.models import (
    Category,
    Criterion,
    Kind,
    Level,
    Source,
    TenderAmendment,
    TenderCriterion,
)
from criteria.services import LIBRARY_FIELDS

DECIMAL = {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}
RATIO = {
    "type": "string",
    "description": 'A share from 0 to 1: a decimal ("0.5") or an exact ratio ("2/3")',
    "pattern": r"^\d+(\.\d+)?(/\d+)?$",
    "example": "0.5",
}


def _rule(name: str, description: str, properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": {"type": {"type": "string", "enum": [name]}, **properties},
        "required": ["type", *required],
        "additionalProperties": False,
    }


# The rule vocabulary (scoring.engine.rules) as a discriminated union on ``type``, so that
# generated clients get one typed model per rule. Added to the document's components.
RULE_COMPONENTS = {
    "BooleanRule": _rule("boolean", "Yes or no: fulfilment 1 for true, 0 for false.", {}, []),
    "LinearRule": _rule(
        "linear",
        "A number on a scale from worst (fulfilment 0) to best (1), clamped; best may be lower.",
        {"worst": DECIMAL, "best": DECIMAL},
        ["worst", "best"],
    ),
    "ThresholdStep": {
        "type": "object",
        "description": "One step: exactly one of at_least or at_most, and its fulfilment.",
        "properties": {"at_least": DECIMAL, "at_most": DECIMAL, "fulfilment": RATIO},
        "required": ["fulfilment"],
        "additionalProperties": False,
    },
    "ThresholdsRule": _rule(
        "thresholds",
        "Steps: the fulfilment of the highest step the answer reaches, else 0. All steps use "
        "at_least (ascending) or all at_most (descending).",
        {
            "steps": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ThresholdStep"},
                "minItems": 1,
            }
        },
        ["steps"],
    ),
    "ChoiceRule": _rule(
        "choice",
        "Named options, each with its fulfilment.",
        {"options": {"type": "object", "additionalProperties": RATIO, "minProperties": 1}},
        ["options"],
    ),
    "ManualRule": _rule(
        "manual",
        "Scored by evaluators from 0 to scale_max.",
        {"scale_max": {"type": "integer", "minimum": 1, "maximum": 100}},
        ["scale_max"],
    ),
}
RULE_SCHEMA = {
    "oneOf": [
        {"$ref": f"#/components/schemas/{name}"}
        for name in ("BooleanRule", "LinearRule", "ThresholdsRule", "ChoiceRule", "ManualRule")
    ],
    "discriminator": {
        "propertyName": "type",
        "mapping": {
            "boolean": "#/components/schemas/BooleanRule",
            "linear": "#/components/schemas/LinearRule",
            "thresholds": "#/components/schemas/ThresholdsRule",
            "choice": "#/components/schemas/ChoiceRule",
            "manual": "#/components/schemas/ManualRule",
        },
    },
    "description": "The scoring rule (validated configuration); numbers are decimal strings.",
}


@extend_schema_field(RULE_SCHEMA)
class RuleField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": ["object", "null"],
        "description": 'OCDS sustainability mapping, e.g. {"goal": "environmental", "strategies": ["awardCriteria"]}',
    }
)
class OcdsField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "properties": {"sv": {"type": "string"}, "en": {"type": "string"}},
            "additionalProperties": False,
        },
        "description": "Words for a choice rule's options, by option key, in Swedish and "
        'English, e.g. {"full": {"sv": "Fullt", "en": "Full"}}; pages show them instead of the key',
        "example": {"no_measurement": {"sv": "Ingen mätning", "en": "No measurement"}},
    }
)
class OptionLabelsField(serializers.JSONField):
    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        ok = isinstance(data, dict) and all(
            isinstance(words, dict)
            and set(words) <= {"sv", "en"}
            and all(isinstance(text, str) and len(text) <= 200 for text in words.values())
            for words in data.values()
        )
        if not ok:
            raise serializers.ValidationError(
                _('Give {"option key": {"sv": "…", "en": "…"}} for each option.')
            )
        return data


class CriterionSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    rule = RuleField()
    ocds = OcdsField(required=False, allow_null=True)
    option_labels = OptionLabelsField(required=False)
    shared = serializers.BooleanField(
        source="is_shared", read_only=True, help_text="Part of the shared, read-only library"
    )
    organization = serializers.UUIDField(source="organization_id", read_only=True, allow_null=True)
    copied_from = serializers.UUIDField(source="copied_from_id", read_only=True, allow_null=True)

    class Meta:
        model = Criterion
        fields = [
            "id",
            "version",
            *LIBRARY_FIELDS,
            "shared",
            "organization",
            "copied_from",
            "copied_from_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "copied_from_version", "created_at", "updated_at"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A linear award criterion",
            value={
                "code": "ENV-TRANSPORT-1",
                "title": "Förnybart bränsle i leveranser",
                "title_en": "Renewable fuel in deliveries",
                "category": "environmental",
                "level": "advanced",
                "kind": "award",
                "rule": {"type": "linear", "worst": "0", "best": "100"},
                "unit": "%",
                "verification": "Fuel statement signed by the supplier",
            },
            request_only=True,
        )
    ]
)
class CriterionInputSerializer(StrictSerializer):
    code = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", help_text="e.g. ENV-TRANSPORT-1"
    )
    category = serializers.ChoiceField(choices=Category.choices)
    level = serializers.ChoiceField(choices=Level.choices, default=Level.BASIC)
    kind = serializers.ChoiceField(choices=Kind.choices)
    title = serializers.CharField(max_length=300, help_text="Swedish (or the tender's language)")
    title_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    description_en = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reason_en = serializers.CharField(required=False, allow_blank=True, default="")
    verification = serializers.CharField(required=False, allow_blank=True, default="")
    verification_en = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    rule = RuleField()
    # DRF's serializer metaclass takes declared fields out of the class body, so this field does
    # not replace Field.source; the stubs read it as an attribute.
    source = serializers.ChoiceField(choices=Source.choices, default=Source.BID)  # type: ignore[assignment]  # a field, not Field.source
    profile_field = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    ocds = OcdsField(required=False, allow_null=True, default=None)
    source_reference = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )
    option_labels = OptionLabelsField(required=False, default=dict)


class CopySerializer(StrictSerializer):
    code = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        required=False,
        help_text="Code of the copy (default: the same code)",
    )


def _amount_field(help_text: str):
    return serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text=help_text,
    )


class TenderCriterionSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    rule = RuleField()
    option_labels = OptionLabelsField(read_only=True)
    lot = serializers.UUIDField(source="lot_id", allow_null=True)
    criterion = serializers.UUIDField(
        source="criterion_id", allow_null=True, help_text="The library criterion it was copied from"
    )

    class Meta:
        model = TenderCriterion
        fields = [
            "id",
            "criterion",
            "criterion_version",
            "lot",
            "code",
            "category",
            "level",
            "kind",
            "title",
            "title_en",
            "description",
            "description_en",
            "verification",
            "verification_en",
            "unit",
            "rule",
            "source",
            "profile_field",
            "option_labels",
            "weight",
            "value",
            "percent",
            "position",
            "created_at",
        ]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "From the library",
            value={"criterion": "6b0e2d7c-3f1a-4b9e-8c2d-1a2b3c4d5e6f", "weight": "15"},
            request_only=True,
        ),
        OpenApiExample(
            "Inline definition with a money value (added_value)",
            value={
                "definition": {
                    "code": "AW-TRANSPORT-8H",
                    "title": "Transporttid till slakt högst 8 timmar",
                    "category": "animal_welfare",
                    "level": "advanced",
                    "kind": "award",
                    "rule": {"type": "boolean"},
                },
                "value": "150000.00",
            },
            request_only=True,
        ),
    ]
)
class TenderCriterionInputSerializer(StrictSerializer):
    criterion = serializers.UUIDField(
        required=False, allow_null=True, help_text="A library criterion id"
    )
    definition = CriterionInputSerializer(
        required=False, allow_null=True, help_text="Or an inline criterion"
    )
    lot = serializers.UUIDField(
        required=False, allow_null=True, help_text="Limit the criterion to one lot"
    )
    weight = _amount_field("Points (weighted_points, value_for_money)")
    value = _amount_field("Money deducted at full fulfilment (added_value, lowest_cost)")
    percent = _amount_field("Percent surcharge at zero fulfilment (added_value percent_surcharge)")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            bad = {
                k: [_("Give the number as a decimal string, never a float.")]
                for k in ("weight", "value", "percent")
                if isinstance(data.get(k), float)
            }
            if bad:
                raise serializers.ValidationError(bad)
        return super().to_internal_value(data)


class TenderCriterionUpdateSerializer(StrictSerializer):
    lot = serializers.UUIDField(required=False, allow_null=True)
    weight = _amount_field("Points")
    value = _amount_field("Money value")
    percent = _amount_field("Percent")


class AmendmentCriterionChangeSerializer(StrictSerializer):
    tender_criterion = serializers.UUIDField()
    weight = _amount_field("New weight")
    value = _amount_field("New money value")
    percent = _amount_field("New percent")


class AmendmentChangesSerializer(StrictSerializer):
    evaluation = serializers.JSONField(required=False, help_text="The whole new evaluation object")
    submission_deadline = serializers.DateTimeField(required=False, help_text="A later deadline")
    title = serializers.CharField(max_length=300, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    criteria = AmendmentCriterionChangeSerializer(many=True, required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Change a weight and extend the deadline",
            value={
                "reason": "Questions from suppliers showed that the animal-welfare weight was unclear.",
                "changes": {
                    "submission_deadline": "2026-12-15T12:00:00Z",
                    "criteria": [
                        {"tender_criterion": "8a0c6f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6", "weight": "20"}
                    ],
                    "evaluation": {
                        "method": "weighted_points",
                        "price_weight": "55",
                        "price_scoring": "proportional",
                    },
                },
            },
            request_only=True,
        )
    ]
)
class AmendInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=4000)
    changes = AmendmentChangesSerializer()


class AmendmentSerializer(PrebuiltFieldsMixin, StrictModelSerializer):
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = TenderAmendment
        fields = [
            "id",
            "number",
            "reason",
            "changes",
            "configuration_before",
            "configuration_after",
            "configuration_sha256",
            "created_by",
            "created_at",
        ]


class BurdenSerializer(StrictSerializer):
    lot = serializers.DictField()
    estimated_value = serializers.DictField(allow_null=True)
    minimum_turnover = serializers.DictField(allow_null=True)
    turnover_to_value_ratio = serializers.CharField(allow_null=True)
    requirements = serializers.IntegerField()
    award_criteria = serializers.IntegerField()
    contract_conditions = serializers.IntegerField()
    answers_from_profile = serializers.IntegerField()
    certificates = serializers.ListField(child=serializers.CharField())
    written_answers = serializers.ListField(child=serializers.CharField())
    documents_to_provide = serializers.IntegerField()
    flags = serializers.ListField(child=serializers.DictField())
