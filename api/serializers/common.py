import copy
import re
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictInputMixin:
    # A body field the serializer does not know is a 400 naming it; DRF would drop it
    # silently, and a client with a typo ('deadline' for 'submission_deadline') would never
    # learn that its change was not made. A read-only field of the same serializer is known
    # (and ignored, as DRF does).
    # (A comment, not a docstring: drf-spectacular would show it on every body schema.)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: [_("Unknown field: remove it (check the spelling).")] for key in unknown},
                    code="unknown_field",
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    pass


class PrebuiltFieldsMixin:
    # Build a ModelSerializer's fields once per class, then copy them per instance.
    # ModelSerializer.get_fields() introspects the model on every instantiation (field info,
    # kwargs per field). The output serializers of the key reads do not vary their fields by
    # context, so the built fields serve as a prototype and each instance gets a deep copy,
    # as DRF copies declared fields. Not for a serializer whose get_fields() looks at
    # self.context or self.instance. (A comment, not a docstring: drf-spectacular would
    # publish a docstring as the description of every schema that uses the mixin.)

    def get_fields(self):
        cls = type(self)
        prototype = cls.__dict__.get("_prebuilt_fields")
        if prototype is None:
            prototype = super().get_fields()
            cls._prebuilt_fields = prototype
        return copy.deepcopy(prototype)


class DecimalStringField(serializers.DecimalField):
    """A decimal that refuses JSON floats (a binary fraction is not the number the sender
    meant): a decimal string, or an integer."""

    default_error_messages = {
        **serializers.DecimalField.default_error_messages,
        "float": 'Give the number as a decimal string, e.g. "1234.50", never a float.',
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


class MoneySerializer(StrictSerializer):
    """{"amount": "1234.50", "currency": "SEK"}: the amount is a decimal string, never a float."""

    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal(0))
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code, e.g. SEK")

    def to_internal_value(self, data):
        if isinstance(data, dict) and isinstance(data.get("amount"), float):
            raise serializers.ValidationError(
                {
                    "amount": [
                        _('Give the amount as a decimal string, e.g. "1234.50", never a float.')
                    ]
                }
            )
        if isinstance(data, dict):
            # Money is whole even inside a PATCH (partial): an amount without its currency,
            # or the other way round, means nothing.
            missing = [name for name in ("amount", "currency") if name not in data]
            if missing:
                raise serializers.ValidationError(
                    {name: [_("This field is required.")] for name in missing}, code="required"
                )
        return super().to_internal_value(data)


def money(amount, currency) -> dict | None:
    if amount is None:
        return None
    return {"amount": format(Decimal(amount).quantize(Decimal("0.01")), "f"), "currency": currency}


class ProblemErrorSerializer(StrictSerializer):
    field = serializers.CharField(
        help_text="JSON Pointer of the offending value, e.g. /rule/steps/1/fulfilment"
    )
    code = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(StrictSerializer):
    """RFC 9457 problem details (served as application/problem+json)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine-readable code")
    # DRF's serializer metaclass takes declared fields out of the class body, so this field does
    # not replace Serializer.errors; the stubs read it as an attribute.
    errors = ProblemErrorSerializer(many=True, required=False)  # type: ignore[assignment]  # a field, not Serializer.errors (DRF moves declared fields off the class)


class UserRefSerializer(StrictSerializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


class OrgRefSerializer(StrictSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


CPV_RE = re.compile(r"^\d{8}(-\d)?$")


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "pattern": r"^\d{8}(-\d)?$"},
        "example": ["15110000"],
    }
)
class CpvCodesField(serializers.ListField):
    child = serializers.CharField()

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        bad = {
            str(i): [
                _("'%(value)s' is not a CPV code (8 digits, optionally -check digit).")
                % {"value": v}
            ]
            for i, v in enumerate(values)
            if not CPV_RE.match(v)
        }
        if bad:
            raise serializers.ValidationError(bad)
        return values
