from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from api.serializers.common import DecimalStringField, StrictModelSerializer, StrictSerializer
from procurement import usernames
from procurement.models import CURRENCIES, Organization, Role


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A supplier",
            value={
                "name": "Gård AB",
                "kind": "supplier",
                "org_number": "556677-8899",
                "country": "SE",
                "employees": 8,
                "annual_turnover": "1500000.00",
                "balance_sheet_total": "3000000.00",
                "non_profit": False,
            },
            request_only=True,
        ),
        OpenApiExample(
            "A buyer", value={"name": "Region Norrland", "kind": "buyer"}, request_only=True
        ),
    ]
)
class OrganizationSerializer(StrictModelSerializer):
    annual_turnover = DecimalStringField(
        max_digits=18,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="EUR, decimal string",
    )
    balance_sheet_total = DecimalStringField(
        max_digits=18,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        allow_null=True,
        help_text="EUR, decimal string",
    )
    country = serializers.RegexField(
        r"^[A-Z]{2}$", required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2"
    )
    sme_class = serializers.ChoiceField(
        choices=["micro", "small", "medium", "large"],
        read_only=True,
        allow_null=True,
        help_text="EU recommendation 2003/361; null when a fact is missing",
    )
    opening_quorum = serializers.ChoiceField(
        choices=[1, 2],
        required=False,
        help_text="Officers needed to open bids: 2 by default (good practice, not a rule of LOU); 1 is the organisation's own decision.",
    )
    currency = serializers.ChoiceField(
        choices=CURRENCIES,
        required=False,
        help_text="The organisation's own currency (SEK by default): the follow-up report adds award values in it and lists others apart",
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "org_number",
            "country",
            "employees",
            "annual_turnover",
            "balance_sheet_total",
            "non_profit",
            "currency",
            "sme_class",
            "opening_quorum",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        if self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind:
            raise serializers.ValidationError(
                {"kind": [_("The kind of an organisation cannot change.")]}
            )
        return attrs


class UsernameField(serializers.RegexField):
    """NFKC-normalised before it is checked (``procurement.usernames``)."""

    def to_internal_value(self, data):
        return super().to_internal_value(
            usernames.normalized(data) if isinstance(data, str) else data
        )


class MemberSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    username = UsernameField(
        r"^[\w.@+-]{1,150}$",
        help_text="Latin letters (å, ä, ö and other accented ones too), digits and @/./+/-/_; "
        "NFKC-normalised. A username that could pass for another (`officer1` with a Cyrillic "
        "letter o in it) is refused with the code `confusable`.",
    )
    password = serializers.CharField(
        write_only=True, style={"input_type": "password"}, trim_whitespace=False
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)
