"""The follow-up report and the organisation's targets, as the API shows them (API.md, "Second
wave"). The report is computed by reports.followup; these serializers describe it."""

from decimal import Decimal

from rest_framework import serializers

from api.serializers.common import MoneySerializer, OrgRefSerializer, StrictModelSerializer
from contracts.selectors import FOLLOW_UP_CATEGORIES
from reports.followup import CATEGORIES, CATEGORY_CHOICES
from reports.models import FollowUpTarget, Metric

SHARE = {
    "allow_null": True,
    "help_text": "Decimal string, 4 places, half up; null: a share of nothing",
}


def _share(**extra) -> serializers.CharField:
    return serializers.CharField(**{**SHARE, **extra})


class PeriodSerializer(serializers.Serializer):
    from_ = serializers.DateField(help_text="First day (inclusive)")
    to = serializers.DateField(help_text="Last day (inclusive)")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class TenderFiguresSerializer(serializers.Serializer):
    published = serializers.IntegerField(help_text="Published in the period, not cancelled")
    cancelled = serializers.IntegerField(help_text="Published in the period, then cancelled")
    divided_into_lots = serializers.IntegerField(help_text="Of the published: with 2 lots or more")
    opened = serializers.IntegerField(help_text="Of the published: bids opened")
    single_bid = serializers.IntegerField(help_text="Of the opened: exactly one final bid")


class CategoryFiguresSerializer(serializers.Serializer):
    tenders = serializers.IntegerField(
        help_text="Tenders with at least one criterion of the category"
    )
    share = _share(help_text="tenders / published")
    requirement = serializers.IntegerField(help_text="Tenders with such a requirement")
    award = serializers.IntegerField(help_text="Tenders with such an award criterion")
    contract_condition = serializers.IntegerField(
        help_text="Tenders with such a contract condition"
    )
    advanced_or_spearhead = serializers.IntegerField(
        help_text="Tenders with such a criterion at level advanced or spearhead"
    )
    award_weight_share = _share(
        help_text="Over the weighted_points and value_for_money tenders: the mean of (the category's award weights / the total weight, price included)"
    )


class CategoriesSerializer(serializers.Serializer):
    def get_fields(self):
        return {str(category): CategoryFiguresSerializer() for category in CATEGORIES}


class SmeClassesSerializer(serializers.Serializer):
    micro = serializers.IntegerField()
    small = serializers.IntegerField()
    medium = serializers.IntegerField()
    large = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="The supplier's facts did not settle the class")


class BidFiguresSerializer(serializers.Serializer):
    submitted = serializers.IntegerField(help_text="Final submitted, not withdrawn")
    by_sme_class = SmeClassesSerializer(help_text="By the supplier's facts at submission")
    non_profit = serializers.IntegerField()


class AwardShareSerializer(serializers.Serializer):
    lots = serializers.IntegerField()
    share = _share(help_text="Of the awarded lots")
    value_share = _share(help_text="Of the awarded value")


class OtherCurrencySerializer(serializers.Serializer):
    currency = serializers.CharField()
    lots = serializers.IntegerField()
    value = MoneySerializer()


class AwardFiguresSerializer(serializers.Serializer):
    lots = serializers.IntegerField(help_text="Awarded lots, by the day the award was decided")
    value = MoneySerializer(help_text="The winning bids' prices, in the organisation's currency")
    sme = AwardShareSerializer(
        help_text="Lots with an SME (micro, small, medium) among the winners"
    )
    non_profit = AwardShareSerializer()
    other_currencies = OtherCurrencySerializer(
        many=True, help_text="Awards in another currency, listed apart, never added"
    )


class TargetOutcomeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    year = serializers.IntegerField()
    metric = serializers.ChoiceField(choices=Metric.choices)
    category = serializers.CharField(required=False)
    target = serializers.CharField()
    ceiling = serializers.BooleanField(
        help_text="True: the actual must stay at or below the target"
    )
    actual = _share()
    met = serializers.BooleanField(allow_null=True, help_text="null: nothing to measure yet")
    note = serializers.CharField(allow_blank=True)


