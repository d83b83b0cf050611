"""Every state change of criteria: the library, criteria on tenders, and amendments."""

import hashlib
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Max
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from audit.chain import canonical, to_json_value
from audit.services import record
from criteria import rules
from criteria.models import Criterion, Kind, Source, TenderAmendment, TenderCriterion
from procurement import policy
from procurement.checks import all_checks
from procurement.errors import (
    InvalidInput,
    NotAllowed,
    StateConflict,
    field_error,
    in_language,
    tender_status,
)
from procurement.evaluation import parse_evaluation
from procurement.models import Lot, Tender, User
from procurement.policy import Action
from procurement.services.common import changed_fields, check_version
from procurement.services.tenders import create_tender

TEXT_FIELDS = (
    "code",
    "category",
    "level",
    "kind",
    "title",
    "title_en",
    "description",
    "description_en",
    "reason",
    "reason_en",
    "verification",
    "verification_en",
    "unit",
    "rule",
    "source",
    "profile_field",
    "option_labels",
)
LIBRARY_FIELDS = (*TEXT_FIELDS, "ocds", "source_reference")

# A kind inside a sentence ("A %(kind)s is not scored"); English keeps the value as it is.
_UNSCORED_KIND: dict[str, Any] = {
    Kind.REQUIREMENT: pgettext_lazy("criterion kind", "requirement"),
    Kind.CONTRACT_CONDITION: pgettext_lazy("criterion kind", "contract_condition"),
}


def _validate_definition(data: dict[str, Any], *, base: str = "") -> None:
    errors = rules.field_errors(data.get("rule"), base=f"{base}/rule")
    source = data.get("source", Source.BID)
    field = data.get("profile_field") or ""
    if source == Source.SUPPLIER_PROFILE and field not in rules.PROFILE_FIELDS:
        errors.append(
            field_error(
                f"{base}/profile_field",
                "invalid_choice",
                _("one of %(fields)s") % {"fields": ", ".join(sorted(rules.PROFILE_FIELDS))},
            )
        )
    if source == Source.BID and field:
        errors.append(
            field_error(
                f"{base}/profile_field", "not_allowed", _("only for source supplier_profile")
            )
        )
    if source == Source.SUPPLIER_PROFILE and rules.rule_type(data.get("rule") or {}) == "manual":
        errors.append(
            field_error(f"{base}/source", "invalid", _("a manual criterion is scored from the bid"))
        )
    if errors:
        raise InvalidInput(_("The criterion is invalid."), code="invalid_criterion", errors=errors)


def _own(criterion: Criterion, actor: User) -> None:
    if criterion.organization_id is None:
        raise NotAllowed(
            _("Shared library criteria are read-only; copy one to adapt it."),
            code="shared_read_only",
        )
    policy.require(actor, Action.CRITERION_CHANGE, organization_id=criterion.organization_id)


