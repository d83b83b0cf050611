"""Evaluations: declarations, blind scores, consensus, runs, verification, lottery, award,
simulation. Every state change is audited in its transaction."""

import datetime as dt
import hashlib
import json
import random
import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from pydantic import ValidationError

from audit.services import record
from criteria.models import TenderCriterion
from procurement.errors import InvalidInput, StateConflict, field_error
from procurement.models import OFFICER_ROLES, Bid, Lot, Role, Tender, User
from procurement.services.common import require_role
from scoring import snapshot
from scoring.engine import (
    ENGINE_VERSION,
    EngineInputError,
    EvaluationInput,
    canonical_json,
    evaluate,
    sha256_of,
)
from scoring.models import (
    Award,
    ConflictDeclaration,
    ConsensusScore,
    Evaluation,
    EvaluatorScore,
    LotteryDraw,
    Simulation,
)

EVALUABLE = (Tender.Status.OPENED, Tender.Status.EVALUATED)
STANDSTILL_DAYS = 10  # LOU 20 kap. 1 §: ten days when the decision is sent electronically
# The broker redelivers a run whose worker vanished after its visibility timeout; a run still
# unfinished two minutes after that lost its message too (e.g. a broker restart).
STUCK_AFTER = dt.timedelta(
    seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 120
)
MAX_ATTEMPTS = 3


def _manual_criteria(tender: Tender) -> list[TenderCriterion]:
    return [
        tc
        for tc in TenderCriterion.objects.filter(tender=tender)
        if (tc.rule or {}).get("type") == "manual"
    ]


def _submitted_bids(tender: Tender) -> list[Bid]:
    return list(
        Bid.objects.filter(tender=tender, status=Bid.Status.SUBMITTED).select_related("lot")
    )


def evaluator_may_access(user: User, tender: Tender) -> bool:
    """An evaluator sees a tender's bids only after declaring no conflict of interest."""
    return ConflictDeclaration.objects.filter(
        tender=tender, evaluator=user, has_conflict=False
    ).exists()


# --- declarations ---------------------------------------------------------------------


