"""Evaluation runs: queue, claim, run the engine, store, resume or fail, verify. Every state change
is audited in its transaction."""

import datetime as dt
import hashlib
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as KombuOperationalError
from pydantic import ValidationError
from redis.exceptions import RedisError

from audit.services import record
from procurement import policy
from procurement.errors import StateConflict, evaluation_status, tender_status
from procurement.models import Tender, User
from procurement.policy import Action
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
    Evaluation,
)
from scoring.selectors import missing_items

# The broker redelivers a run whose worker vanished after its visibility timeout; a run still
# unfinished two minutes after that lost its message too (e.g. a broker restart).
STUCK_AFTER = dt.timedelta(
    seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 120
)


MAX_ATTEMPTS = 3
logger = logging.getLogger("anbud.outage")


@transaction.atomic
def start_evaluation(
    *, tender: Tender, actor: User, derived_from: Evaluation | None = None
) -> Evaluation:
    """Queue a scoring run of an opened tender. 409 lists every missing item at once.

    The task is queued after the commit (never inside the open transaction), so a worker
    never looks for a row that does not exist yet.
    """
    policy.require(actor, Action.EVALUATION_RUN, organization_id=tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if not policy.in_state(Action.EVALUATION_RUN, tender):
        raise StateConflict(
            _("The tender is %(status)s; evaluations run on opened tenders.")
            % {"status": tender_status(tender.effective_status)},
            current_status=tender.effective_status,
        )
    missing = missing_items(tender)
    if missing:
        raise StateConflict(
            ngettext(
                "The evaluation cannot run: %(count)d item is missing.",
                "The evaluation cannot run: %(count)d items are missing.",
                len(missing),
            )
            % {"count": len(missing)},
            code="evaluation_inputs_missing",
            current_status=tender.effective_status,
            missing=missing,
        )
    evaluation = Evaluation.objects.create(
        tender=tender,
        method=(tender.evaluation or {}).get("method", "lowest_price"),
        created_by=actor,
        derived_from=derived_from,
        updated_at=timezone.now(),
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
    evaluation_id = str(evaluation.pk)
    transaction.on_commit(lambda: _dispatch(evaluation_id))
    return evaluation


def _dispatch(evaluation_id: str, task_id: str | None = None) -> None:
    """Hand a committed run to the broker. While the broker cannot be reached the run stays
    queued, as recorded: the request that started it is answered (202) all the same, and beat
    queues it again (``sweep_stuck_evaluations``) once it has waited ``STUCK_AFTER``. Never a
    500 for a change that was committed (docs/adr/0005-side-effects-after-commit.md)."""
    from scoring.tasks import run_evaluation_task  # noqa: PLC0415 - tasks import the services

    try:
        run_evaluation_task.apply_async(args=[evaluation_id], task_id=task_id)
    except (KombuOperationalError, RedisError, OSError) as exc:
        logger.warning(
            "broker unavailable: evaluation %s stays queued until beat queues it again: %s",
            evaluation_id,
            exc,
        )


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
            updated_at=timezone.now(),
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
    if not policy.in_state(Action.EVALUATION_RUN, tender):
        _fail(evaluation, "tender_not_evaluable", f"The tender became {tender.effective_status}.")
        return evaluation
    try:
        data = snapshot.build_input_data(tender, lottery_for=evaluation.derived_from)
        Evaluation.objects.filter(pk=evaluation.pk).update(progress=40, updated_at=timezone.now())
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
            updated_at=timezone.now(),
        )
        if not stored:
            # The sweep failed this run meanwhile (it took too long): nothing is completed.
            evaluation.refresh_from_db()
            return evaluation
        Tender.objects.filter(pk=tender.pk, status=Tender.Status.OPENED).update(
            status=Tender.Status.EVALUATED, version=F("version") + 1, updated_at=timezone.now()
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
        updated_at=timezone.now(),
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
    Evaluation.objects.filter(pk=evaluation.pk).update(started_at=now, updated_at=now)
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
    transaction.on_commit(lambda: _dispatch(str(evaluation.pk), task_id))


def verify_evaluation(*, evaluation: Evaluation, actor: User) -> dict[str, Any]:
    """Replay the stored input through the engine and compare hashes."""
    if evaluation.status != Evaluation.Status.DONE:
        raise StateConflict(
            _("The evaluation is %(status)s.") % {"status": evaluation_status(evaluation.status)},
            current_status=evaluation.status,
        )
    stored_input = json.loads(evaluation.input_json)
    engine_input = EvaluationInput.model_validate(stored_input)
    input_sha = sha256_of(engine_input)
    # Replayed with the rules of the engine version that made it (an older version's
    # evaluation stays reproducible after the engine changes).
    result = evaluate(engine_input, version=evaluation.engine_version or ENGINE_VERSION)
    result_sha = sha256_of(result)
    outcome = {
        "reproducible": input_sha == evaluation.input_sha256
        and result_sha == evaluation.result_sha256,
        "input_sha256": input_sha,
        "result_sha256": result_sha,
        "stored_input_sha256": evaluation.input_sha256,
        "stored_result_sha256": evaluation.result_sha256,
        "engine_version": result.engine_version,
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
