"""Forms of the officer workbench. They shape input for the services and show the services'
own validation (the same messages as the API) on the field they concern; they decide nothing.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from criteria.models import Category, Kind, Level
from procurement.cpv import cpv_code_error
from procurement.evaluation import parse_evaluation
from procurement.formfields import LocalDateTimeField, LocalDecimalField
from procurement.models import Lot, Tender
from procurement.services.tenders import TENDER_FIELDS
from scoring.engine import inputs as vocabulary
from scoring.engine.inputs import amount_field
from workbench import formats, words
from workbench.words import AGGREGATION_WORDS, METHOD_WORDS, MODE_WORDS, PRICE_SCORING_WORDS

NOT_USED = ("", _("— not used —"))
METHODS = [(key, METHOD_WORDS[key]) for key in vocabulary.METHODS]
PRICE_SCORINGS = [NOT_USED, *((key, PRICE_SCORING_WORDS[key]) for key in vocabulary.PRICE_SCORINGS)]
MODES = [NOT_USED, *((key, MODE_WORDS[key]) for key in vocabulary.ADDED_VALUE_MODES)]
AGGREGATIONS = [(key, AGGREGATION_WORDS[key]) for key in vocabulary.AGGREGATIONS]

RULE_TYPES = [
    ("boolean", _("Yes or no")),
    ("linear", _("Linear scale")),
    ("thresholds", _("Thresholds (steps)")),
    ("choice", _("Choice of options")),
    ("manual", _("Scored by evaluators")),
]

# The evaluation settings as form fields: (form field name, settings key).
EVALUATION_FIELDS = (
    ("method", "method"),
    ("price_weight", "price_weight"),
    ("price_scoring", "price_scoring"),
    ("price_floor", "price_floor"),
    ("price_ceiling", "price_ceiling"),
    ("mode", "mode"),
    ("lifetime_years", "lifetime_years"),
    ("discount_rate", "discount_rate"),
    ("co2_price_per_tonne", "co2_price_per_tonne"),
    ("tie_break", "tie_break"),
    ("aggregation", "aggregation"),
    ("spread_threshold", "spread_threshold"),
    ("evaluators_see_prices", "evaluators_see_prices"),
)
EVALUATION_FIELD_NAMES = tuple(name for name, _key in EVALUATION_FIELDS)
DETAIL_FIELDS = tuple(name for name in TENDER_FIELDS if name != "evaluation")


def _decimal_field(label, help_text, **kwargs) -> forms.DecimalField:
    return LocalDecimalField(
        label=label, help_text=help_text, required=False, max_digits=18, decimal_places=6, **kwargs
    )


def place_errors(form: forms.Form, errors: list[dict[str, str]], prefix: str, names) -> None:
    """Put service field errors (JSON pointers such as /evaluation/price_weight) on the field
    they name; anything else on the form as a whole."""
    for item in errors:
        parts = item.get("field", "").removeprefix(prefix).strip("/").split("/")
        name = parts[0] if parts else ""
        target = name if name in names and name in form.fields else None
        message = item.get("message", "")
        if target and len(parts) > 1 and parts[1].isdigit():
            message = _("entry %(number)s: %(message)s") % {
                "number": int(parts[1]) + 1,
                "message": message,
            }
        form.add_error(target, message)


class CpvCodesField(forms.CharField):
    """CPV codes as lines of text, each checked; the value is a list, as in the API."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 20})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        problems = [error for error in map(cpv_code_error, value) if error]
        if problems:
            raise forms.ValidationError(problems)

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


TIE_SLOTS = 4
NOT_CHOSEN = ("", "—")


class TieBreakWidget(forms.MultiWidget):
    """The tie-break rules in order, one select each (1st, 2nd, ...), each named for a screen
    reader."""

    def __init__(self, choices=()):
        super().__init__(
            [
                forms.Select(
                    choices=choices,
                    attrs={"aria-label": format_lazy(_("Tie-break rule {}"), slot + 1)},
                )
                for slot in range(TIE_SLOTS)
            ]
        )

    def decompress(self, value):
        rules = list(value or [])[:TIE_SLOTS]
        return [*rules, *[""] * (TIE_SLOTS - len(rules))]


