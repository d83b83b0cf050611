"""Tenders and lots: create, change while draft, publish, cancel."""

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.checks import all_checks
from procurement.errors import InvalidInput, StateConflict, field_error, in_language, tender_status
from procurement.evaluation import parse_evaluation
from procurement.models import Lot, Tender, User
from procurement.policy import Action
from procurement.services.common import changed_fields, check_version

TENDER_FIELDS = (
    "reference",
    "title",
    "description",
    "procedure",
    "cpv_codes",
    "currency",
    "estimated_value",
    "submission_deadline",
    "evaluation",
    "no_lots_reason",
)


def _validated_evaluation(data: Any) -> dict:
    evaluation, errors = parse_evaluation(data if data is not None else {})
    if errors:
        raise InvalidInput(
            _("The evaluation settings are invalid."), code="invalid_evaluation", errors=errors
        )
    assert evaluation is not None  # parse_evaluation gives None only with errors
    return evaluation


def _lock(tender: Tender) -> Tender:
    return Tender.objects.select_for_update().get(pk=tender.pk)


def _duplicate_reference(reference: str) -> InvalidInput:
    return InvalidInput(
        _("Your organisation already has a tender with this reference."),
        code="duplicate_reference",
        errors=[
            field_error(
                "/reference", "unique", _("'%(reference)s' is taken.") % {"reference": reference}
            )
        ],
    )


@transaction.atomic
def create_tender(*, actor: User, **fields) -> Tender:
    """Create a draft tender of the actor's organisation, with lot 1 (every tender has one)."""
    organization_id = policy.require(actor, Action.TENDER_CREATE)
    data = {k: v for k, v in fields.items() if k in TENDER_FIELDS}
    data["evaluation"] = _validated_evaluation(data.get("evaluation"))
    if Tender.objects.filter(organization_id=organization_id, reference=data["reference"]).exists():
        raise _duplicate_reference(data["reference"])
    try:
        with transaction.atomic():
            tender = Tender.objects.create(
                organization_id=organization_id, created_by=actor, **data
            )
    except IntegrityError as exc:  # a concurrent request took the reference first
        raise _duplicate_reference(data["reference"]) from exc
    lot = Lot.objects.create(
        tender=tender, number=1, title=tender.title, estimated_value=tender.estimated_value
    )
    record(
        action="tender.created",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={"fields": {k: data.get(k) for k in TENDER_FIELDS if k in data}, "lot_1": lot.pk},
    )
    return tender


@transaction.atomic
def update_tender(
    *, tender: Tender, actor: User, changes: dict[str, Any], expected_version: int | None = None
) -> Tender:
    """Change a draft. After publishing the configuration is frozen: amend it instead (409)."""
    policy.require(actor, Action.TENDER_CHANGE, organization_id=tender.organization_id)
    tender = _lock(tender)
    check_version(tender, expected_version)
    if not policy.in_state(Action.TENDER_CHANGE, tender):
        raise StateConflict(
            _(
                "The tender is %(status)s; a published tender is frozen and can only be changed "
                "by a reasoned amendment before the deadline."
            )
            % {"status": tender_status(tender.effective_status)},
            code="tender_frozen",
            current_status=tender.effective_status,
        )
    changes = {k: v for k, v in changes.items() if k in TENDER_FIELDS}
    if "evaluation" in changes:
        changes["evaluation"] = _validated_evaluation(changes["evaluation"])
    if (
        "reference" in changes
        and changes["reference"] != tender.reference
        and Tender.objects.filter(
            organization_id=tender.organization_id, reference=changes["reference"]
        ).exists()
    ):
        raise _duplicate_reference(changes["reference"])
    diff = changed_fields(tender, changes)
    if not diff:
        return tender
    for name in diff:
        setattr(tender, name, changes[name])
    tender.version += 1
    try:
        with transaction.atomic():
            tender.save()
    except IntegrityError as exc:  # a concurrent request took the reference first
        raise _duplicate_reference(changes.get("reference", tender.reference)) from exc
    record(
        action="tender.updated",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={"changes": diff},
    )
    return tender


@transaction.atomic
def publish_tender(*, tender: Tender, actor: User) -> Tender:
    """Publish a draft and freeze its criteria, weights and evaluation method.

    Transparency (directive art. 67(5)): criteria and weighting are stated in the documents,
    so from here on they change only by a reasoned amendment before the deadline. Every
    pre-publish error is reported at once (400); warnings are kept with the tender.
    """
    policy.require(actor, Action.TENDER_PUBLISH, organization_id=tender.organization_id)
    tender = _lock(tender)
    if not policy.in_state(Action.TENDER_PUBLISH, tender):
        raise StateConflict(
            _("The tender is already %(status)s; only a draft can be published.")
            % {"status": tender_status(tender.effective_status)},
            code="not_draft",
            current_status=tender.effective_status,
        )
    now = timezone.now()
    found = all_checks(tender, now=now)
    errors = [c for c in found if c["severity"] == "error"]
    if errors:
        raise InvalidInput(
            _("The tender cannot be published until these errors are fixed."),
            code="publish_checks_failed",
            errors=[
                field_error(_pointer_for(c), c["code"], in_language(c["message"])) for c in errors
            ],
            checks=errors,
        )
    warnings = [c for c in found if c["severity"] == "warning"]
    tender.status = Tender.Status.PUBLISHED
    tender.published_at = now
    tender.publish_warnings = warnings
    tender.version += 1
    tender.save()
    record(
        action="tender.published",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={
            "submission_deadline": tender.submission_deadline,
            "evaluation": tender.evaluation,
            "warnings": [w["code"] for w in warnings],
        },
    )
    return tender


