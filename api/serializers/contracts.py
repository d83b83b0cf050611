"""Contract follow-up (API.md, "Third wave"): input shapes, and the output shapes that
document what ``contracts.selectors`` and the views render. States that follow from the clock
(a contract's ``ended``, a check's ``overdue``, a commitment's next due date) are computed on
every read."""

import datetime as dt
from typing import Any

from rest_framework import serializers

from api.serializers.common import MoneySerializer, StrictSerializer, UserRefSerializer, money
from contracts import selectors
from contracts.models import Check, CheckDocument, Commitment, Contract, Deviation, Verification
from criteria.models import Category, Kind


def _user(user) -> dict[str, Any] | None:
    return {"id": str(user.pk), "username": user.username} if user is not None else None


class CommitmentTitleSerializer(StrictSerializer):
    sv = serializers.CharField()
    en = serializers.CharField(allow_blank=True)


class ContractSupplierSerializer(StrictSerializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CommitmentSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    contract = serializers.UUIDField(read_only=True)
    tender_criterion = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    title = CommitmentTitleSerializer(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    promised = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text='The winning bid\'s answer (e.g. "80"), null for a condition without one',
    )
    verification = serializers.ChoiceField(choices=Verification.choices, read_only=True)
    every_months = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null: checked once"
    )
    next_due_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The next due date from today of the commitment's schedule",
    )

    def to_representation(self, instance: Commitment) -> dict[str, Any]:
        upcoming = getattr(instance, "upcoming", instance.next_due_on)
        return {
            "id": str(instance.pk),
            "contract": str(instance.contract_id),
            "tender_criterion": str(instance.tender_criterion_id),
            "code": instance.code,
            "title": {"sv": instance.title_sv, "en": instance.title_en},
            "category": instance.category,
            "kind": instance.kind,
            "promised": instance.promised,
            "verification": instance.verification,
            "every_months": instance.every_months,
            "next_due_on": upcoming.isoformat() if isinstance(upcoming, dt.date) else None,
        }


class CommitmentUpdateSerializer(StrictSerializer):
    verification = serializers.ChoiceField(choices=Verification.choices, required=False)
    every_months = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=120, help_text="null: once"
    )
    next_due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The first due date of the new schedule (within the contract, from today)",
    )


class ContractInputSerializer(StrictSerializer):
    lot = serializers.UUIDField(
        required=False, allow_null=True, help_text="Omit for a tender of one lot"
    )
    reference = serializers.CharField(max_length=100)
    signed_on = serializers.DateField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    value = MoneySerializer()


class ContractSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    tender = serializers.UUIDField(read_only=True)
    lot = serializers.UUIDField(read_only=True)
    bid = serializers.UUIDField(read_only=True)
    supplier = ContractSupplierSerializer(read_only=True)
    reference = serializers.CharField(read_only=True)
    signed_on = serializers.DateField(read_only=True)
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    value = MoneySerializer(read_only=True)
    status = serializers.ChoiceField(
        choices=Contract.Status.choices,
        read_only=True,
        help_text="`ended` once ends_on has passed (on every read); `terminated` by a deviation",
    )
    terminated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    commitments = CommitmentSerializer(many=True, read_only=True)

    def to_representation(self, instance: Contract) -> dict[str, Any]:
        commitments = getattr(instance, "listed_commitments", None)
        if commitments is None:
            commitments = selectors.commitments_of(instance)
        return {
            "id": str(instance.pk),
            "tender": str(instance.tender_id),
            "lot": str(instance.lot_id),
            "bid": str(instance.bid_id),
            "supplier": {"id": str(instance.supplier_id), "name": instance.supplier.name},
            "reference": instance.reference,
            "signed_on": instance.signed_on.isoformat(),
            "starts_on": instance.starts_on.isoformat(),
            "ends_on": instance.ends_on.isoformat(),
            "value": money(instance.value_amount, instance.value_currency),
            "status": selectors.contract_status(instance),
            "terminated_at": serializers.DateTimeField().to_representation(instance.terminated_at)
            if instance.terminated_at
            else None,
            "commitments": [CommitmentSerializer(c).data for c in commitments],
        }


class ContractCheckDocumentSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    filename = serializers.CharField(read_only=True, help_text="A safe base name")
    sha256 = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="Bytes")
    media_type = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: CheckDocument) -> dict[str, Any]:
        return {
            "id": str(instance.pk),
            "filename": instance.filename,
            "sha256": instance.sha256,
            "size": instance.size,
            "media_type": instance.media_type,
            "version": instance.version,
            "uploaded_at": serializers.DateTimeField().to_representation(instance.uploaded_at),
        }


class ContractCheckDocumentUploadSerializer(StrictSerializer):
    file = serializers.FileField(
        help_text="Evidence: the same types and size limit as bid documents"
    )


class CheckAnswerSerializer(StrictSerializer):
    value = serializers.JSONField(allow_null=True)
    statement = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = UserRefSerializer(allow_null=True)


class CheckReviewSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Check.Outcome.choices)
    note = serializers.CharField(allow_blank=True)
    reviewed_at = serializers.DateTimeField()
    reviewed_by = UserRefSerializer(allow_null=True)


class ContractCheckSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    contract = serializers.UUIDField(read_only=True)
    commitment = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True, help_text="The commitment's code")
    due_on = serializers.DateField(read_only=True)
    request = serializers.CharField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(
        choices=Check.Status.choices,
        read_only=True,
        help_text="`overdue` from the day after due_on while unanswered (on every read)",
    )
    answer = CheckAnswerSerializer(read_only=True, allow_null=True)
    documents = ContractCheckDocumentSerializer(many=True, read_only=True)
    review = CheckReviewSerializer(read_only=True, allow_null=True)
    deviation = serializers.UUIDField(read_only=True, allow_null=True)

    def to_representation(self, instance: Check) -> dict[str, Any]:
        moment = serializers.DateTimeField()
        answer = None
        if instance.submitted_at is not None:
            answer = {
                "value": instance.answer_value,
                "statement": instance.answer_statement,
                "submitted_at": moment.to_representation(instance.submitted_at),
                "submitted_by": _user(instance.submitted_by),
            }
        review = None
        if instance.outcome and instance.reviewed_at is not None:
            review = {
                "outcome": instance.outcome,
                "note": instance.review_note,
                "reviewed_at": moment.to_representation(instance.reviewed_at),
                "reviewed_by": _user(instance.reviewed_by),
            }
        deviation = (
            getattr(instance, "deviation", None) if instance.outcome == "deviation" else None
        )
        return {
            "id": str(instance.pk),
            "contract": str(instance.contract_id),
            "commitment": str(instance.commitment_id),
            "code": instance.commitment.code,
            "due_on": instance.due_on.isoformat(),
            "request": instance.request,
            "requested_at": moment.to_representation(instance.requested_at),
            "status": selectors.check_status(instance),
            "answer": answer,
            "documents": [
                ContractCheckDocumentSerializer(d).data for d in instance.documents.all()
            ],
            "review": review,
            "deviation": str(deviation.pk) if deviation is not None else None,
        }


class ContractCheckInputSerializer(StrictSerializer):
    commitment = serializers.UUIDField()
    due_on = serializers.DateField(help_text="Not before the contract starts, nor after it ends")
    request = serializers.CharField(max_length=5000, help_text="What the supplier should show")


class CheckAnswerInputSerializer(StrictSerializer):
    value = serializers.JSONField(
        allow_null=True,
        help_text='Validated like the bid\'s answer to the criterion: true, "80", an option key, '
        "or text for a manual criterion",
    )
    statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class CheckReviewInputSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Check.Outcome.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Required for a deviation: it becomes the deviation's description",
    )
    severity = serializers.ChoiceField(
        choices=Deviation.Severity.choices,
        required=False,
        default=Deviation.Severity.MINOR,
        help_text="For a deviation",
    )
    remedy_due_on = serializers.DateField(required=False, allow_null=True, default=None)
    sanction = MoneySerializer(required=False, allow_null=True, default=None)


class DeviationSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    contract = serializers.UUIDField(read_only=True)
    check = serializers.UUIDField(read_only=True)
    commitment = serializers.UUIDField(read_only=True)
    severity = serializers.ChoiceField(choices=Deviation.Severity.choices, read_only=True)
    description = serializers.CharField(read_only=True)
    remedy_due_on = serializers.DateField(read_only=True, allow_null=True)
    sanction = MoneySerializer(
        read_only=True, allow_null=True, help_text="A contractual penalty, or null"
    )
    status = serializers.ChoiceField(choices=Deviation.Status.choices, read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closing_note = serializers.CharField(read_only=True)

    def to_representation(self, instance: Deviation) -> dict[str, Any]:
        moment = serializers.DateTimeField()
        return {
            "id": str(instance.pk),
            "contract": str(instance.contract_id),
            "check": str(instance.check_ref_id),
            "commitment": str(instance.commitment_id),
            "severity": instance.severity,
            "description": instance.description,
            "remedy_due_on": instance.remedy_due_on.isoformat() if instance.remedy_due_on else None,
            "sanction": money(instance.sanction_amount, instance.sanction_currency),
            "status": instance.status,
            "opened_at": moment.to_representation(instance.opened_at),
            "closed_at": moment.to_representation(instance.closed_at)
            if instance.closed_at
            else None,
            "closing_note": instance.closing_note,
        }


class DeviationUpdateSerializer(StrictSerializer):
    severity = serializers.ChoiceField(choices=Deviation.Severity.choices, required=False)
    description = serializers.CharField(required=False, max_length=5000)
    remedy_due_on = serializers.DateField(required=False, allow_null=True)
    sanction = MoneySerializer(required=False, allow_null=True)


class DeviationCloseInputSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in Deviation.Status.choices
            if value != Deviation.Status.OPEN
        ]
    )
    note = serializers.CharField(max_length=5000)
