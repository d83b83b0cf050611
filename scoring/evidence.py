"""The evidence package of an evaluation: a ZIP case file an auditor or a court can check.

It holds the evaluation's input and result exactly as stored, with their SHA-256 and the
engine version, the opening protocol, conflict declarations, every evaluator's score history,
consensus justifications, lottery draws, the award, and the tender's audit events (JSONL,
verifiable offline with ``python -m audit.verify``), plus a README in Swedish and English.
"""

import hashlib
import io
import json
import zipfile
from typing import Any

from django.db import transaction
from django.db.models import Max, Min

from audit.chain import to_json_value
from audit.exports import jsonl_chunks
from audit.models import AuditEvent
from audit.services import record
from procurement.models import User
from scoring.models import (
    Award,
    ConflictDeclaration,
    ConsensusScore,
    Evaluation,
    EvaluatorScore,
    LotteryDraw,
)

README = """ANBUD EVIDENCE PACKAGE / BEVISPAKET

Tender / Upphandling: {reference} ({tender})
Evaluation / Utvärdering: {evaluation}
Engine version / Motorversion: {engine_version}

--- English ---
input.json is the exact snapshot the scoring engine received; result.json is what it returned.
SHA256SUMS lists the SHA-256 of every file in this package. To check the evaluation:
 1. `sha256sum -c SHA256SUMS` must report OK for every file.
 2. The SHA-256 of input.json and result.json must equal input_sha256 and result_sha256 in
    evaluation.json, and the ones in the audit event "evaluation.completed" in audit_events.jsonl.
 3. Replaying input.json through Anbud's engine of the same version gives result.json byte for
    byte (POST /api/v1/evaluations/{evaluation}/verify/ does this on the server).
 4. `python -m audit.verify audit_events.jsonl --segment` checks the hash links of the events:
    the stretch of the organisation's chain from the tender's first to its last event (other
    tenders' events in between are included so that no link is missing); milestone events
    carry the chain head at publishing, opening, each evaluation and the award.
opening_protocol.json lists the bids as opened by two officers; conflict_declarations.json,
evaluator_scores.json (every version, with times), consensus.json (with justifications),
lottery_draws.json (seed, witnesses, order) and award.json complete the case file.

--- Svenska ---
input.json är exakt det underlag utvärderingsmotorn fick; result.json är vad den svarade.
SHA256SUMS anger SHA-256 för varje fil i paketet. Så kontrollerar du utvärderingen:
 1. `sha256sum -c SHA256SUMS` ska svara OK för varje fil.
 2. SHA-256 för input.json och result.json ska vara lika med input_sha256 och result_sha256 i
    evaluation.json och i händelsen "evaluation.completed" i audit_events.jsonl.
 3. Körs input.json genom Anbuds motor av samma version blir resultatet byte för byte
    result.json (POST /api/v1/evaluations/{evaluation}/verify/ gör det på servern).
 4. `python -m audit.verify audit_events.jsonl --segment` kontrollerar händelsernas hashkedja:
    avsnittet av organisationens kedja från upphandlingens första till sista händelse (andra
    upphandlingars händelser däremellan ingår så att ingen länk saknas); milstolpshändelserna
    bär kedjans huvud vid publicering, öppning, varje utvärdering och tilldelning.
opening_protocol.json listar anbuden som de öppnades av två handläggare; conflict_declarations.json,
evaluator_scores.json (varje version, med tider), consensus.json (med motiveringar),
lottery_draws.json (frö, vittnen, ordning) och award.json fullständigar akten.
"""


def _dump(data: Any) -> bytes:
    return json.dumps(to_json_value(data), ensure_ascii=False, indent=2, sort_keys=True).encode(
        "utf-8"
    )