@transaction.atomic
def declare_conflict(
    *, tender: Tender, actor: User, has_conflict: bool, statement: str
) -> ConflictDeclaration:
    """An evaluator declares, before seeing any bid, whether they have a conflict of interest
    (directive art. 24). A declared conflict keeps them out of the tender. Declared once."""
    require_role(
        actor, (Role.EVALUATOR,), organization_id=tender.organization_id, action="declare conflicts"
    )
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not (statement or "").strip():
        raise InvalidInput(
            "Write a statement.",
            errors=[field_error("/statement", "required", "e.g. 'No ties to any bidder'")],
        )
    if ConflictDeclaration.objects.filter(tender=tender, evaluator=actor).exists():
        raise StateConflict("You have already declared for this tender.", code="already_declared")
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
    require_role(
        actor,
        OFFICER_ROLES,
        organization_id=declaration.tender.organization_id,
        action="record measures",
    )
    if not declaration.has_conflict:
        raise StateConflict("This declaration reports no conflict.", code="no_conflict")
    if not (measure or "").strip():
        raise InvalidInput(
            "Describe the measure.",
            errors=[field_error("/measure", "required", "required")],
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


# --- scores ---------------------------------------------------------------------------


def _check_items(
    tender: Tender, items: list[dict[str, Any]], *, text_field: str
) -> list[tuple[Bid, TenderCriterion, Decimal, str]]:
    manual = {str(tc.pk): tc for tc in _manual_criteria(tender)}
    bids = {str(b.pk): b for b in _submitted_bids(tender)}
    errors, checked = [], []
    for i, item in enumerate(items):
        bid = bids.get(str(item.get("bid")))
        tc = manual.get(str(item.get("tender_criterion")))
        if bid is None:
            errors.append(
                field_error(f"/scores/{i}/bid", "unknown_bid", "not a submitted bid of this tender")
            )
            continue
        if tc is None:
            errors.append(
                field_error(
                    f"/scores/{i}/tender_criterion",
                    "not_manual",
                    "not a manual criterion of this tender",
                )
            )
            continue
        if tc.lot_id not in (None, bid.lot_id):
            errors.append(
                field_error(
                    f"/scores/{i}/tender_criterion",
                    "other_lot",
                    "the criterion does not apply to the bid's lot",
                )
            )
            continue
        raw = item.get("score")
        try:
            if isinstance(raw, float | bool):
                raise InvalidOperation
            score = Decimal(str(raw))
        except InvalidOperation:
            errors.append(
                field_error(f"/scores/{i}/score", "invalid", 'a number such as 4 or "3.5"')
            )
            continue
        scale = int(tc.rule.get("scale_max", 0))
        if not (0 <= score <= scale):
            errors.append(
                field_error(f"/scores/{i}/score", "out_of_scale", f"between 0 and {scale}")
            )
            continue
        checked.append((bid, tc, score, (item.get(text_field) or "").strip()))
    if errors:
        raise InvalidInput("Some scores are invalid.", code="invalid_scores", errors=errors)
    return checked


def _next_version(model, current, **fields):
    """Scores are never overwritten: the current row is retired and a new version added."""
    version = 1
    if current is not None:
        model.objects.filter(pk=current.pk).update(is_current=False)
        version = current.version + 1
    return model.objects.create(version=version, **fields)


@transaction.atomic
def submit_scores(
    *, tender: Tender, actor: User, items: list[dict[str, Any]]
) -> list[EvaluatorScore]:
    """An evaluator's own scores on manual criteria, blind to the others'. A changed score
    becomes a new version; the earlier one is kept with its time."""
    require_role(
        actor, (Role.EVALUATOR,), organization_id=tender.organization_id, action="score bids"
    )
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in EVALUABLE:
        raise StateConflict(
            f"The tender is {tender.effective_status}; scoring happens after opening.",
            current_status=tender.effective_status,
        )
    if not evaluator_may_access(actor, tender):
        raise StateConflict(
            "Declare that you have no conflict of interest before scoring.",
            code="declaration_missing",
        )
    saved = []
    for bid, tc, score, comment in _check_items(tender, items, text_field="comment"):
        current = EvaluatorScore.objects.filter(
            bid=bid, tender_criterion=tc, evaluator=actor, is_current=True
        ).first()
        if current is not None and current.score == score and current.comment == comment:
            saved.append(current)
            continue
        new = _next_version(
            EvaluatorScore,
            current,
            tender=tender,
            bid=bid,
            tender_criterion=tc,
            evaluator=actor,
            score=score,
            comment=comment,
        )
        version = new.version
        record(
            action="score.submitted",
            actor=actor,
            obj=new,
            object_type="evaluator_score",
            tender_id=tender.pk,
            data={"bid": bid.pk, "tender_criterion": tc.pk, "score": score, "version": version},
        )
        saved.append(new)
    return saved


@transaction.atomic
def set_consensus(
    *, tender: Tender, actor: User, items: list[dict[str, Any]]
) -> list[ConsensusScore]:
    """The officer settles a manual item with a written justification (history kept)."""
    require_role(
        actor, OFFICER_ROLES, organization_id=tender.organization_id, action="set consensus scores"
    )
    # One writer per tender at a time: concurrent requests cannot race the checks below.
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in EVALUABLE:
        raise StateConflict(
            f"The tender is {tender.effective_status}.", current_status=tender.effective_status
        )
    checked = _check_items(tender, items, text_field="justification")
    missing = [
        field_error(f"/scores/{i}/justification", "required", "a written justification is required")
        for i, (_, _, _, text) in enumerate(checked)
        if not text
    ]
    if missing:
        raise InvalidInput("Every consensus score needs a justification.", errors=missing)
    saved = []
    for bid, tc, score, justification in checked:
        current = ConsensusScore.objects.filter(
            bid=bid, tender_criterion=tc, is_current=True
        ).first()
        new = _next_version(
            ConsensusScore,
            current,
            tender=tender,
            bid=bid,
            tender_criterion=tc,
            score=score,
            justification=justification,
            set_by=actor,
        )
        version = new.version
        record(
            action="consensus.set",
            actor=actor,
            obj=new,
            object_type="consensus_score",
            tender_id=tender.pk,
            data={
                "bid": bid.pk,
                "tender_criterion": tc.pk,
                "score": score,
                "justification": justification,
                "version": version,
            },
        )
        saved.append(new)
    return saved


def moderation_items(tender: Tender) -> list[dict[str, Any]]:
    """Items whose evaluators' scores spread more than the tender's threshold."""
    threshold = Decimal(str((tender.evaluation or {}).get("spread_threshold", "0.4")))
    manual = {tc.pk: tc for tc in _manual_criteria(tender)}
    by_item: dict[tuple, list[Decimal]] = {}
    for bid_id, tc_id, score in EvaluatorScore.objects.filter(
        tender=tender, is_current=True
    ).values_list("bid_id", "tender_criterion_id", "score"):
        by_item.setdefault((bid_id, tc_id), []).append(score)
    flagged = []
    for (bid_id, tc_id), scores in sorted(
        by_item.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))
    ):
        scale = Decimal(manual[tc_id].rule.get("scale_max", 1))
        spread = (max(scores) - min(scores)) / scale
        if spread > threshold:
            flagged.append(
                {
                    "bid": str(bid_id),
                    "tender_criterion": str(tc_id),
                    "code": manual[tc_id].code,
                    "spread": format(spread.quantize(Decimal("0.0001")), "f"),
                    "scores": len(scores),
                }
            )
    return flagged


