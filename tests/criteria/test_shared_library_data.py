"""Checks of the shared criteria library data (criteria/library/shared_criteria.json).

Pure tests: no Django, no database. They read the JSON file and check its shape, the scoring
rules and the coverage that the shared library promises (see DOMAIN.md, "Criteria").
"""

import json
import re
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2] / "criteria" / "library" / "shared_criteria.json"

KEYS = {
    "code",
    "version",
    "category",
    "level",
    "kind",
    "title",
    "description",
    "reason",
    "verification",
    "unit",
    "rule",
    "source",
    "profile_field",
    "ocds",
    "source_reference",
}
TEXT_KEYS = ("title", "description", "reason", "verification")
LANGUAGES = {"sv", "en"}

CATEGORIES = {"environmental", "social", "animal_welfare", "small_supplier", "quality"}
LEVELS = {"basic", "advanced", "spearhead"}
KINDS = {"requirement", "award", "contract_condition"}
RULE_TYPES = {"boolean", "linear", "thresholds", "choice", "manual"}
SOURCES = {"bid", "supplier_profile"}
PROFILE_FIELDS = {"non_profit", "sme_class", "employees", "country"}
PREFIX_BY_CATEGORY = {
    "environmental": "ENV",
    "social": "SOC",
    "animal_welfare": "AW",
    "small_supplier": "SME",
    "quality": "QUAL",
}

# OCDS sustainability extension codelists (top-level goals; strategies). A margin of preference
# (e.g. for local or small suppliers) is not lawful in these tenders, so it is left out.
OCDS_GOALS = {"environmental", "social", "economic", "innovation"}
OCDS_STRATEGIES = {
    "awardCriteria",
    "contractPerformanceConditions",
    "selectionCriteria",
    "technicalSpecifications",
}

CODE_RE = re.compile(r"^(ENV|SOC|AW|SME|QUAL)(-[A-Z0-9]+)+$")
OPTION_KEY_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
DECIMAL_RE = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
FRACTION_RE = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$|^(0|[1-9][0-9]*)/[1-9][0-9]*$")

# Words in a verification text that mean a label or certificate is asked for: then an
# equivalent must be accepted too (directive 2014/24/EU art. 43 and 44).
LABEL_WORDS = ("certif", "label", "iso ", "emas", "msc", "asc", "fairtrade", "epd", "sa8000")


def _reject_float(text: str):
    raise ValueError(f"JSON float {text!r}: numbers in the library are decimal strings")


def _reject_constant(text: str):
    raise ValueError(f"JSON constant {text!r} is not allowed")


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    duplicates = sorted(key for key, count in Counter(keys).items() if count > 1)
    if duplicates:
        raise ValueError(f"duplicate JSON keys: {duplicates}")
    return dict(pairs)


def load_library() -> list[dict]:
    return json.loads(
        LIBRARY.read_text(encoding="utf-8"),
        parse_float=_reject_float,
        parse_constant=_reject_constant,
        object_pairs_hook=_no_duplicate_keys,
    )


CRITERIA = load_library()
BY_CODE = {criterion["code"]: criterion for criterion in CRITERIA}


def criterion_ids(criteria=CRITERIA):
    return [criterion["code"] for criterion in criteria]


def fraction(text) -> Fraction:
    assert isinstance(text, str), f"{text!r} must be a string"
    assert FRACTION_RE.match(text), f"{text!r} is not a decimal or an exact ratio"
    value = Fraction(text)
    assert 0 <= value <= 1, f"{text!r} is outside 0..1"
    return value


