"""Words for the codes the workbench would otherwise show: audit actions, object types, roles,
the evaluation settings' values, and the keys of an audit event's data.

A page never shows a code where a word exists (the codes stay in the API and the exports,
where systems read them). A code without words here is shown as it is, made readable
(``no_measurement`` -> "no measurement").
"""

import uuid
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from procurement.models import Role
from scoring.engine import inputs as vocabulary
from workbench import formats

# Texts of Django's admin that Django's own Swedish catalogue lacks (Django 6.1), or says oddly:
# marked here so that ours has them, and the date filter and the action list read Swedish too.
DJANGO_GAPS = (
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("- Select an option -"),
    # Django's Swedish "På vad som hände" reads oddly above a list filter: "Efter ...".
    gettext_noop(" By %(filter_title)s "),
)

ACTIONS = {
    "audit.exported": _("audit trail exported"),
    "auth.integration_token_created": _("integration token created"),
    "auth.login_failed": _("login failed"),
    "auth.token_issued": _("logged in (token issued)"),
    "auth.token_revoked": _("token revoked"),
    "auth.tokens_revoked": _("all tokens revoked"),
    "bid.created": _("bid drafted"),
    "bid.sealed_read_denied": _("attempt to read a sealed bid"),
    "bid.submitted": _("bid submitted"),
    "bid.updated": _("bid changed"),
    "bid.withdrawn": _("bid withdrawn"),
    "bid_document.uploaded": _("bid document uploaded"),
    "conflict.declared": _("conflict of interest declared"),
    "conflict.measure_recorded": _("measure for a conflict recorded"),
    "consensus.set": _("consensus score set"),
    "contract.signed": _("contract signed"),
    "contract.commitment_changed": _("commitment's schedule changed"),
    "contract.check_added": _("check added"),
    "contract.check_requested": _("check requested"),
    "contract.check_answered": _("check answered"),
    "contract.check_document_added": _("evidence uploaded"),
    "contract.check_overdue": _("check overdue"),
    "contract.check_reviewed": _("check reviewed"),
    "contract.deviation_opened": _("deviation opened"),
    "contract.deviation_changed": _("deviation changed"),
    "contract.deviation_closed": _("deviation closed"),
    "contract.terminated": _("contract terminated"),
    "criterion.copied": _("criterion copied"),
    "criterion.created": _("criterion created"),
    "criterion.deleted": _("criterion deleted"),
    "criterion.updated": _("criterion changed"),
    "evaluation.completed": _("evaluation completed"),
    "evaluation.evidence_exported": _("evidence package downloaded"),
    "evaluation.failed": _("evaluation failed"),
    "evaluation.requeued": _("evaluation queued again"),
    "evaluation.started": _("evaluation started"),
    "evaluation.verified": _("evaluation verified by replay"),
    "lot.created": _("lot added"),
    "lot.updated": _("lot changed"),
    "lot.deleted": _("lot removed"),
    "lottery.drawn": _("lots drawn"),
    "member.added": _("member added"),
    "organization.created": _("organisation created"),
    "organization.opening_quorum_changed": _("opening quorum changed"),
    "organization.updated": _("organisation changed"),
    "permission.denied": _("refused: not allowed"),
    "score.submitted": _("evaluator's score submitted"),
    "simulation.run": _("simulation run"),
    "storage.orphans_purged": _("unused files removed"),
    "tender.amended": _("tender amended"),
    "tender.awarded": _("tender awarded"),
    "tender.cancelled": _("tender cancelled"),
    "tender.copied": _("tender copied"),
    "tender.created": _("tender created"),
    "tender.deadline_passed": _("submission deadline passed"),
    "tender.opened": _("bids opened"),
    "tender.opening_started": _("opening started"),
    "tender.published": _("tender published"),
    "tender.updated": _("tender changed"),
    "tender_criterion.attached": _("criterion added to the tender"),
    "tender_criterion.detached": _("criterion removed from the tender"),
    "tender_criterion.updated": _("criterion of the tender changed"),
    "tender_document.uploaded": _("tender document uploaded"),
}

OBJECT_TYPES = {
    "audit_export": _("export of the audit trail"),
    "bid_document": _("bid document"),
    "conflict_declaration": _("conflict-of-interest declaration"),
    "consensus_score": _("consensus score"),
    "evaluator_score": _("evaluator's score"),
    "lottery_draw": _("lottery draw"),
    "request": _("request"),
    "storage": _("file storage"),
    "tender_criterion": _("criterion of a tender"),
    "tender_document": _("tender document"),
    "token": _("token"),
    "user": _("user"),
}

# Words for the engine's vocabulary (scoring.engine.inputs owns the keys): a key without words
# here fails at import, so a new method or mode cannot reach the forms unnamed.
METHOD_WORDS = {
    "lowest_price": _("Lowest price"),
    "weighted_points": _("Weighted points (price and quality)"),
    "added_value": _("Added value (money deductions or surcharges)"),
    "value_for_money": _("Value for money (quality per price)"),
    "lowest_cost": _("Lowest life-cycle cost (LCC)"),
}
PRICE_SCORING_WORDS = {
    "proportional": _("Proportional (lowest price ÷ price)"),
    "linear_range": _("Linear between the lowest and the highest price"),
    "absolute": _("Absolute, between a price floor and ceiling"),
}
MODE_WORDS = {
    "deduction": _("Deduction from the price"),
    "surcharge": _("Surcharge on the price"),
    "percent_surcharge": _("Surcharge in percent of the price"),
}
AGGREGATION_WORDS = {
    "consensus": _("Consensus score set by the officer"),
    "mean": _("Mean of the evaluators' scores"),
    "median": _("Median of the evaluators' scores"),
}
TIE_RULE_WORDS = {
    "lower_price": _("the lower price"),
    "earlier_submission": _("the earlier submission"),
    "lottery": _("a lottery"),
}
for _vocabulary, _words in (
    (vocabulary.METHODS, METHOD_WORDS),
    (vocabulary.PRICE_SCORINGS, PRICE_SCORING_WORDS),
    (vocabulary.ADDED_VALUE_MODES, MODE_WORDS),
    (vocabulary.AGGREGATIONS, AGGREGATION_WORDS),
    (vocabulary.TIE_RULES, TIE_RULE_WORDS),
):
    if set(_vocabulary) != set(_words):
        raise ImproperlyConfigured(f"words for {sorted(set(_vocabulary) ^ set(_words))}")