class TieBreakField(forms.MultiValueField):
    """What decides between bids with equal results, in order, as a list (as in the API):
    the lower price, the earlier submission, the higher score on a criterion, a lottery."""

    def __init__(self, **kwargs):
        choices = tie_break_choices(())
        super().__init__(
            [forms.ChoiceField(choices=choices, required=False) for _slot in range(TIE_SLOTS)],
            widget=TieBreakWidget(choices),
            require_all_fields=False,
            required=False,
            **kwargs,
        )

    def offer(self, criteria) -> None:
        """Offer the tender's criteria besides the fixed rules."""
        choices = tie_break_choices(criteria)
        for field, widget in zip(self.fields, self.widget.widgets, strict=True):
            field.choices = choices  # type: ignore[attr-defined]  # ChoiceFields, built above
            widget.choices = choices

    def compress(self, data_list):
        # The engine's settings check says when a rule is chosen twice.
        return [rule for rule in data_list or () if rule]


def tie_break_choices(criteria) -> list[tuple[str, Any]]:
    """(rule, words): the fixed rules and, for each criterion (code, title), its higher score."""
    return [
        NOT_CHOSEN,
        *((rule, capfirst(words.tie_rule(rule))) for rule in vocabulary.TIE_RULES),
        *(
            (f"criterion:{code}", capfirst(words.tie_rule(f"criterion:{code}", title)))
            for code, title in criteria
        ),
    ]