def _pointer_for(found: dict) -> str:
    return {
        "deadline_in_past": "/submission_deadline",
    }.get(found["code"], "")


@transaction.atomic
def cancel_tender(*, tender: Tender, actor: User, reason: str) -> Tender:
    """Cancel from any state before award, with a reason (recorded and audited)."""
    policy.require(actor, Action.TENDER_CANCEL, organization_id=tender.organization_id)
    if not (reason or "").strip():
        raise InvalidInput(
            _("Give the reason for cancelling."),
            errors=[field_error("/reason", "required", _("A reason is required."))],
        )
    tender = _lock(tender)
    if not policy.in_state(Action.TENDER_CANCEL, tender):
        raise StateConflict(
            _("The tender is %(status)s and cannot be cancelled.")
            % {"status": tender_status(tender.status)},
            current_status=tender.status,
        )
    previous = tender.effective_status
    tender.status = Tender.Status.CANCELLED
    tender.cancel_reason = reason.strip()
    tender.version += 1
    tender.save()
    record(
        action="tender.cancelled",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={"reason": tender.cancel_reason, "previous_status": previous},
    )
    return tender


def _check_turnover(minimum_turnover: Decimal | None, estimated_value: Decimal | None) -> None:
    if (
        minimum_turnover is not None
        and estimated_value is not None
        and minimum_turnover > 2 * estimated_value
    ):
        raise InvalidInput(
            _(
                "A required minimum turnover may be at most twice the lot's estimated value "
                "(directive 2014/24/EU art. 58(3)), so that small suppliers are not shut out."
            ),
            code="minimum_turnover_too_high",
            errors=[
                field_error(
                    "/minimum_turnover",
                    "too_high",
                    _("At most %(maximum)s (twice %(estimated_value)s).")
                    % {"maximum": 2 * estimated_value, "estimated_value": estimated_value},
                )
            ],
        )


@transaction.atomic
def add_lot(*, tender: Tender, actor: User, **fields) -> Lot:
    """Add a lot to a draft tender (art. 46: divide into lots so that SMEs can take part)."""
    policy.require(actor, Action.LOT_ADD, organization_id=tender.organization_id)
    tender = _lock(tender)
    if not policy.in_state(Action.LOT_ADD, tender):
        raise StateConflict(
            _("Lots can be added only to a draft; the tender is %(status)s.")
            % {"status": tender_status(tender.effective_status)},
            code="tender_frozen",
            current_status=tender.effective_status,
        )
    number = fields.get("number")
    if number is None:
        number = (max((lot.number for lot in tender.lots.all()), default=0)) + 1
    if Lot.objects.filter(tender=tender, number=number).exists():
        raise InvalidInput(
            _("The tender already has a lot %(number)s.") % {"number": number},
            errors=[
                field_error("/number", "unique", _("Lot %(number)s exists.") % {"number": number})
            ],
        )
    _check_turnover(fields.get("minimum_turnover"), fields.get("estimated_value"))
    try:
        with transaction.atomic():
            lot = Lot.objects.create(
                tender=tender,
                number=number,
                title=fields["title"],
                description=fields.get("description", ""),
                estimated_value=fields.get("estimated_value"),
                minimum_turnover=fields.get("minimum_turnover"),
            )
    except IntegrityError as exc:
        raise InvalidInput(
            _("The tender already has a lot %(number)s.") % {"number": number}
        ) from exc
    tender.version += 1
    tender.save(update_fields=["version", "updated_at"])
    record(
        action="lot.created",
        actor=actor,
        obj=lot,
        tender_id=tender.pk,
        data={k: fields.get(k) for k in ("title", "estimated_value", "minimum_turnover")}
        | {"number": number},
    )
    return lot


@transaction.atomic
def update_lot(*, lot: Lot, actor: User, changes: dict[str, Any]) -> Lot:
    policy.require(actor, Action.LOT_CHANGE, organization_id=lot.tender.organization_id)
    tender = _lock(lot.tender)
    if not policy.in_state(Action.LOT_CHANGE, tender):
        raise StateConflict(
            _("Lots can be changed only in a draft; the tender is %(status)s.")
            % {"status": tender_status(tender.effective_status)},
            code="tender_frozen",
            current_status=tender.effective_status,
        )
    changes = {
        k: v
        for k, v in changes.items()
        if k in ("title", "description", "estimated_value", "minimum_turnover")
    }
    merged_turnover = changes.get("minimum_turnover", lot.minimum_turnover)
    merged_value = changes.get("estimated_value", lot.estimated_value)
    _check_turnover(merged_turnover, merged_value)
    diff = changed_fields(lot, changes)
    for name in diff:
        setattr(lot, name, changes[name])
    if diff:
        lot.save()
        tender.version += 1  # a lot is part of the tender: its ETag changes
        tender.save(update_fields=["version", "updated_at"])
        record(
            action="lot.updated", actor=actor, obj=lot, tender_id=tender.pk, data={"changes": diff}
        )
    return lot