def evidence_zip(*, evaluation: Evaluation, actor: User) -> bytes:
    """Build the package and record that it was exported (audited)."""
    tender = evaluation.tender
    names = {u.pk: u.username for u in User.objects.filter(organization_id=tender.organization_id)}
    files: dict[str, bytes] = {
        "evaluation.json": _dump(
            {
                "id": evaluation.pk,
                "tender": tender.pk,
                "reference": tender.reference,
                "status": evaluation.status,
                "method": evaluation.method,
                "engine_version": evaluation.engine_version,
                "input_sha256": evaluation.input_sha256,
                "result_sha256": evaluation.result_sha256,
                "derived_from": evaluation.derived_from_id,
                "created_by": names.get(evaluation.created_by_id, str(evaluation.created_by_id)),
                "created_at": evaluation.created_at,
                "finished_at": evaluation.finished_at,
            }
        ),
        "input.json": evaluation.input_json.encode("utf-8"),
        "result.json": evaluation.result_json.encode("utf-8"),
        "opening_protocol.json": _dump(tender.opening_protocol),
        "conflict_declarations.json": _dump(
            [
                {
                    "evaluator": names.get(d.evaluator_id, str(d.evaluator_id)),
                    "has_conflict": d.has_conflict,
                    "statement": d.statement,
                    "declared_at": d.declared_at,
                    "measure": d.measure,
                    "measure_by": names.get(d.measure_by_id) if d.measure_by_id else None,
                    "measure_at": d.measure_at,
                }
                for d in ConflictDeclaration.objects.filter(tender=tender).order_by("declared_at")
            ]
        ),
        "evaluator_scores.json": _dump(
            [
                {
                    "evaluator": names.get(s.evaluator_id, str(s.evaluator_id)),
                    "bid": s.bid_id,
                    "tender_criterion": s.tender_criterion_id,
                    "score": s.score,
                    "comment": s.comment,
                    "version": s.version,
                    "current": s.is_current,
                    "at": s.created_at,
                }
                for s in EvaluatorScore.objects.filter(tender=tender).order_by("created_at", "id")
            ]
        ),
        "consensus.json": _dump(
            [
                {
                    "bid": c.bid_id,
                    "tender_criterion": c.tender_criterion_id,
                    "score": c.score,
                    "justification": c.justification,
                    "set_by": names.get(c.set_by_id, str(c.set_by_id)),
                    "version": c.version,
                    "current": c.is_current,
                    "at": c.created_at,
                }
                for c in ConsensusScore.objects.filter(tender=tender).order_by("created_at", "id")
            ]
        ),
        "lottery_draws.json": _dump(
            [
                {
                    "evaluation": d.evaluation_id,
                    "lot": d.lot_id,
                    "tied_bids": d.tied_bids,
                    "order": d.order,
                    "seed": d.seed,
                    "drawn_by": names.get(d.drawn_by_id),
                    "witness": names.get(d.witness_id),
                    "drawn_at": d.drawn_at,
                    "applied_in": d.result_evaluation_id,
                }
                for d in LotteryDraw.objects.filter(evaluation__tender=tender).order_by("drawn_at")
            ]
        ),
    }
    award = Award.objects.filter(tender=tender).first()
    files["award.json"] = _dump(
        None
        if award is None
        else {
            "evaluation": award.evaluation_id,
            "lots": award.lots,
            "justification": award.justification,
            "deviates_from_ranking": award.deviates_from_ranking,
            "decided_by": names.get(award.decided_by_id),
            "decided_at": award.decided_at,
            "standstill_ends_at": award.standstill_ends_at,
        }
    )
    with transaction.atomic():
        record(
            action="evaluation.evidence_exported",
            actor=actor,
            obj=evaluation,
            tender_id=tender.pk,
            data={
                "input_sha256": evaluation.input_sha256,
                "result_sha256": evaluation.result_sha256,
            },
        )
    # The contiguous stretch of the organisation's chain from the tender's first to its last
    # event, so the hash links can be checked offline (other tenders' events in between stay).
    chain = str(tender.organization_id)
    span = AuditEvent.objects.filter(chain=chain, tender_id=tender.pk).aggregate(
        first=Min("sequence"), last=Max("sequence")
    )
    events = AuditEvent.objects.filter(
        chain=chain, sequence__gte=span["first"] or 0, sequence__lte=span["last"] or 0
    ).order_by("sequence")
    files["audit_events.jsonl"] = "".join(jsonl_chunks(events)).encode("utf-8")
    files["README.txt"] = README.format(
        reference=tender.reference,
        tender=tender.pk,
        evaluation=evaluation.pk,
        engine_version=evaluation.engine_version,
    ).encode("utf-8")
    sums = "".join(
        f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, body in sorted(files.items())
    )
    files["SHA256SUMS"] = sums.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            info = zipfile.ZipInfo(
                f"evidence-{tender.reference}-{str(evaluation.pk)[:8]}/{name}",
                date_time=(2000, 1, 1, 0, 0, 0),
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return buffer.getvalue()