# The values of the evaluation settings and of the checks, and other codes of our vocabularies.
VALUES = {
    **METHOD_WORDS,
    **PRICE_SCORING_WORDS,
    **MODE_WORDS,
    **AGGREGATION_WORDS,
    **TIE_RULE_WORDS,
    "relative_price_scoring": _("relative price scoring (rank reversal possible)"),
    "price_sheet": _("Price sheet"),
}


# Keys of an event's data that are not a model field's name.
KEYS = {
    "fields": _("fields"),
    "changes": _("changes"),
    "previous_status": _("status before"),
    "failures_in_hour": _("failures within the hour"),
    "denials_in_hour": _("refusals within the hour"),
    "backoff_seconds": _("waiting time (seconds)"),
    "what": _("what"),
    "path": _("address"),
    "format": _("format"),
    "filters": _("filters"),
    "method": _("method"),
    "reason": _("reason"),
    "count": _("count"),
    "warnings": _("warnings"),
    "protocol": _("protocol"),
    "bids": _("bids"),
    "evaluation": _("evaluation settings"),
    "price_weight": _("price weight"),
    "price_scoring": _("price scoring"),
    "tie_break": _("tie-break order"),
    "aggregation": _("aggregation"),
    "spread_threshold": _("spread threshold"),
    "evaluators_see_prices": _("evaluators see prices"),
    "mode": _("added-value mode"),
    "from": _("from"),
    "to": _("to"),
    "configuration_sha256": _("configuration's SHA-256"),
    "input_sha256": _("input's SHA-256"),
    "result_sha256": _("result's SHA-256"),
    "reproducible": _("reproducible"),
    "chain_head": _("newest link of the chain"),
}


def action(code: str) -> str:
    return str(ACTIONS.get(code) or readable(code))


def object_type(code: str) -> str:
    if code in OBJECT_TYPES:
        return str(OBJECT_TYPES[code])
    for model in apps.get_models():
        if model._meta.model_name == code.replace("_", ""):
            return str(model._meta.verbose_name)
    return readable(code)


def chain(code: str) -> str:
    """An audit chain by its owner: the platform's, or an organisation's by its name."""
    if code == "platform":
        return str(_("the platform's chain"))
    name = (
        apps.get_model("procurement", "Organization")
        .objects.filter(pk=code)
        .values_list("name", flat=True)
        .first()
        if _is_uuid(code)
        else None
    )
    return str(_("%(name)s's chain") % {"name": name}) if name else code


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def tie_rule(rule: str, title: str | None = None) -> str:
    """A tie-break rule in words; a criterion's by its title when known, else by its code."""
    if rule == "needs_lottery":
        return str(_("a lottery, still to be drawn"))
    if rule.startswith("criterion:"):
        return str(
            _("the higher score on %(criterion)s")
            % {"criterion": title or rule.removeprefix("criterion:")}
        )
    return str(TIE_RULE_WORDS.get(rule) or readable(rule))


def actor(username: str) -> str:
    """Who acted: a person by their username, Anbud's own work in words."""
    if username == "system:clock":
        return str(_("Anbud (the clock)"))
    if username.startswith("system:celery") or username == "system:evaluation":
        return str(_("Anbud (a background task)"))
    if username == "system:auth":
        return str(_("Anbud (login)"))
    if username.startswith("system"):
        return str(_("Anbud"))
    return username or formats.DASH


def role(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return readable(code)


def readable(code: str) -> str:
    return code.replace("_", " ").replace(".", ": ").strip() if code else formats.DASH


def _field_words() -> dict[str, str]:
    found: dict[str, str] = {}
    for label in ("procurement", "criteria", "scoring", "audit"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                found.setdefault(field.name, str(field.verbose_name))
    return found


def key(name: str) -> str:
    if name in KEYS:
        return str(KEYS[name])
    return _field_words().get(name) or readable(name)


def value(item: Any) -> str:
    """A value of an event's data in words (a code by its word, a time in Swedish time)."""
    if isinstance(item, bool):
        return formats.yes_no(item)
    if isinstance(item, str):
        if item in VALUES:
            return str(VALUES[item])
        if item.startswith("criterion:"):
            return tie_rule(item)
        if len(item) >= 20 and item[:4].isdigit() and "T" in item:
            return formats.when(item)
        return item
    if isinstance(item, list):
        return ", ".join(value(i) for i in item) or formats.DASH
    if isinstance(item, dict):
        return "; ".join(f"{key(k)}: {value(v)}" for k, v in item.items()) or formats.DASH
    if item is None:
        return formats.DASH
    return formats.answer(item)


def data(payload: Any) -> list[tuple[str, str]]:
    """An event's data as (key, value) lines in words."""
    if not isinstance(payload, dict):
        return [("", value(payload))]
    return [(key(k), value(v)) for k, v in payload.items()]
