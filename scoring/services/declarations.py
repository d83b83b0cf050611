"""Conflict-of-interest declarations and the measures an officer records for them. Every state
change is audited in its transaction."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error
from procurement.models import Tender, User
from procurement.policy import Action
from scoring.models import (
    ConflictDeclaration,
)


@transaction.atomic
def declare_conflict(
    *, tender: Tender, actor: User, has_conflict: bool, statement: str
) -> ConflictDeclaration:
    """An evaluator declares, before seeing any bid, whether they have a conflict of interest
    (directive art. 24). A declared conflict keeps them out of the tender. Declared once."""
    policy.require(actor, Action.CONFLICT_DECLARE, organization_id=tender.organization_id)
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not (statement or "").strip():
        raise InvalidInput(
            _("Write a statement."),
            errors=[field_error("/statement", "required", _("e.g. 'No ties to any bidder'"))],
        )
    if ConflictDeclaration.objects.filter(tender=tender, evaluator=actor).exists():
        raise StateConflict(
            _("You have already declared for this tender."), code="already_declared"
        )
    declaration = ConflictDeclaration.objects.create(
        tender=tender, evaluator=actor, has_conflict=has_conflict, statement=statement.strip()
    )
    record(
        action="conflict.declared",
        actor=actor,
        obj=declaration,
        object_type="conflict_declaration",
        tender_id=tender.pk,
        data={"has_conflict": has_conflict, "statement": declaration.statement},
    )
    return declaration


@transaction.atomic
def record_conflict_measure(
    *, declaration: ConflictDeclaration, actor: User, measure: str
) -> ConflictDeclaration:
    """The officer records the measure taken for a declared conflict (art. 84(1)(i))."""
    policy.require(
        actor, Action.CONFLICT_MEASURE, organization_id=declaration.tender.organization_id
    )
    if not declaration.has_conflict:
        raise StateConflict(_("This declaration reports no conflict."), code="no_conflict")
    if not (measure or "").strip():
        raise InvalidInput(
            _("Describe the measure."),
            errors=[field_error("/measure", "required", _("required"))],
        )
    declaration.measure = measure.strip()
    declaration.measure_by = actor
    declaration.measure_at = timezone.now()
    declaration.save(update_fields=["measure", "measure_by", "measure_at"])
    record(
        action="conflict.measure_recorded",
        actor=actor,
        obj=declaration,
        object_type="conflict_declaration",
        tender_id=declaration.tender_id,
        data={"measure": declaration.measure, "evaluator": declaration.evaluator_id},
    )
    return declaration