# --- runs -----------------------------------------------------------------------------


def missing_items(tender: Tender) -> list[dict[str, Any]]:
    """What stops an evaluation: declarations, scores and consensus, with bid and criterion."""
    manual = _manual_criteria(tender)
    if not manual:
        return []
    missing: list[dict[str, Any]] = []
    declared = ConflictDeclaration.objects.filter(tender=tender, has_conflict=False).count()
    if declared == 0:
        missing.append(
            {
                "kind": "declaration",
                "message": "No evaluator has declared freedom from conflicts of interest.",
            }
        )
    aggregation = (tender.evaluation or {}).get("aggregation", "consensus")
    consensus = set(
        ConsensusScore.objects.filter(tender=tender, is_current=True).values_list(
            "bid_id", "tender_criterion_id"
        )
    )
    scored = set(
        EvaluatorScore.objects.filter(tender=tender, is_current=True).values_list(
            "bid_id", "tender_criterion_id"
        )
    )
    for bid in _submitted_bids(tender):
        for tc in manual:
            if tc.lot_id not in (None, bid.lot_id):
                continue
            key = (bid.pk, tc.pk)
            if aggregation == "consensus" and key not in consensus:
                missing.append(
                    {
                        "kind": "consensus",
                        "bid": str(bid.pk),
                        "tender_criterion": str(tc.pk),
                        "code": tc.code,
                    }
                )
            elif aggregation != "consensus" and key not in scored and key not in consensus:
                missing.append(
                    {
                        "kind": "scores",
                        "bid": str(bid.pk),
                        "tender_criterion": str(tc.pk),
                        "code": tc.code,
                    }
                )
    return missing


@transaction.atomic
def start_evaluation(
    *, tender: Tender, actor: User, derived_from: Evaluation | None = None
) -> Evaluation:
    """Queue a scoring run of an opened tender. 409 lists every missing item at once.

    The task is queued after the commit (never inside the open transaction), so a worker
    never looks for a row that does not exist yet.
    """
    require_role(
        actor, OFFICER_ROLES, organization_id=tender.organization_id, action="run evaluations"
    )
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status not in EVALUABLE:
        raise StateConflict(
            f"The tender is {tender.effective_status}; evaluations run on opened tenders.",
            current_status=tender.effective_status,
        )
    missing = missing_items(tender)
    if missing:
        raise StateConflict(
            f"The evaluation cannot run: {len(missing)} items are missing.",
            code="evaluation_inputs_missing",
            current_status=tender.effective_status,
            missing=missing,
        )
    evaluation = Evaluation.objects.create(
        tender=tender,
        method=(tender.evaluation or {}).get("method", "lowest_price"),
        created_by=actor,
        derived_from=derived_from,
    )
    record(
        action="evaluation.started",
        actor=actor,
        obj=evaluation,
        tender_id=tender.pk,
        data={
            "method": evaluation.method,
            "derived_from": derived_from.pk if derived_from else None,
        },
    )
    from scoring.tasks import run_evaluation_task

    evaluation_id = str(evaluation.pk)
    transaction.on_commit(lambda: run_evaluation_task.delay(evaluation_id))
    return evaluation