class ContractCheckFiguresSerializer(serializers.Serializer):
    due = serializers.IntegerField(help_text="Checks due in the period (by their due date)")
    met = serializers.IntegerField(help_text="Of those: reviewed met")
    deviation = serializers.IntegerField(help_text="Of those: reviewed as a deviation")
    overdue = serializers.IntegerField(help_text="Of those: unanswered past the due date")
    open = serializers.IntegerField(help_text="Of those: requested, or answered and not reviewed")
    on_time_share = _share(
        help_text="Answered by the due date and reviewed met, over the checks due"
    )


class ContractDeviationFiguresSerializer(serializers.Serializer):
    opened = serializers.IntegerField(help_text="Opened in the period")
    closed = serializers.IntegerField(help_text="Closed in the period")
    open = serializers.IntegerField(help_text="Open at the end of the period")


class ContractCategoryFiguresSerializer(serializers.Serializer):
    commitments = serializers.IntegerField(help_text="Commitments of the active contracts")
    checks_due = serializers.IntegerField()
    met = serializers.IntegerField()
    deviation = serializers.IntegerField()


class ContractCategoriesSerializer(serializers.Serializer):
    def get_fields(self):
        return {category: ContractCategoryFiguresSerializer() for category in FOLLOW_UP_CATEGORIES}


class ContractFiguresSerializer(serializers.Serializer):
    active = serializers.IntegerField(help_text="Contracts in force on some day of the period")
    checks = ContractCheckFiguresSerializer()
    deviations = ContractDeviationFiguresSerializer()
    by_category = ContractCategoriesSerializer(help_text="Per commitment category")


class FollowUpReportSerializer(serializers.Serializer):
    organization = OrgRefSerializer()
    period = PeriodSerializer()
    tenders = TenderFiguresSerializer()
    categories = CategoriesSerializer()
    bids = BidFiguresSerializer()
    awards = AwardFiguresSerializer()
    contracts = ContractFiguresSerializer(
        required=False,
        help_text="The contracts' follow-up (checks by their due date); absent from reports published before it existed",
    )
    targets = TargetOutcomeSerializer(many=True)
    generated_at = serializers.DateTimeField()
    explain = serializers.DictField(
        required=False,
        help_text="With ?explain=true: per figure, the ids of the tenders, bids or awards (and lots) it counts; under `contracts`, the ids of the contracts, checks (`on_time` too), deviations and commitments",
    )
    comparison = serializers.DictField(
        required=False,
        help_text="With ?compare=YEAR: that year's figures (`figures`) and the change to this report's (`change`: counts and shares, this minus that)",
    )


class PublishInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the year is already published: what the new version corrects",
    )


class PublishedReportSerializer(serializers.Serializer):
    organization = OrgRefSerializer()
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    sha256 = serializers.CharField(
        help_text="Of the report's stored bytes (sorted keys, compact, UTF-8)"
    )
    published_at = serializers.DateTimeField()
    replaces = serializers.IntegerField(allow_null=True, help_text="The version this one corrects")
    note = serializers.CharField(allow_blank=True)
    url = serializers.CharField(help_text="Where the public reads it, without a token")
    report = FollowUpReportSerializer()


class FollowUpTargetSerializer(StrictModelSerializer):
    target = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal(1),
        coerce_to_string=True,
        help_text='A share between 0 and 1, e.g. "0.80"',
    )
    category = serializers.ChoiceField(
        choices=CATEGORY_CHOICES,
        required=False,
        allow_blank=True,
        help_text="With category_share and award_weight_share only",
    )

    class Meta:
        model = FollowUpTarget
        fields = ["id", "year", "metric", "category", "target", "note", "version", "created_at"]
        read_only_fields = ["id", "version", "created_at"]
