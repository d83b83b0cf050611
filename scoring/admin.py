"""Evaluations in the admin: read-only views of the immutable records, scoped like the API.

Every change (declarations, scores, consensus, runs, lottery, award) goes through the API's
audited services; the admin shows what happened. Evaluators' individual scores are shown only
to the roles that may see them (officers, admins, auditors), never to other evaluators.
"""

from django.contrib import admin

from procurement import policy
from procurement.admin import ScopedAdmin
from procurement.policy import Action
from scoring.models import (
    Award,
    ConflictDeclaration,
    ConsensusScore,
    Evaluation,
    EvaluatorScore,
    LotteryDraw,
    Simulation,
)


def _reader_tenders(user):
    """Tender ids whose evaluation records the user may read (officers, admins, auditors)."""
    if policy.may(user, Action.EVALUATION_READ):
        return {"tender__organization_id": user.organization_id}
    return None


class EvaluationRecordAdmin(ScopedAdmin):
    def scoped_queryset(self, request):
        scope = _reader_tenders(request.user)
        if scope is None:
            return self.model.objects.none()
        return self.model.objects.filter(**scope)


@admin.register(Evaluation)
class EvaluationAdmin(EvaluationRecordAdmin):
    list_display = [
        "id",
        "tender",
        "status",
        "progress",
        "method",
        "engine_version",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "method"]
    exclude = ["input_json", "result_json"]
    readonly_fields = [
        "tender",
        "status",
        "progress",
        "method",
        "engine_version",
        "input_sha256",
        "result_sha256",
        "error",
        "derived_from",
        "attempts",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(EvaluationRecordAdmin):
    list_display = ["tender", "evaluator", "has_conflict", "declared_at", "measure_at"]
    list_filter = ["has_conflict"]


@admin.register(EvaluatorScore)
class EvaluatorScoreAdmin(EvaluationRecordAdmin):
    list_display = [
        "tender",
        "bid",
        "tender_criterion",
        "evaluator",
        "score",
        "version",
        "is_current",
        "created_at",
    ]
    list_filter = ["is_current"]


@admin.register(ConsensusScore)
class ConsensusScoreAdmin(EvaluationRecordAdmin):
    list_display = [
        "tender",
        "bid",
        "tender_criterion",
        "score",
        "version",
        "is_current",
        "set_by",
        "created_at",
    ]
    list_filter = ["is_current"]


@admin.register(LotteryDraw)
class LotteryDrawAdmin(EvaluationRecordAdmin):
    list_display = ["evaluation", "lot", "seed", "drawn_by", "witness", "drawn_at"]

    def scoped_queryset(self, request):
        user = request.user
        if policy.may(user, Action.EVALUATION_READ):
            return LotteryDraw.objects.filter(
                evaluation__tender__organization_id=user.organization_id
            )
        return LotteryDraw.objects.none()


@admin.register(Award)
class AwardAdmin(EvaluationRecordAdmin):
    list_display = [
        "tender",
        "evaluation",
        "deviates_from_ranking",
        "decided_by",
        "decided_at",
        "standstill_ends_at",
    ]


@admin.register(Simulation)
class SimulationAdmin(EvaluationRecordAdmin):
    list_display = ["id", "tender", "created_by", "created_at"]
    exclude = ["input_json", "result_json"]