def _claim(evaluation_id, task_id: str) -> bool:
    """Conditional UPDATE: queued -> running. A redelivered task (same id) may resume its own
    run; two different workers never run the same evaluation."""
    claimed = (
        Evaluation.objects.filter(pk=evaluation_id)
        .filter(
            Q(status=Evaluation.Status.QUEUED)
            | Q(status=Evaluation.Status.RUNNING, task_id=task_id)
        )
        .update(
            status=Evaluation.Status.RUNNING,
            task_id=task_id,
            started_at=timezone.now(),
            progress=10,
            attempts=F("attempts") + 1,
        )
    )
    return claimed == 1


def run_evaluation(evaluation_id, *, task_id: str = "inline") -> Evaluation | None:
    """Build the snapshot, run the engine, store input, result and hashes (idempotent)."""
    if not _claim(evaluation_id, task_id):
        return None
    if settings.ANBUD_FAULT_INJECT_RUN_DELAY:
        # Fault injection for the worker-crash test: keeps a run `running` long enough to kill
        # its worker. Zero (off) unless the environment sets it.
        time.sleep(settings.ANBUD_FAULT_INJECT_RUN_DELAY)
    evaluation = Evaluation.objects.select_related("tender").get(pk=evaluation_id)
    tender = evaluation.tender
    if tender.status not in EVALUABLE:
        _fail(evaluation, "tender_not_evaluable", f"The tender became {tender.effective_status}.")
        return evaluation
    try:
        data = snapshot.build_input_data(tender, lottery_for=evaluation.derived_from)
        Evaluation.objects.filter(pk=evaluation.pk).update(progress=40)
        engine_input = EvaluationInput.model_validate(data)
        result = evaluate(engine_input)
        # Serialise once and hash those bytes (canonical JSON of a large result takes seconds).
        input_bytes, result_bytes = canonical_json(engine_input), canonical_json(result)
    except EngineInputError as exc:
        _fail(evaluation, exc.code, exc.message, exc.details)
        return evaluation
    except ValidationError as exc:
        _fail(evaluation, "invalid_input", str(exc)[:2000])
        return evaluation
    with transaction.atomic():
        stored = Evaluation.objects.filter(
            pk=evaluation.pk, status=Evaluation.Status.RUNNING
        ).update(
            status=Evaluation.Status.DONE,
            progress=100,
            engine_version=ENGINE_VERSION,
            input_json=input_bytes.decode("utf-8"),
            input_sha256=hashlib.sha256(input_bytes).hexdigest(),
            result_json=result_bytes.decode("utf-8"),
            result_sha256=hashlib.sha256(result_bytes).hexdigest(),
            finished_at=timezone.now(),
        )
        if not stored:
            # The sweep failed this run meanwhile (it took too long): nothing is completed.
            evaluation.refresh_from_db()
            return evaluation
        Tender.objects.filter(pk=tender.pk, status=Tender.Status.OPENED).update(
            status=Tender.Status.EVALUATED, version=F("version") + 1
        )
        evaluation.refresh_from_db()
        record(
            action="evaluation.completed",
            actor=None,
            system=f"celery:{task_id}",
            obj=evaluation,
            organization_id=tender.organization_id,
            tender_id=tender.pk,
            data={
                "for_user": evaluation.created_by_id,
                "engine_version": ENGINE_VERSION,
                "input_sha256": evaluation.input_sha256,
                "result_sha256": evaluation.result_sha256,
                "bids": len(engine_input.bids),
            },
        )
    return evaluation