def decimal(text) -> Decimal:
    assert isinstance(text, str), f"{text!r} must be a decimal string"
    assert DECIMAL_RE.match(text), f"{text!r} is not a plain decimal"
    return Decimal(text)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_rule(rule: dict) -> None:
    """Validate one rule against the shapes in API.md; raises AssertionError."""
    assert isinstance(rule, dict)
    kind = rule.get("type")
    assert kind in RULE_TYPES, f"unknown rule type {kind!r}"
    if kind == "boolean":
        assert set(rule) == {"type"}
    elif kind == "linear":
        assert set(rule) == {"type", "worst", "best"}
        assert decimal(rule["worst"]) != decimal(rule["best"]), "linear best equals worst"
    elif kind == "thresholds":
        assert set(rule) == {"type", "steps"}
        steps = rule["steps"]
        assert isinstance(steps, list) and steps
        bound_keys = {key for step in steps for key in step if key != "fulfilment"}
        assert bound_keys in ({"at_least"}, {"at_most"}), f"mixed or unknown bounds {bound_keys}"
        (bound_key,) = bound_keys
        for step in steps:
            assert set(step) == {bound_key, "fulfilment"}
        bounds = [decimal(step[bound_key]) for step in steps]
        fulfilments = [fraction(step["fulfilment"]) for step in steps]
        if bound_key == "at_least":
            assert all(a < b for a, b in pairwise(bounds)), "at_least must ascend"
        else:
            assert all(a > b for a, b in pairwise(bounds)), "at_most must descend"
        assert all(a <= b for a, b in pairwise(fulfilments)), "fulfilment decreases"
        assert fulfilments[-1] == 1, "the last step must give full fulfilment"
    elif kind == "choice":
        assert set(rule) == {"type", "options"}
        options = rule["options"]
        assert isinstance(options, dict) and len(options) >= 2
        for key, value in options.items():
            assert OPTION_KEY_RE.match(key), f"option key {key!r} is not lower_snake_case"
            fraction(value)
        assert any(fraction(value) == 1 for value in options.values()), "no option worth 1"
    elif kind == "manual":
        assert set(rule) == {"type", "scale_max"}
        assert is_int(rule["scale_max"]) and rule["scale_max"] > 0


# ------------------------------------------------------------------------ the file itself


def test_library_is_a_list_of_enough_criteria():
    assert isinstance(CRITERIA, list)
    assert len(CRITERIA) >= 48


def test_floats_are_rejected_by_the_loader():
    with pytest.raises(ValueError, match="float"):
        json.loads('{"worst": 0.5}', parse_float=_reject_float)


def test_codes_are_unique():
    duplicates = [code for code, n in Counter(criterion_ids()).items() if n > 1]
    assert duplicates == []


# ------------------------------------------------------------------------ one criterion


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_criterion_has_exactly_the_keys(criterion):
    choice = criterion["rule"]["type"] == "choice"
    assert set(criterion) == KEYS | ({"option_labels"} if choice else set())


@pytest.mark.parametrize(
    "criterion", [c for c in CRITERIA if c["rule"]["type"] == "choice"], ids=lambda c: c["code"]
)
def test_every_option_has_words_in_both_languages(criterion):
    labels = criterion["option_labels"]
    assert set(labels) == set(criterion["rule"]["options"])
    for words in labels.values():
        assert set(words) == LANGUAGES and all(w.strip() for w in words.values())


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_criterion_fields(criterion):
    code = criterion["code"]
    assert CODE_RE.match(code), code
    assert len(code) <= 64
    assert code.split("-", 1)[0] == PREFIX_BY_CATEGORY[criterion["category"]]
    assert is_int(criterion["version"]) and criterion["version"] == 1
    assert criterion["category"] in CATEGORIES
    assert criterion["level"] in LEVELS
    assert criterion["kind"] in KINDS
    assert isinstance(criterion["unit"], str) and len(criterion["unit"]) <= 32
    reference = criterion["source_reference"]
    assert isinstance(reference, str) and reference.strip() and len(reference) <= 300


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_texts_in_both_languages(criterion):
    for key in TEXT_KEYS:
        text = criterion[key]
        assert isinstance(text, dict) and set(text) == LANGUAGES, key
        for language in LANGUAGES:
            value = text[language]
            assert isinstance(value, str) and value.strip(), f"{key}.{language} is empty"
            assert value == value.strip(), f"{key}.{language} has stray whitespace"
    assert len(criterion["title"]["sv"]) <= 300 and len(criterion["title"]["en"]) <= 300
    for language in LANGUAGES:
        assert len(criterion["description"][language]) <= 700, "description is too long"
    # The two languages are both written, not one copied into the other.
    assert criterion["description"]["sv"] != criterion["description"]["en"]


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_labels_and_certificates_accept_equivalents(criterion):
    english = criterion["verification"]["en"].lower()
    if any(word in english for word in LABEL_WORDS):
        assert "equivalent" in english
        assert "likvärdig" in criterion["verification"]["sv"].lower()


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_rule_is_valid(criterion):
    check_rule(criterion["rule"])


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_rule_fits_the_kind(criterion):
    rule, kind = criterion["rule"], criterion["kind"]
    if kind == "requirement":
        # Pass or fail: yes/no, one bound, or options that either pass (1) or fail (0).
        assert rule["type"] in {"boolean", "thresholds", "choice"}
        if rule["type"] == "thresholds":
            assert len(rule["steps"]) == 1
            assert fraction(rule["steps"][0]["fulfilment"]) == 1
        if rule["type"] == "choice":
            values = {fraction(value) for value in rule["options"].values()}
            assert values == {0, 1}, "a requirement's options must pass (1) or fail (0)"
    elif kind == "contract_condition":
        # Recorded, not scored: the supplier accepts the condition.
        assert rule["type"] == "boolean"
    if rule["type"] in {"boolean", "choice", "manual"}:
        assert criterion["unit"] == "", "a unit only makes sense for a number"


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_source_and_profile_field(criterion):
    source, field = criterion["source"], criterion["profile_field"]
    assert source in SOURCES
    if source == "bid":
        assert field is None
    else:
        assert field in PROFILE_FIELDS
        # Facts of the supplier may decide who may take part (a reserved contract), but they
        # are never scored: scoring the supplier's size or origin is not allowed.
        assert criterion["kind"] == "requirement"