def _unique_code(organization_id, code: str, exclude=None) -> None:
    qs = Criterion.objects.filter(organization_id=organization_id, code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise InvalidInput(
            _("Your library already has a criterion with this code."),
            errors=[field_error("/code", "unique", _("'%(code)s' is taken.") % {"code": code})],
        )


@transaction.atomic
def create_criterion(*, actor: User, **fields) -> Criterion:
    """Add a criterion to the organisation's own library (the shared library is read-only)."""
    policy.require(actor, Action.CRITERION_ADD)
    data = {k: v for k, v in fields.items() if k in LIBRARY_FIELDS}
    _validate_definition(data)
    _unique_code(actor.organization_id, data["code"])
    criterion = Criterion.objects.create(organization_id=actor.organization_id, **data)
    record(
        action="criterion.created",
        actor=actor,
        obj=criterion,
        data={"code": criterion.code, "rule": criterion.rule},
    )
    return criterion


@transaction.atomic
def update_criterion(
    *,
    criterion: Criterion,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Criterion:
    """Change an own criterion; each change is a new version. Tenders keep their frozen copy."""
    _own(criterion, actor)
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    check_version(criterion, expected_version)
    changes = {k: v for k, v in changes.items() if k in LIBRARY_FIELDS}
    merged = {name: getattr(criterion, name) for name in LIBRARY_FIELDS} | changes
    _validate_definition(merged)
    if "code" in changes:
        _unique_code(criterion.organization_id, changes["code"], exclude=criterion.pk)
    diff = changed_fields(criterion, changes)
    if not diff:
        return criterion
    for name in diff:
        setattr(criterion, name, changes[name])
    criterion.version += 1
    criterion.save()
    record(
        action="criterion.updated",
        actor=actor,
        obj=criterion,
        data={"changes": diff, "version": criterion.version},
    )
    return criterion


@transaction.atomic
def delete_criterion(*, criterion: Criterion, actor: User) -> None:
    """Remove an own criterion from the library; tenders that used it keep their copy."""
    _own(criterion, actor)
    record(
        action="criterion.deleted",
        actor=actor,
        obj=criterion,
        data={"code": criterion.code, "version": criterion.version},
    )
    TenderCriterion.objects.filter(criterion=criterion).update(criterion=None)
    Criterion.objects.filter(copied_from=criterion).update(copied_from=None)
    criterion.delete()


@transaction.atomic
def copy_criterion(*, criterion: Criterion, actor: User, code: str | None = None) -> Criterion:
    """Copy a shared (or own) criterion into the organisation's library to adapt it.

    The copy remembers its origin and the version it was copied from.
    """
    organization_id = policy.require(actor, Action.CRITERION_COPY)
    new_code = code or criterion.code
    if Criterion.objects.filter(organization_id=organization_id, code=new_code).exists():
        new_code = f"{new_code}-COPY"
        suffix = 2
        while Criterion.objects.filter(organization_id=organization_id, code=new_code).exists():
            new_code = f"{criterion.code}-COPY{suffix}"
            suffix += 1
    data = {name: getattr(criterion, name) for name in LIBRARY_FIELDS} | {"code": new_code}
    copy = Criterion.objects.create(
        organization_id=organization_id,
        copied_from=criterion,
        copied_from_version=criterion.version,
        **data,
    )
    record(
        action="criterion.copied",
        actor=actor,
        obj=copy,
        data={"from": criterion.pk, "from_code": criterion.code, "from_version": criterion.version},
    )
    return copy


def _require_draft(tender: Tender) -> None:
    if not policy.in_state(Action.CRITERIA_ATTACH, tender):
        raise StateConflict(
            _(
                "The tender is %(status)s: its criteria, weights and method are frozen. "
                "Before the deadline, change them by a reasoned amendment (POST .../amend/)."
            )
            % {"status": tender_status(tender.effective_status)},
            code="tender_frozen",
            current_status=tender.effective_status,
        )


def _amounts(kind: str, weight, value, percent) -> dict[str, Decimal | None]:
    if kind != Kind.AWARD and any(x is not None for x in (weight, value, percent)):
        raise InvalidInput(
            _("A %(kind)s is not scored: it takes no weight, value or percent.")
            % {"kind": _UNSCORED_KIND.get(kind, kind)},
            errors=[
                field_error(
                    f"/{name}",
                    "not_allowed",
                    _("a %(kind)s is not scored") % {"kind": _UNSCORED_KIND.get(kind, kind)},
                )
                for name, x in (("weight", weight), ("value", value), ("percent", percent))
                if x is not None
            ],
        )
    amounts = {"weight": weight, "value": value, "percent": percent}
    errors = []
    for name, amount in amounts.items():
        if amount is None:
            continue
        field = TenderCriterion._meta.get_field(name)
        assert isinstance(field, DecimalField)  # weight, value and percent are
        places, whole = field.decimal_places, field.max_digits - field.decimal_places
        amount = Decimal(amount)
        if amount < 0:
            errors.append(field_error(f"/{name}", "min_value", _("must not be negative")))
        elif abs(amount) >= Decimal(10) ** whole:
            errors.append(
                field_error(
                    f"/{name}",
                    "max_digits",
                    _("at most %(digits)s digits before the decimal point") % {"digits": whole},
                )
            )
        elif amount != amount.quantize(Decimal(1).scaleb(-places)):
            errors.append(
                field_error(
                    f"/{name}",
                    "max_decimal_places",
                    _("at most %(places)s decimal places") % {"places": places},
                )
            )
    if errors:
        raise InvalidInput(_("The weight, value or percent is out of range."), errors=errors)
    return amounts


@transaction.atomic
def attach_criterion(
    *,
    tender: Tender,
    actor: User,
    criterion: Criterion | None = None,
    definition: dict[str, Any] | None = None,
    lot: Lot | None = None,
    weight: Decimal | None = None,
    value: Decimal | None = None,
    percent: Decimal | None = None,
) -> TenderCriterion:
    """Apply a library criterion (or an inline definition) to a draft tender, or one lot.

    The tender keeps a frozen copy of text and rule with the source code and version, so a
    later change to the library never changes the tender.
    """
    policy.require(actor, Action.CRITERIA_ATTACH, organization_id=tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    _require_draft(tender)
    if (criterion is None) == (definition is None):
        raise InvalidInput(
            _("Give either `criterion` (a library id) or an inline `definition`."),
            errors=[field_error("/criterion", "required", _("criterion or definition"))],
        )
    if lot is not None and lot.tender_id != tender.pk:
        raise InvalidInput(
            _("The lot does not belong to the tender."),
            errors=[field_error("/lot", "invalid", _("Not a lot of this tender."))],
        )
    if criterion is not None:
        data = {name: getattr(criterion, name) for name in TEXT_FIELDS}
    else:
        assert definition is not None  # one of the two, checked above
        data = {k: v for k, v in definition.items() if k in TEXT_FIELDS}
        _validate_definition(data, base="/definition")
    amounts = _amounts(data["kind"], weight, value, percent)
    if TenderCriterion.objects.filter(tender=tender, code=data["code"]).exists():
        raise InvalidInput(
            _("The tender already uses a criterion with this code."),
            errors=[
                field_error(
                    "/criterion",
                    "unique",
                    _("%(code)s is already attached.") % {"code": data["code"]},
                )
            ],
        )
    position = (
        TenderCriterion.objects.filter(tender=tender).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    try:
        with transaction.atomic():
            tc = TenderCriterion.objects.create(
                tender=tender,
                lot=lot,
                criterion=criterion,
                criterion_version=criterion.version if criterion else None,
                position=position,
                created_by=actor,
                **data,
                **amounts,
            )
    except IntegrityError as exc:
        raise InvalidInput(_("The tender already uses a criterion with this code.")) from exc
    tender.version += 1
    tender.save(update_fields=["version", "updated_at"])
    record(
        action="tender_criterion.attached",
        actor=actor,
        obj=tc,
        object_type="tender_criterion",
        tender_id=tender.pk,
        data={
            "code": tc.code,
            "source_criterion": criterion.pk if criterion else None,
            "source_version": tc.criterion_version,
            "lot": lot.pk if lot else None,
            **amounts,
        },
    )
    return tc


@transaction.atomic
def update_tender_criterion(
    *,
    tc: TenderCriterion,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> TenderCriterion:
    """Change the weight, value, percent or lot of a criterion on a draft tender.

    A criterion has no version of its own: it is part of the tender's configuration, whose
    version (the tender's) changes with every criterion change. ``expected_version`` is that
    version as the client read it (If-Match); 412 when someone changed the tender since."""
    policy.require(actor, Action.CRITERIA_CHANGE, organization_id=tc.tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tc.tender_id)
    check_version(tender, expected_version)
    _require_draft(tender)
    changes = {k: v for k, v in changes.items() if k in ("weight", "value", "percent", "lot")}
    merged = {k: changes.get(k, getattr(tc, k)) for k in ("weight", "value", "percent")}
    _amounts(tc.kind, **merged)
    diff = changed_fields(tc, changes)
    for name in diff:
        setattr(tc, name, changes[name])
    if diff:
        tc.save()
        tender.version += 1
        tender.save(update_fields=["version", "updated_at"])
        record(
            action="tender_criterion.updated",
            actor=actor,
            obj=tc,
            object_type="tender_criterion",
            tender_id=tender.pk,
            data={"changes": dict(diff)},
        )
    return tc


@transaction.atomic
def detach_criterion(*, tc: TenderCriterion, actor: User) -> None:
    policy.require(actor, Action.CRITERIA_REMOVE, organization_id=tc.tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tc.tender_id)
    _require_draft(tender)
    record(
        action="tender_criterion.detached",
        actor=actor,
        obj=tc,
        object_type="tender_criterion",
        tender_id=tender.pk,
        data={"code": tc.code},
    )
    tc.delete()
    tender.version += 1
    tender.save(update_fields=["version", "updated_at"])


def configuration(tender: Tender) -> dict[str, Any]:
    """The frozen configuration suppliers rely on: method, deadline and every criterion."""
    return to_json_value(
        {
            "submission_deadline": tender.submission_deadline,
            "evaluation": tender.evaluation,
            "criteria": [
                {
                    "id": tc.pk,
                    "code": tc.code,
                    "kind": tc.kind,
                    "category": tc.category,
                    "rule": tc.rule,
                    "lot": tc.lot_id,
                    "weight": _plain(tc.weight),
                    "value": _plain(tc.value),
                    "percent": _plain(tc.percent),
                }
                for tc in TenderCriterion.objects.filter(tender=tender).order_by("position", "code")
            ],
        }
    )


def _plain(amount: Decimal | None) -> str | None:
    """40.0000 -> "40": the configuration shows numbers as a person wrote them."""
    return None if amount is None else format(amount.normalize(), "f")


def configuration_sha256(config: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(config).encode("utf-8")).hexdigest()


@transaction.atomic
def amend_tender(
    *, tender: Tender, actor: User, reason: str, changes: dict[str, Any]
) -> TenderAmendment:
    """A reasoned amendment of a published tender before its deadline.

    Transparency (art. 67(5)): suppliers see every amendment; the previous configuration is
    kept. After the deadline nothing changes at all. Changes may set a new ``evaluation``,
    a later ``submission_deadline``, and new ``weight``/``value``/``percent`` for criteria
    (``criteria: [{"tender_criterion", "weight"...}]``). The result must still pass the
    pre-publish checks.
    """
    policy.require(actor, Action.TENDER_AMEND, organization_id=tender.organization_id)
    if not (reason or "").strip():
        raise InvalidInput(
            _("An amendment needs a reason."),
            errors=[field_error("/reason", "required", _("Say why the tender changes."))],
        )
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not policy.in_state(Action.TENDER_AMEND, tender):
        raise StateConflict(
            _(
                "The tender is %(status)s; only a published tender can be amended, "
                "and only before its submission deadline."
            )
            % {"status": tender_status(tender.effective_status)},
            code="amendment_not_allowed",
            current_status=tender.effective_status,
        )
    before = configuration(tender)
    applied: dict[str, Any] = {}
    if "evaluation" in changes:
        evaluation, errors = parse_evaluation(changes["evaluation"])
        if errors:
            raise InvalidInput(
                _("The evaluation settings are invalid."),
                errors=[{**e, "field": "/changes" + e["field"]} for e in errors],
            )
        tender.evaluation = evaluation
        applied["evaluation"] = evaluation
    if "submission_deadline" in changes:
        new_deadline = changes["submission_deadline"]
        if new_deadline <= tender.submission_deadline:
            raise InvalidInput(
                _(
                    "An amendment may extend the deadline, never shorten it "
                    "(suppliers need time to adapt)."
                ),
                errors=[
                    field_error(
                        "/changes/submission_deadline",
                        "too_early",
                        _("must be later than the current deadline"),
                    )
                ],
            )
        tender.submission_deadline = new_deadline
        applied["submission_deadline"] = new_deadline
    for name in ("title", "description"):
        if name in changes:
            setattr(tender, name, changes[name])
            applied[name] = changes[name]
    by_id = {str(tc.pk): tc for tc in TenderCriterion.objects.filter(tender=tender)}
    for i, item in enumerate(changes.get("criteria") or []):
        tc = by_id.get(str(item.get("tender_criterion")))
        if tc is None:
            raise InvalidInput(
                _("Not a criterion of this tender."),
                errors=[
                    field_error(
                        f"/changes/criteria/{i}/tender_criterion",
                        "unknown_criterion",
                        _("not a criterion of this tender"),
                    )
                ],
            )
        amounts = {k: item[k] for k in ("weight", "value", "percent") if k in item}
        _amounts(
            tc.kind, **{k: amounts.get(k, getattr(tc, k)) for k in ("weight", "value", "percent")}
        )
        for k, v in amounts.items():
            setattr(tc, k, v)
        tc.save()
        applied.setdefault("criteria", []).append({"tender_criterion": tc.pk, **amounts})
    if not applied:
        raise InvalidInput(
            _("The amendment changes nothing."),
            errors=[
                field_error(
                    "/changes",
                    "empty",
                    _("give evaluation, submission_deadline, title, description or criteria"),
                )
            ],
        )
    tender.version += 1
    tender.save()
    failed = [
        c
        for c in all_checks(tender)
        if c["severity"] == "error" and c["code"] != "deadline_in_past"
    ]
    if failed:
        raise InvalidInput(
            _("After this amendment the tender would fail its checks."),
            code="amendment_checks_failed",
            errors=[field_error("/changes", c["code"], in_language(c["message"])) for c in failed],
            checks=failed,
        )
    after = configuration(tender)
    number = (
        TenderAmendment.objects.filter(tender=tender).aggregate(m=Max("number"))["m"] or 0
    ) + 1
    amendment = TenderAmendment.objects.create(
        tender=tender,
        number=number,
        reason=reason.strip(),
        changes=to_json_value(applied),
        configuration_before=before,
        configuration_after=after,
        configuration_sha256=configuration_sha256(after),
        created_by=actor,
    )
    record(
        action="tender.amended",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={
            "amendment": number,
            "reason": amendment.reason,
            "changes": applied,
            "configuration_sha256": amendment.configuration_sha256,
        },
    )
    return amendment


# --- lots and copies: they carry criteria, so they live above procurement ---------------------


@transaction.atomic
def remove_lot(*, lot: Lot, actor: User, expected_version: int | None = None) -> None:
    """Remove a lot from a draft. The tender keeps at least one lot, and a lot with criteria
    of its own keeps them until they are removed (nothing goes without being asked for);
    the other lots keep their numbers, which suppliers' questions and documents may cite."""
    policy.require(actor, Action.LOT_REMOVE, organization_id=lot.tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=lot.tender_id)
    check_version(tender, expected_version)
    if not policy.in_state(Action.LOT_REMOVE, tender):
        raise StateConflict(
            _("Lots can be removed only from a draft; the tender is %(status)s.")
            % {"status": tender_status(tender.effective_status)},
            code="tender_frozen",
            current_status=tender.effective_status,
        )
    if not tender.lots.exclude(pk=lot.pk).exists():
        raise StateConflict(
            _("Lot %(number)s is the tender's only lot; a tender has at least one.")
            % {"number": lot.number},
            code="last_lot",
            current_status=tender.effective_status,
        )
    codes = list(TenderCriterion.objects.filter(lot=lot).values_list("code", flat=True))
    if codes:
        raise StateConflict(
            _("Lot %(number)s has criteria of its own (%(codes)s): remove them first.")
            % {"number": lot.number, "codes": ", ".join(codes)},
            code="lot_has_criteria",
            current_status=tender.effective_status,
        )
    record(
        action="lot.deleted",
        actor=actor,
        obj=lot,
        tender_id=tender.pk,
        data={"number": lot.number, "title": lot.title},
    )
    lot.delete()
    tender.version += 1
    tender.save(update_fields=["version", "updated_at"])


COPIED_TENDER_FIELDS = (
    "title",
    "description",
    "procedure",
    "cpv_codes",
    "currency",
    "estimated_value",
    "evaluation",
    "no_lots_reason",
)
COPIED_LOT_FIELDS = ("number", "title", "description", "estimated_value", "minimum_turnover")
COPIED_CRITERION_FIELDS = (
    *TEXT_FIELDS,
    "criterion_id",
    "criterion_version",
    "weight",
    "value",
    "percent",
    "position",
)


@transaction.atomic
def copy_tender(
    *,
    tender: Tender,
    actor: User,
    reference: str,
    submission_deadline,
    title: str | None = None,
) -> Tender:
    """A new draft of the actor's organisation from an earlier tender, in any state: its
    details, evaluation settings, lots and criteria (as the earlier tender froze them, with
    their library source), never its bids, documents, amendments or history."""
    organization_id = policy.require(
        actor, Action.TENDER_COPY, organization_id=tender.organization_id
    )
    fields = {name: getattr(tender, name) for name in COPIED_TENDER_FIELDS}
    if title:
        fields["title"] = title
    copy = create_tender(
        actor=actor, reference=reference, submission_deadline=submission_deadline, **fields
    )
    assert copy.organization_id == organization_id  # the same organisation, by the policy
    # create_tender made lot 1; it becomes the earlier tender's first lot, then the rest.
    lots: dict[Any, Lot] = {}
    first = copy.lots.get()
    for lot in tender.lots.order_by("number"):
        made = first if not lots else Lot(tender=copy)
        for name in COPIED_LOT_FIELDS:
            setattr(made, name, getattr(lot, name))
        made.save()
        lots[lot.pk] = made
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position"))
    for tc in criteria:
        TenderCriterion.objects.create(
            tender=copy,
            lot=lots.get(tc.lot_id),
            created_by=actor,
            **{name: getattr(tc, name) for name in COPIED_CRITERION_FIELDS},
        )
    record(
        action="tender.copied",
        actor=actor,
        obj=copy,
        tender_id=copy.pk,
        data={
            "from": tender.pk,
            "from_reference": tender.reference,
            "lots": len(lots),
            "criteria": [tc.code for tc in criteria],
        },
    )
    return copy