@transaction.atomic
def _fail(evaluation: Evaluation, code: str, message: str, details: dict | None = None) -> None:
    Evaluation.objects.filter(pk=evaluation.pk).exclude(status=Evaluation.Status.DONE).update(
        status=Evaluation.Status.FAILED,
        error={"code": code, "message": message, "details": details or {}},
        finished_at=timezone.now(),
    )
    record(
        action="evaluation.failed",
        actor=None,
        system="evaluation",
        obj=evaluation,
        organization_id=evaluation.tender.organization_id,
        tender_id=evaluation.tender_id,
        data={"code": code, "message": message},
    )


def sweep_stuck_evaluations(*, now=None) -> int:
    """Runs that nobody is working on any more: queue them again, or fail them for good.

    A run whose worker vanished is normally resumed by the broker, which redelivers the
    unacknowledged task after the visibility timeout (the same task id may resume its own run,
    see ``_claim``). A run still ``queued`` or ``running`` well after that lost its message as
    well; it is queued again with the same task id, and after ``MAX_ATTEMPTS`` claims it is
    failed. The engine is deterministic, so a resumed run stores the same hashes.
    """
    now = now or timezone.now()
    stuck = list(
        Evaluation.objects.filter(
            Q(status=Evaluation.Status.RUNNING, started_at__lt=now - STUCK_AFTER)
            | Q(status=Evaluation.Status.QUEUED, created_at__lt=now - STUCK_AFTER)
        ).select_related("tender")
    )
    for evaluation in stuck:
        if evaluation.attempts >= MAX_ATTEMPTS:
            _fail(
                evaluation,
                "stuck",
                f"The run did not finish in {evaluation.attempts} attempts; start a new one.",
            )
        else:
            _requeue(evaluation, now)
    return len(stuck)


@transaction.atomic
def _requeue(evaluation: Evaluation, now) -> None:
    from scoring.tasks import run_evaluation_task  # tasks wrap services

    Evaluation.objects.filter(pk=evaluation.pk).update(started_at=now)
    record(
        action="evaluation.requeued",
        actor=None,
        system="evaluation",
        obj=evaluation,
        organization_id=evaluation.tender.organization_id,
        tender_id=evaluation.tender_id,
        data={"status": evaluation.status, "attempts": evaluation.attempts},
    )
    task_id = evaluation.task_id or None
    transaction.on_commit(
        lambda: run_evaluation_task.apply_async(args=[str(evaluation.pk)], task_id=task_id)
    )


def verify_evaluation(*, evaluation: Evaluation, actor: User) -> dict[str, Any]:
    """Replay the stored input through the engine and compare hashes."""
    if evaluation.status != Evaluation.Status.DONE:
        raise StateConflict(
            f"The evaluation is {evaluation.status}.", current_status=evaluation.status
        )
    stored_input = json.loads(evaluation.input_json)
    engine_input = EvaluationInput.model_validate(stored_input)
    input_sha = sha256_of(engine_input)
    result = evaluate(engine_input)
    result_sha = sha256_of(result)
    outcome = {
        "reproducible": input_sha == evaluation.input_sha256
        and result_sha == evaluation.result_sha256,
        "input_sha256": input_sha,
        "result_sha256": result_sha,
        "stored_input_sha256": evaluation.input_sha256,
        "stored_result_sha256": evaluation.result_sha256,
        "engine_version": ENGINE_VERSION,
        "stored_engine_version": evaluation.engine_version,
    }
    with transaction.atomic():
        record(
            action="evaluation.verified",
            actor=actor,
            obj=evaluation,
            tender_id=evaluation.tender_id,
            data=outcome,
        )
    return outcome


def result_of(evaluation: Evaluation) -> dict[str, Any]:
    return json.loads(evaluation.result_json) if evaluation.result_json else {}


# --- lottery --------------------------------------------------------------------------


