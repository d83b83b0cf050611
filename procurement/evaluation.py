"""The tender's evaluation settings (``evaluation`` in API.md), validated as configuration.

Shapes and defaults only; whether a method has everything it needs to be published (a price
ceiling for absolute scoring, LCC parameters, ...) is a pre-publish check, so a draft may be
saved half-configured.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from procurement.errors import field_error
from scoring.engine.inputs import AddedValueMode, Aggregation, Method, PriceScoring


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError(_('give numbers as decimal strings, e.g. "60" or "0.04"'))
    try:
        result = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(_("'%(value)s' is not a decimal number") % {"value": value}) from exc
    if not result.is_finite():
        raise ValueError(_("must be a finite number"))
    return result


class EvaluationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The choices are the engine's (scoring.engine.inputs): one vocabulary for the settings,
    # the forms, the OpenAPI schema and the snapshot.
    method: Method = "lowest_price"
    price_weight: Decimal | None = None
    price_scoring: PriceScoring | None = None
    price_floor: Decimal | None = None
    price_ceiling: Decimal | None = None
    mode: AddedValueMode | None = None
    lifetime_years: int | None = Field(default=None, ge=1, le=100)
    discount_rate: Decimal | None = None
    co2_price_per_tonne: Decimal | None = None
    tie_break: list[str] = Field(default_factory=lambda: ["lower_price", "earlier_submission"])
    aggregation: Aggregation = "consensus"
    spread_threshold: Decimal = Decimal("0.4")
    evaluators_see_prices: bool = False

    @field_validator(
        "price_weight",
        "price_floor",
        "price_ceiling",
        "discount_rate",
        "co2_price_per_tonne",
        "spread_threshold",
        mode="before",
    )
    @classmethod
    def _as_decimal(cls, value: object) -> Decimal | None:
        return None if value is None else _decimal(value)

    @field_validator("lifetime_years", mode="before")
    @classmethod
    def _int_only(cls, value: object) -> object:
        if isinstance(value, float | bool):
            raise ValueError(_("give a whole number of years, e.g. 5"))
        return value

    @field_validator("price_weight")
    @classmethod
    def _weight_range(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not (0 <= value <= 100):
            raise ValueError(_("the price weight is points out of 100, between 0 and 100"))
        return value

    @field_validator("price_floor", "price_ceiling", "co2_price_per_tonne")
    @classmethod
    def _not_negative(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(_("must not be negative"))
        return value

    @field_validator("discount_rate")
    @classmethod
    def _rate(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not (Decimal("-0.5") < value < 1):
            raise ValueError(
                _('a real discount rate as a fraction, e.g. "0.04" for %(percent)s')
                % {"percent": "4 %"}
            )
        return value

    @field_validator("spread_threshold")
    @classmethod
    def _threshold(cls, value: Decimal) -> Decimal:
        if not (0 < value <= 1):
            raise ValueError(_('a share of the scale between 0 and 1, e.g. "0.4"'))
        return value

    @field_validator("tie_break")
    @classmethod
    def _tie_break(cls, value: list[str]) -> list[str]:
        for item in value:
            if item not in ("lower_price", "earlier_submission", "lottery") and not (
                item.startswith("criterion:") and len(item) > len("criterion:")
            ):
                raise ValueError(
                    _(
                        "'%(item)s' is not a tie-break rule; use lower_price, earlier_submission, "
                        "criterion:<code> or lottery"
                    )
                    % {"item": item}
                )
        if len(set(value)) != len(value):
            raise ValueError(_("each tie-break rule may appear once"))
        return value


def parse_evaluation(data: object) -> tuple[dict | None, list[dict[str, str]]]:
    """Validate; return (normalised JSON, []) or (None, field errors with JSON pointers)."""
    if not isinstance(data, dict):
        return None, [field_error("/evaluation", "invalid", _("must be an object"))]
    try:
        settings = EvaluationSettings.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            pointer = "/evaluation" + "".join(f"/{part}" for part in err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = _("unknown setting '%(name)s'") % {"name": err["loc"][-1]}
            errors.append(field_error(pointer, err["type"], message))
        return None, errors
    return settings.model_dump(mode="json", exclude_none=True), []