class TenderForm(forms.ModelForm):
    """The tender's details and its evaluation settings as a real form (not JSON)."""

    # Optimistic locking as in the API's If-Match: two officers cannot silently overwrite
    # each other's changes.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    cpv_codes = CpvCodesField(
        label=_("CPV codes"),
        required=False,
        help_text=_(
            "One code per line: 8 digits, optionally with the check digit, e.g. 15110000-2."
        ),
    )
    method = forms.ChoiceField(label=_("Evaluation method"), choices=METHODS)
    price_weight = _decimal_field(
        _("Price weight (points of 100)"),
        _("Weighted points: the points price gives; the criteria's weights make up the rest."),
    )
    price_scoring = forms.ChoiceField(
        label=_("Price scoring"), choices=PRICE_SCORINGS, required=False
    )
    price_floor = _decimal_field(
        _("Price floor"), _("Absolute price scoring: a price at or below it gets full points.")
    )
    price_ceiling = _decimal_field(
        _("Price ceiling"), _("Absolute price scoring: a price at or above it gets no points.")
    )
    mode = forms.ChoiceField(
        label=_("Added-value mode"),
        choices=MODES,
        required=False,
        help_text=_("Added value: how the criteria's money values change the evaluated price."),
    )
    lifetime_years = forms.IntegerField(
        label=_("Life time (years)"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Life-cycle cost: the years over which costs are counted."),
    )
    discount_rate = _decimal_field(
        _("Discount rate"), _("Life-cycle cost: a fraction, e.g. 0.04 for 4 % a year.")
    )
    co2_price_per_tonne = _decimal_field(
        _("CO₂ price per tonne"), _("Life-cycle cost: the price of a tonne of CO₂e emitted.")
    )
    tie_break = TieBreakField(
        label=_("Tie-break order"),
        help_text=_(
            "What decides between bids with equal results, in order; a criterion can be "
            "chosen once it is on the tender."
        ),
    )
    aggregation = forms.ChoiceField(label=_("Evaluators' scores"), choices=AGGREGATIONS)
    spread_threshold = _decimal_field(
        _("Spread threshold"),
        _("Share of the scale (0-1) above which evaluators' scores are flagged for moderation."),
    )
    evaluators_see_prices = forms.BooleanField(
        label=_("Evaluators see prices"),
        required=False,
        help_text=_("Off (recommended): evaluators score quality without knowing the prices."),
    )

    class Meta:
        model = Tender
        fields = DETAIL_FIELDS
        labels = {
            "reference": _("Reference"),
            "title": _("Title"),
            "description": _("Description"),
            "procedure": _("Procedure"),
            "currency": _("Currency"),
            "estimated_value": _("Estimated value"),
            "submission_deadline": _("Submission deadline"),
            "no_lots_reason": _("Why no lots"),
        }
        help_texts = {
            "reference": _("Your own case number, unique in your organisation."),
            "no_lots_reason": _(
                "A contract not divided into lots needs a reason (art. 46); small suppliers "
                "can often bid for a part."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = dict(self.instance.evaluation or {}) if self.instance.pk else {}
        defaults = parse_evaluation(stored or {"method": "lowest_price"})[0] or {}
        for name, key in EVALUATION_FIELDS:
            if name not in self.fields:
                continue
            self.fields[name].initial = defaults.get(key)
        if self.instance.pk and "tie_break" in self.fields:
            criteria = self.instance.tender_criteria.values_list("code", "title")
            self.fields["tie_break"].offer(criteria)
        if self.instance.pk and "expected_version" in self.fields:
            self.fields["expected_version"].initial = self.instance.version

    def evaluation_input(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, key in EVALUATION_FIELDS:
            value = self.cleaned_data.get(name)
            if key == "tie_break":
                if not value:
                    continue
            elif key == "evaluators_see_prices":
                value = bool(value)
            elif value in (None, ""):
                continue
            elif isinstance(value, Decimal):
                value = format(value.normalize(), "f")
            data[key] = value
        return data

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in EVALUATION_FIELD_NAMES):
            return cleaned
        evaluation, errors = parse_evaluation(self.evaluation_input())
        if errors:
            place_errors(self, errors, "/evaluation", EVALUATION_FIELD_NAMES)
        else:
            cleaned["evaluation"] = evaluation
        return cleaned

    def evaluation_changed(self) -> bool:
        evaluation = self.cleaned_data.get("evaluation")
        return evaluation is not None and evaluation != (self.instance.evaluation or {})

    def has_changed(self):
        names = [name for name in self.changed_data if name != "expected_version"]
        return bool(names)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_("Recorded with the tender and in the audit trail; suppliers see it."),
    )


class CopyForm(forms.Form):
    """A new draft from an earlier tender: its own reference and deadline, maybe a title."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=64,
        help_text=_("Your own case number, unique in your organisation."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        required=False,
        help_text=_("Leave empty to keep the copied tender's title."),
    )
    submission_deadline = LocalDateTimeField(label=_("Submission deadline"))


class AmendForm(ReasonForm):
    """A reasoned amendment before the deadline: a later deadline, a new price weight or
    new amounts for the criteria (one field per criterion, added by the view)."""

    submission_deadline = LocalDateTimeField(
        label=_("New submission deadline"),
        required=False,
        help_text=_(
            "Only later than the current one: suppliers need the time. Leave empty to keep it."
        ),
    )
    price_weight = _decimal_field(_("New price weight"), _("Leave empty to keep it."))

    def __init__(self, *args, tender: Tender, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        deadline = self.fields["submission_deadline"]
        deadline.help_text = format_lazy(
            "{} {}",
            _("Now: %(deadline)s.") % {"deadline": formats.when_zoned(tender.submission_deadline)},
            deadline.help_text,
        )
        self.amount_fields: list[tuple[Any, str, str]] = []
        evaluation = tender.evaluation or {}
        # The amount the engine reads for this method (amount_field): an LCC tender's
        # criteria carry money values, not weights.
        key = amount_field(evaluation.get("method", "lowest_price"), evaluation.get("mode"))
        if key is None:  # lowest price: no criterion carries an amount
            return
        words = {
            "weight": _("weight (points)"),
            "value": _("value (%(currency)s)") % {"currency": tender.currency},
            "percent": _("percent of the price"),
        }[key]
        for tc in criteria:
            if tc.kind != Kind.AWARD:
                continue
            name = f"criterion_{tc.pk}"
            now = getattr(tc, key)
            self.fields[name] = _decimal_field(
                _("%(title)s (%(code)s): %(amount)s")
                % {"title": tc.title, "code": tc.code, "amount": words},
                _("Now %(amount)s. Leave empty to keep it.")
                % {"amount": "—" if now is None else format(now.normalize(), "f")},
            )
            self.amount_fields.append((tc, key, name))

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data.get("submission_deadline"):
            changes["submission_deadline"] = data["submission_deadline"]
        if data.get("price_weight") is not None:
            evaluation = dict(self.tender.evaluation or {})
            evaluation["price_weight"] = format(data["price_weight"].normalize(), "f")
            changes["evaluation"] = evaluation
        criteria = [
            {"tender_criterion": str(tc.pk), key: data[name]}
            for tc, key, name in self.amount_fields
            if data.get(name) is not None
        ]
        if criteria:
            changes["criteria"] = criteria
        return changes

    def place(self, errors: list[dict[str, str]]) -> None:
        names = {"submission_deadline": "submission_deadline", "evaluation": "price_weight"}
        for item in errors:
            parts = item.get("field", "").removeprefix("/changes").strip("/").split("/")
            target = names.get(parts[0]) if parts and parts[0] else None
            if parts[0] == "criteria" and len(parts) > 1 and parts[1].isdigit():
                index = int(parts[1])
                listed = [
                    n for tc, k, n in self.amount_fields if self.cleaned_data.get(n) is not None
                ]
                target = listed[index] if index < len(listed) else None
            self.add_error(target, item.get("message", ""))


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *list(Category.choices)]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All")), *list(Level.choices)]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *list(Kind.choices)]
    )
    rule_type = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[("", _("All")), *RULE_TYPES],
    )


class AmountsForm(forms.Form):
    """Weight, money value or percent for a criterion, and its lot (tender-wide if empty)."""

    weight = _decimal_field(_("Weight (points)"), "", min_value=0)
    value = _decimal_field(_("Value (money)"), "", min_value=0)
    percent = _decimal_field(_("Percent of the price"), "", min_value=0)
    lot: "forms.ModelChoiceField[Lot]" = forms.ModelChoiceField(
        label=_("Lot"), required=False, queryset=None, empty_label=_("The whole tender")
    )

    def __init__(self, *args, tender: Tender, amount_kind: str = "weight", **kwargs):
        super().__init__(*args, **kwargs)
        # Only the amount the tender's method uses: points, or money (a value or a percent).
        for name in ("value", "percent") if amount_kind == "weight" else ("weight",):
            del self.fields[name]
        lot_field = self.fields["lot"]
        assert isinstance(lot_field, forms.ModelChoiceField)  # declared above
        lot_field.queryset = tender.lots.order_by("number")
        # Django's per-instance override of the label; mypy reads it as replacing the method.
        lot_field.label_from_instance = lambda lot: f"{lot.number}. {lot.title}"  # type: ignore[method-assign,assignment]  # Django's documented way

    def amounts(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("weight", "value", "percent")
            if name in self.fields
        }


ROWS = 6


class OwnCriterionForm(AmountsForm):
    """An own criterion for this tender, with a form per rule type instead of JSON.

    Thresholds and choices have rows; empty rows are ignored. The rule is checked by the
    same validation as the API, and its errors are shown on the row they concern.
    """

    code = forms.SlugField(
        label=_("Code"), max_length=64, help_text=_("Unique in the tender, e.g. ENV-TRANSPORT-1.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.AWARD)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.BASIC)
    title = forms.CharField(label=_("Title (Swedish)"), max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description (Swedish)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=32, required=False, help_text=_("e.g. %, km, g CO₂e/kg")
    )

    def __init__(self, *args, rule_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_type = rule_type
        self.rows: list[tuple[str, str]] = []
        if rule_type == "linear":
            self.fields["worst"] = LocalDecimalField(label=_("Worst answer (fulfilment 0)"))
            self.fields["best"] = LocalDecimalField(label=_("Best answer (fulfilment 1)"))
        elif rule_type == "thresholds":
            self.fields["direction"] = forms.ChoiceField(
                label=_("Steps"),
                choices=[
                    ("at_least", _("at least (higher is better)")),
                    ("at_most", _("at most (lower is better)")),
                ],
            )
            for i in range(1, ROWS + 1):
                self._row(i, "bound", _("Step %(n)s: bound") % {"n": i}, LocalDecimalField)
                self._row(
                    i,
                    "fulfilment",
                    _("Step %(n)s: fulfilment (0-1)") % {"n": i},
                    LocalDecimalField,
                )
        elif rule_type == "choice":
            for i in range(1, ROWS + 1):
                self._row(i, "option", _("Option %(n)s") % {"n": i}, forms.CharField)
                self._row(
                    i,
                    "fulfilment",
                    _("Option %(n)s: fulfilment (0-1)") % {"n": i},
                    LocalDecimalField,
                )
        elif rule_type == "manual":
            self.fields["scale_max"] = forms.IntegerField(
                label=_("Highest score"), min_value=1, max_value=100, initial=5
            )

    def _row(self, i: int, part: str, label, field_class) -> None:
        name = f"row_{i}_{part}"
        self.fields[name] = field_class(label=label, required=False)
        self.rows.append((name, part))

    TEXT = (
        "code",
        "kind",
        "category",
        "level",
        "title",
        "title_en",
        "description",
        "description_en",
        "unit",
    )
    AMOUNTS = ("weight", "value", "percent", "lot")

    def text_fields(self):
        return [self[name] for name in self.TEXT]

    def amount_fields(self):
        return [self[name] for name in self.AMOUNTS if name in self.fields]

    def rule_fields(self):
        known = {*self.TEXT, *self.AMOUNTS, *(name for name, _part in self.rows)}
        return [self[name] for name in self.fields if name not in known]

    def row_header(self):
        parts = list(dict.fromkeys(part for _name, part in self.rows))
        names = {"bound": _("Bound"), "fulfilment": _("Fulfilment (0-1)"), "option": _("Option")}
        return [names[part] for part in parts]

    def row_fields(self):
        return [
            [self[name] for name, _part in self.rows if name.startswith(f"row_{i}_")]
            for i in range(1, ROWS + 1)
        ]

    def _filled_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i in range(1, ROWS + 1):
            values = {
                part: self.cleaned_data.get(name)
                for name, part in self.rows
                if name.startswith(f"row_{i}_")
            }
            if any(v not in (None, "") for v in values.values()):
                rows.append({"row": i, **values})
        return rows

    def rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        text = lambda d: None if d is None else format(d.normalize(), "f")  # noqa: E731
        if self.rule_type == "linear":
            return {
                "type": "linear",
                "worst": text(data.get("worst")),
                "best": text(data.get("best")),
            }
        if self.rule_type == "thresholds":
            key = data.get("direction") or "at_least"
            return {
                "type": "thresholds",
                "steps": [
                    {key: text(row.get("bound")), "fulfilment": text(row.get("fulfilment"))}
                    for row in self._filled_rows()
                ],
            }
        if self.rule_type == "choice":
            return {
                "type": "choice",
                "options": {
                    (row.get("option") or "").strip(): text(row.get("fulfilment"))
                    for row in self._filled_rows()
                },
            }
        if self.rule_type == "manual":
            return {"type": "manual", "scale_max": data.get("scale_max")}
        return {"type": "boolean"}

    def definition(self) -> dict[str, Any]:
        names = (
            "code",
            "kind",
            "category",
            "level",
            "title",
            "title_en",
            "description",
            "description_en",
            "unit",
        )
        return {**{n: self.cleaned_data.get(n) or "" for n in names}, "rule": self.rule()}

    def place(self, errors: list[dict[str, str]]) -> None:
        """Service errors (/definition/rule/steps/1/fulfilment, /weight ...) onto fields."""
        filled = [row["row"] for row in self._filled_rows()] if self.rows else []
        for item in errors:
            field = item.get("field", "")
            parts = field.removeprefix("/definition").strip("/").split("/")
            target = None
            if parts[0] == "rule" and len(parts) > 1:
                if parts[1] in ("worst", "best", "scale_max"):
                    target = parts[1]
                elif parts[1] in ("steps", "options") and len(parts) > 2:
                    index = parts[2]
                    if parts[1] == "steps" and index.isdigit() and int(index) < len(filled):
                        part = (
                            "bound" if len(parts) > 3 and parts[3] != "fulfilment" else "fulfilment"
                        )
                        target = f"row_{filled[int(index)]}_{part}"
                    elif parts[1] == "options":
                        keys = [
                            (r["row"], (r.get("option") or "").strip()) for r in self._filled_rows()
                        ]
                        target = next((f"row_{n}_fulfilment" for n, k in keys if k == index), None)
            elif parts[0] in self.fields:
                target = parts[0]
            self.add_error(target if target in self.fields else None, item.get("message", ""))


class SimulationForm(forms.Form):
    """A few fictitious bids: a name, a price and an answer per criterion answered in the bid."""

    BIDS = 4

    def __init__(self, *args, tender: Tender, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = [tc for tc in criteria if tc.kind != Kind.CONTRACT_CONDITION]
        self.lots = list(tender.lots.order_by("number"))
        for i in range(1, self.BIDS + 1):
            self.fields[f"bid_{i}_name"] = forms.CharField(
                label=_("Bid %(n)s: name") % {"n": i},
                required=False,
                initial=f"Bid {i}" if i <= 2 else "",
            )
            if len(self.lots) > 1:
                self.fields[f"bid_{i}_lot"] = forms.TypedChoiceField(
                    label=_("Bid %(n)s: lot") % {"n": i},
                    coerce=int,
                    choices=[(lot.number, f"{lot.number}. {lot.title}") for lot in self.lots],
                )
            self.fields[f"bid_{i}_price"] = LocalDecimalField(
                label=_("Bid %(n)s: price") % {"n": i}, required=False, min_value=0
            )
            for tc in self.criteria:
                rule_type = (tc.rule or {}).get("type")
                label = _("Bid %(n)s: %(code)s") % {"n": i, "code": tc.code}
                field: forms.Field
                if rule_type == "boolean":
                    field = forms.TypedChoiceField(
                        label=label,
                        required=False,
                        coerce=lambda v: {"yes": True, "no": False}.get(v),
                        choices=[("", "—"), ("yes", _("yes")), ("no", _("no"))],
                    )
                elif rule_type == "choice":
                    options = sorted((tc.rule or {}).get("options", {}))
                    field = forms.ChoiceField(
                        label=label, required=False, choices=[("", "—")] + [(o, o) for o in options]
                    )
                elif rule_type == "manual":
                    field = forms.IntegerField(
                        label=_("%(label)s (consensus score)") % {"label": label},
                        required=False,
                        min_value=0,
                        max_value=(tc.rule or {}).get("scale_max"),
                    )
                else:
                    field = LocalDecimalField(label=label, required=False)
                self.fields[f"bid_{i}_c_{tc.pk}"] = field

    def columns(self) -> list[str | Promise]:
        return (
            [_("Name")]
            + ([_("Lot")] if len(self.lots) > 1 else [])
            + [_("Price")]
            + [
                _("%(code)s (score)") % {"code": tc.code}
                if (tc.rule or {}).get("type") == "manual"
                else tc.code
                for tc in self.criteria
            ]
        )

    def bid_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i in range(1, self.BIDS + 1):
            rows.append(
                {
                    "number": i,
                    "fields": [self[f"bid_{i}_name"]]
                    + ([self[f"bid_{i}_lot"]] if f"bid_{i}_lot" in self.fields else [])
                    + [self[f"bid_{i}_price"]]
                    + [self[f"bid_{i}_c_{tc.pk}"] for tc in self.criteria],
                }
            )
        return rows

    def service_input(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(bids, consensus scores) for scoring.services.simulate; empty rows are skipped."""
        bids: list[dict[str, Any]] = []
        scores: list[dict[str, Any]] = []
        data = self.cleaned_data
        for i in range(1, self.BIDS + 1):
            price = data.get(f"bid_{i}_price")
            if price is None:
                continue
            number = len(bids)
            responses = {}
            for tc in self.criteria:
                value = data.get(f"bid_{i}_c_{tc.pk}")
                if value in (None, ""):
                    continue
                if (tc.rule or {}).get("type") == "manual":
                    scores.append({"bid": number + 1, "code": tc.code, "score": value})
                    responses[tc.code] = "—"
                else:
                    responses[tc.code] = (
                        format(value.normalize(), "f") if isinstance(value, Decimal) else value
                    )
            bids.append(
                {
                    "name": data.get(f"bid_{i}_name") or f"Bid {i}",
                    "lot": data.get(f"bid_{i}_lot") or 1,
                    "price": format(price.normalize(), "f"),
                    "responses": responses,
                }
            )
        return bids, scores


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ("title", "description", "estimated_value", "minimum_turnover")
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "estimated_value": _("Estimated value"),
            "minimum_turnover": _("Minimum turnover"),
        }
        help_texts = {
            "minimum_turnover": _(
                "Required minimum yearly turnover; at most twice the lot's value (art. 58(3))."
            ),
        }