@transaction.atomic
def draw_lottery(
    *, evaluation: Evaluation, actor: User, witness: User
) -> tuple[list[LotteryDraw], Evaluation]:
    """Draw by lot the ties the chain left unresolved, with a second officer as witness.

    The seed comes from ``secrets``; seed, witnesses and resulting order are recorded. Since a
    completed evaluation never changes, the draw is applied by a new evaluation run.
    """
    tender = evaluation.tender
    require_role(actor, OFFICER_ROLES, organization_id=tender.organization_id, action="draw lots")
    if (
        witness.pk == actor.pk
        or witness.organization_id != tender.organization_id
        or witness.role not in OFFICER_ROLES
    ):
        raise InvalidInput(
            "The witness must be another officer of your organisation.",
            errors=[
                field_error("/witness", "invalid_witness", "another officer of the organisation")
            ],
        )
    if evaluation.status != Evaluation.Status.DONE:
        raise StateConflict(
            f"The evaluation is {evaluation.status}.", current_status=evaluation.status
        )
    ties = result_of(evaluation).get("unresolved_ties") or []
    if not ties:
        raise StateConflict("This evaluation has no unresolved tie.", code="no_tie")
    if LotteryDraw.objects.filter(evaluation=evaluation).exists():
        raise StateConflict(
            "Lots have already been drawn for this evaluation.", code="already_drawn"
        )
    draws = []
    by_lot: dict[str, list[str]] = {}
    for tie in ties:
        by_lot.setdefault(tie["lot"], []).extend(sorted(tie["bids"]))
    for lot_id, bid_ids in sorted(by_lot.items()):
        seed = secrets.token_hex(16)
        order = sorted(bid_ids)
        random.Random(seed).shuffle(order)  # noqa: S311 - the seed is from secrets and recorded
        draw = LotteryDraw.objects.create(
            evaluation=evaluation,
            lot=Lot.objects.get(pk=lot_id, tender=tender),
            tied_bids=sorted(bid_ids),
            order=order,
            seed=seed,
            drawn_by=actor,
            witness=witness,
        )
        record(
            action="lottery.drawn",
            actor=actor,
            obj=draw,
            object_type="lottery_draw",
            tender_id=tender.pk,
            data={
                "evaluation": evaluation.pk,
                "lot": lot_id,
                "seed": seed,
                "order": order,
                "witnesses": [actor.pk, witness.pk],
            },
        )
        draws.append(draw)
    new = start_evaluation(tender=tender, actor=actor, derived_from=evaluation)
    LotteryDraw.objects.filter(pk__in=[d.pk for d in draws]).update(result_evaluation=new)
    return draws, new


# --- award ----------------------------------------------------------------------------