@pytest.mark.parametrize("criterion", CRITERIA, ids=criterion_ids())
def test_ocds(criterion):
    ocds = criterion["ocds"]
    if ocds is None:
        return
    assert set(ocds) == {"goal", "strategies"}
    assert ocds["goal"] in OCDS_GOALS
    strategies = ocds["strategies"]
    assert isinstance(strategies, list) and strategies
    assert len(set(strategies)) == len(strategies)
    assert set(strategies) <= OCDS_STRATEGIES
    kind = criterion["kind"]
    if kind == "award":
        assert "awardCriteria" in strategies
    else:
        assert "awardCriteria" not in strategies
    if kind == "contract_condition":
        assert "contractPerformanceConditions" in strategies


# ------------------------------------------------------------------------ coverage


def test_every_category_level_and_kind_is_present():
    assert {c["category"] for c in CRITERIA} == CATEGORIES
    assert {c["level"] for c in CRITERIA} == LEVELS
    assert {c["kind"] for c in CRITERIA} == KINDS


def test_every_rule_type_is_used_at_least_twice():
    counts = Counter(c["rule"]["type"] for c in CRITERIA)
    assert {t: counts[t] for t in RULE_TYPES if counts[t] < 2} == {}


def test_every_category_has_a_measured_award_criterion():
    for category in CATEGORIES:
        assert any(c["category"] == category and c["kind"] == "award" for c in CRITERIA), category


def test_sustainability_criteria_carry_ocds():
    for criterion in CRITERIA:
        if criterion["category"] != "quality":
            assert criterion["ocds"] is not None, criterion["code"]


# Topic -> (code, kind it must have, or None for any). The codes are stable identifiers that
# tenders refer to, so a rename is a breaking change and should fail here.
REQUIRED_TOPICS = {
    # animal welfare
    "transport time to slaughter": ("AW-TRANSPORT-8H", "requirement"),
    "stunning before slaughter": ("AW-STUNNING", "requirement"),
    "antibiotics only on prescription": ("AW-ANTIBIOTICS-PRESCRIPTION", "requirement"),
    "grazing": ("AW-GRAZING-CATTLE", None),
    "outdoor access": ("AW-OUTDOOR-ACCESS", None),
    "no beak trimming": ("AW-INTACT-BEAKS", None),
    "stocking density": ("AW-BROILER-DENSITY", None),
    "no tail docking": ("AW-INTACT-TAILS", None),
    "no castration without anaesthesia": ("AW-CASTRATION-ANAESTHESIA", None),
    "welfare audits": ("AW-WELFARE-AUDITS", "contract_condition"),
    "welfare monitoring": ("AW-WELFARE-INDICATORS", None),
    "fish welfare": ("AW-FISH-STUNNING", None),
    # social: supply chains
    "ILO core conventions": ("SOC-ILO-CORE", "contract_condition"),
    "traceability of high-risk goods": ("SOC-TRACEABILITY-HIGH-RISK", "contract_condition"),
    "supply-chain audits": ("SOC-SUPPLY-CHAIN-AUDITS", "contract_condition"),
    # social: own workforce
    "collective agreement pay": ("SOC-COLLECTIVE-PAY", "contract_condition"),
    "secure employment": ("SOC-SECURE-EMPLOYMENT", None),
    "work environment": ("SOC-WORK-ENVIRONMENT", None),
    "employment requirements": ("SOC-EMPLOYMENT-REQUIREMENT", None),
    "meddelarfrihet": ("SOC-MEDDELARFRIHET", "contract_condition"),
    # environmental
    "warranty": ("ENV-WARRANTY", None),
    "spare parts": ("ENV-SPARE-PARTS", None),
    "repairability": ("ENV-REPAIRABILITY", None),
    "take-back": ("ENV-TAKE-BACK", None),
    "recycled content": ("ENV-RECYCLED-CONTENT", None),
    "climate": ("ENV-CLIMATE-FOOTPRINT", None),
    "renewable electricity": ("ENV-RENEWABLE-ELECTRICITY", None),
    "hazardous substances": ("ENV-HAZARDOUS-SUBSTANCES", None),
    "PVC and phthalates": ("ENV-PVC-PHTHALATES", None),
    "fossil-free transport": ("ENV-FOSSIL-FREE-TRANSPORT", None),
    "Euro VI": ("ENV-EURO-VI", None),
    "organic share": ("ENV-ORGANIC-SHARE", None),
    "seasonal food": ("ENV-SEASONAL-PRODUCE", None),
    "food waste": ("ENV-FOOD-WASTE", None),
    # small suppliers
    "share subcontracted to SMEs": ("SME-SUBCONTRACT-SHARE", "award"),
    "subcontracting transparency": ("SME-SUBCONTRACTOR-DISCLOSURE", None),
    "proportionate requirements": ("SME-PROPORTIONATE-TURNOVER", "requirement"),
    "reserved contract (art. 20)": ("SME-RESERVED-SHELTERED", "requirement"),
    "contact person, plain language": ("SME-CONTACT-PERSON", None),
    # quality
    "delivery reliability": ("QUAL-DELIVERY-RELIABILITY", None),
    "customer service response time": ("QUAL-RESPONSE-TIME", None),
    "implementation plan": ("QUAL-IMPLEMENTATION-PLAN", None),
}