@transaction.atomic
def award_tender(
    *,
    tender: Tender,
    actor: User,
    evaluation: Evaluation,
    lots: list[dict[str, Any]],
    justification: str,
) -> Award:
    """Name the winning bid(s) per lot from one completed evaluation (``lot`` may be None
    when the tender has one lot). Winners that do not
    follow the evaluation's ranking need a justification of the deviation; the standstill
    period starts (LOU 20 kap.)."""
    require_role(
        actor, OFFICER_ROLES, organization_id=tender.organization_id, action="award tenders"
    )
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != Tender.Status.EVALUATED:
        raise StateConflict(
            f"The tender is {tender.effective_status}; award follows an evaluation.",
            current_status=tender.effective_status,
        )
    if evaluation.tender_id != tender.pk or evaluation.status != Evaluation.Status.DONE:
        raise InvalidInput(
            "Name a completed evaluation of this tender.",
            errors=[
                field_error("/evaluation", "invalid", "not a completed evaluation of this tender")
            ],
        )
    if not (justification or "").strip():
        raise InvalidInput(
            "Give the justification of the decision.",
            errors=[field_error("/justification", "required", "required")],
        )
    result = result_of(evaluation)
    ranked = {
        lot["lot"]: [b for b in lot["bids"] if b["qualified"]] for lot in result.get("lots", [])
    }
    qualified_ids = {lot: {b["bid"] for b in bids} for lot, bids in ranked.items()}
    errors, decided, deviates = [], [], False
    seen_lots = set()
    for i, item in enumerate(lots):
        lot_id, bids = item.get("lot"), [str(b) for b in item.get("bids") or []]
        if lot_id is None:  # a one-lot tender may leave the lot out
            if len(ranked) != 1:
                errors.append(
                    field_error(
                        f"/lots/{i}/lot", "required", "the tender has several lots: name the lot"
                    )
                )
                continue
            (lot_id,) = ranked
        lot_id = str(lot_id)
        if lot_id not in ranked:
            errors.append(
                field_error(f"/lots/{i}/lot", "unknown_lot", "not a lot of this evaluation")
            )
            continue
        if lot_id in seen_lots:
            errors.append(field_error(f"/lots/{i}/lot", "duplicate", "named twice"))
            continue
        seen_lots.add(lot_id)
        if not bids:
            errors.append(field_error(f"/lots/{i}/bids", "required", "name at least one bid"))
            continue
        bad = [b for b in bids if b not in qualified_ids[lot_id]]
        if bad:
            errors.append(
                field_error(
                    f"/lots/{i}/bids",
                    "not_qualified",
                    f"not qualified in this evaluation: {', '.join(bad)}",
                )
            )
            continue
        top = [b["bid"] for b in sorted(ranked[lot_id], key=lambda b: b["rank"] or 10**9)][
            : len(bids)
        ]
        follows = sorted(top) == sorted(bids) and all(
            b["rank"] is not None for b in ranked[lot_id] if b["bid"] in bids
        )
        deviates = deviates or not follows
        decided.append({"lot": lot_id, "bids": bids, "follows_ranking": follows})
    if errors:
        raise InvalidInput(
            "The award does not fit the evaluation.", code="invalid_award", errors=errors
        )
    if deviates and len(justification.strip()) < 40:
        raise InvalidInput(
            "The award deviates from the evaluation's ranking: explain why in the justification (at least 40 characters).",
            code="deviation_needs_justification",
            errors=[
                field_error("/justification", "too_short", "explain the deviation from the ranking")
            ],
        )
    now = timezone.now()
    award = Award.objects.create(
        tender=tender,
        evaluation=evaluation,
        lots=decided,
        justification=justification.strip(),
        deviates_from_ranking=deviates,
        decided_by=actor,
        decided_at=now,
        standstill_ends_at=now + dt.timedelta(days=STANDSTILL_DAYS),
    )
    tender.status = Tender.Status.AWARDED
    tender.version += 1
    tender.save(update_fields=["status", "version", "updated_at"])
    record(
        action="tender.awarded",
        actor=actor,
        obj=tender,
        tender_id=tender.pk,
        data={
            "evaluation": evaluation.pk,
            "result_sha256": evaluation.result_sha256,
            "lots": decided,
            "deviates_from_ranking": deviates,
            "standstill_ends_at": award.standstill_ends_at,
        },
    )
    return award


def supplier_view(*, bid: Bid) -> dict[str, Any]:
    """After award: the supplier's own result, and the winner's total and category profile."""
    award = Award.objects.filter(tender_id=bid.tender_id).select_related("evaluation").first()
    if award is None:
        raise StateConflict(
            "The tender has not been awarded yet; results are secret until the award decision.",
            code="not_awarded",
        )
    result = result_of(award.evaluation)
    lot_result = next(
        (lot for lot in result.get("lots", []) if lot["lot"] == str(bid.lot_id)), None
    )
    own = next((b for b in (lot_result or {}).get("bids", []) if b["bid"] == str(bid.pk)), None)
    winners = next((item["bids"] for item in award.lots if item["lot"] == str(bid.lot_id)), [])
    winner_results = [
        {
            k: b.get(k)
            for k in ("total_score", "comparison_price", "rank", "categories", "categories_unit")
        }
        for b in (lot_result or {}).get("bids", [])
        if b["bid"] in winners
    ]
    return {
        "bid": str(bid.pk),
        "evaluation": str(award.evaluation_id),
        "method": result.get("method"),
        "awarded": str(bid.pk) in winners,
        "own": own,
        "winners": winner_results,
        "decided_at": award.decided_at,
        "standstill_ends_at": award.standstill_ends_at,
    }


# --- simulation -----------------------------------------------------------------------


@transaction.atomic
def simulate(
    *,
    tender: Tender,
    actor: User,
    bids: list[dict[str, Any]],
    scores: list[dict[str, Any]] | None = None,
) -> Simulation:
    """Run the tender's (draft or frozen) configuration against fictitious bids.

    Nothing real is read or written: only the configuration and the typed-in bids.
    """
    require_role(
        actor, OFFICER_ROLES, organization_id=tender.organization_id, action="run simulations"
    )
    lots = list(tender.lots.all().order_by("number"))
    lot_by_number = {lot.number: lot for lot in lots}
    criteria = list(TenderCriterion.objects.filter(tender=tender).order_by("position", "code"))
    by_code = {tc.code: tc for tc in criteria}
    errors = []
    engine_bids = []
    for i, item in enumerate(bids):
        lot = lot_by_number.get(item.get("lot", 1))
        if lot is None:
            errors.append(field_error(f"/bids/{i}/lot", "unknown_lot", "no such lot number"))
            continue
        responses = {}
        for code, value in (item.get("responses") or {}).items():
            if code not in by_code:
                errors.append(
                    field_error(
                        f"/bids/{i}/responses/{code}",
                        "unknown_criterion",
                        "no criterion with this code",
                    )
                )
                continue
            responses[str(by_code[code].pk)] = value
        engine_bids.append(
            {
                "id": f"sim-{i + 1}",
                "lot": str(lot.pk),
                "supplier": {
                    "id": f"sim-supplier-{i + 1}",
                    "name": item.get("name") or f"Bid {i + 1}",
                    "profile": item.get("profile") or {},
                },
                "price": item.get("price"),
                "submitted_at": item.get("submitted_at") or f"2000-01-01T00:00:{i % 60:02d}Z",
                **({"cost": item["cost"]} if item.get("cost") else {}),
                "responses": responses,
            }
        )
    if errors:
        raise InvalidInput("Some fictitious bids do not fit the tender.", errors=errors)
    consensus = []
    for i, item in enumerate(scores or []):
        tc = by_code.get(item.get("code"))
        if tc is None:
            raise InvalidInput(
                "Unknown criterion code.",
                errors=[
                    field_error(
                        f"/scores/{i}/code", "unknown_criterion", "no criterion with this code"
                    )
                ],
            )
        consensus.append(
            {
                "bid": f"sim-{item.get('bid')}",
                "criterion": str(tc.pk),
                "score": item.get("score"),
                "justification": "simulation",
            }
        )
    data = {
        "currency": tender.currency,
        "method": snapshot.method_config(tender),
        "lots": [{"id": str(lot.pk), "number": lot.number, "title": lot.title} for lot in lots],
        "criteria": [snapshot.criterion_input(tc) for tc in criteria],
        "bids": engine_bids,
        "consensus": consensus,
    }
    if (tender.evaluation or {}).get("aggregation", "consensus") != "consensus":
        data["method"]["aggregation"] = "consensus"
    try:
        engine_input = EvaluationInput.model_validate(data)
        result = evaluate(engine_input)
    except ValidationError as exc:
        raise InvalidInput(
            "The simulation input is invalid.",
            code="invalid_simulation",
            errors=[
                field_error("/" + "/".join(str(p) for p in e["loc"]), e["type"], e["msg"])
                for e in exc.errors()
            ],
        ) from exc
    except EngineInputError as exc:
        raise InvalidInput(exc.message, code=exc.code, errors=[], details=exc.details) from exc
    simulation = Simulation.objects.create(
        tender=tender,
        input_json=canonical_json(engine_input).decode("utf-8"),
        result_json=canonical_json(result).decode("utf-8"),
        created_by=actor,
    )
    record(
        action="simulation.run",
        actor=actor,
        obj=simulation,
        tender_id=tender.pk,
        data={"bids": len(engine_bids)},
    )
    return simulation