@pytest.mark.parametrize("topic", sorted(REQUIRED_TOPICS))
def test_required_topic_is_covered(topic):
    code, kind = REQUIRED_TOPICS[topic]
    assert code in BY_CODE, f"{topic}: {code} is missing"
    if kind is not None:
        assert BY_CODE[code]["kind"] == kind, f"{topic}: {code} must be a {kind}"


def test_animal_welfare_has_depth():
    animal_welfare = [c for c in CRITERIA if c["category"] == "animal_welfare"]
    assert len(animal_welfare) >= 8
    assert {c["kind"] for c in animal_welfare} == KINDS
    assert {c["level"] for c in animal_welfare} == LEVELS


def test_collective_agreement_condition_cites_lou():
    criterion = BY_CODE["SOC-COLLECTIVE-PAY"]
    assert "17 kap. 2 §" in criterion["source_reference"]
    assert criterion["rule"] == {"type": "boolean"}


def test_implementation_plan_is_manual():
    assert BY_CODE["QUAL-IMPLEMENTATION-PLAN"]["rule"]["type"] == "manual"


def test_reserved_contract_reads_the_supplier_profile():
    reserved = [c for c in CRITERIA if c["source"] == "supplier_profile"]
    assert reserved, "a reserved-contract requirement is expected"
    assert any("art. 20" in c["source_reference"] for c in reserved)
    for criterion in reserved:
        assert criterion["category"] == "small_supplier"
        assert criterion["kind"] == "requirement"
        assert criterion["profile_field"] == "non_profit"


def test_no_award_criterion_scores_the_supplier_itself():
    for criterion in CRITERIA:
        if criterion["kind"] == "award":
            assert criterion["source"] == "bid", criterion["code"]
            assert criterion["profile_field"] is None, criterion["code"]


def test_small_supplier_measures_are_lawful():
    # Lawful: subcontracting, transparency, proportionate requirements, reserved contracts,
    # contact and plain language. Never "the bidder is small" or local as a scored criterion.
    for criterion in CRITERIA:
        if criterion["category"] != "small_supplier":
            continue
        assert criterion["profile_field"] in (None, "non_profit"), criterion["code"]
        text = " ".join(criterion["title"]["en"].lower().split())
        assert "local" not in text, criterion["code"]


# ------------------------------------------------------------------------ the scoring engine


def test_every_rule_parses_with_the_scoring_engine():
    rules = pytest.importorskip("scoring.engine.rules", exc_type=ModuleNotFoundError)
    parse_rule = getattr(rules, "parse_rule", None)
    if parse_rule is None:
        pytest.skip("scoring.engine.rules has no parse_rule yet")
    failures = {}
    for criterion in CRITERIA:
        try:
            parse_rule(json.loads(json.dumps(criterion["rule"])))
        except Exception as exc:  # report every rule that fails, not just the first
            failures[criterion["code"]] = f"{type(exc).__name__}: {exc}"
    assert failures == {}
