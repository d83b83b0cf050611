"""Every change of the contract follow-up: signing, the commitments' schedules, checks, their
answers and reviews, deviations and their close. Each runs in a transaction and is audited on
the buyer's chain (the events ``contract.signed``, ``contract.check_requested``,
``contract.check_overdue``, ``contract.deviation_opened`` and ``contract.deviation_closed`` are
also webhook events: the audit trail is the outbox, ADR 0005)."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from contracts import schedule, selectors
from contracts.models import (
    Check,
    CheckDocument,
    Commitment,
    Contract,
    Deviation,
    Verification,
)
from criteria.models import Kind, Source, TenderCriterion
from criteria.rules import answer_error
from procurement import policy
from procurement.errors import InvalidInput, StateConflict, field_error
from procurement.models import Lot, Tender, User
from procurement.policy import Action
from procurement.services.common import check_version
from procurement.uploads import check_upload
from scoring.models import Award, AwardedBid
from scoring.selectors import result_of

MAX_TEXT = 5000

# Words in a criterion's own verification text that say how it is verified (sv and en).
_VERIFICATION_WORDS = (
    (Verification.AUDIT, re.compile(r"audit|revision|granskning|inspekt", re.IGNORECASE)),
    (Verification.SAMPLE, re.compile(r"sample|stickprov|provtagning|analys", re.IGNORECASE)),
    (
        Verification.DOCUMENTS,
        re.compile(
            r"certif|document|dokument|intyg|statement|report|rapport|label|märk|licens|"
            r"licence|license|invoice|faktura|evidence|bevis",
            re.IGNORECASE,
        ),
    ),
    (
        Verification.SELF_DECLARATION,
        re.compile(r"self|egen|försäkran|declar", re.IGNORECASE),
    ),
)


def default_verification(text: str) -> str:
    """How a commitment is verified by default: what the criterion's own verification text
    names (an audit, a sample, documents, a self-declaration), else a self-declaration."""
    for verification, words in _VERIFICATION_WORDS:
        if text and words.search(text):
            return verification
    return Verification.SELF_DECLARATION


def _bad(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[field_error(field, code, message)])


OBJECT_TYPES = {
    Contract: "contract",
    Commitment: "commitment",
    Check: "check",
    CheckDocument: "check_document",
    Deviation: "deviation",
}


def _record(action: str, *, actor: User | None, obj: Any, contract: Contract, **data: Any):
    return record(
        action=action,
        actor=actor,
        obj=obj,
        object_type=OBJECT_TYPES[type(obj)],
        organization_id=contract.organization_id,
        tender_id=contract.tender_id,
        system="" if actor is not None else "contracts.follow_up",
        data={"contract": contract.pk, **data},
    )


# --- signing --------------------------------------------------------------------------------


def _winner(tender: Tender, lot: Lot | None) -> tuple[Award, AwardedBid]:
    award = Award.objects.filter(tender=tender).select_related("evaluation").first()
    if award is None:
        raise StateConflict(
            _("The tender has not been awarded; a contract follows the award."),
            code="not_awarded",
            current_status=tender.effective_status,
        )
    winners = AwardedBid.objects.filter(award=award).select_related("bid", "lot")
    if lot is None:
        lots = {w.lot_id for w in winners}
        if len(lots) != 1 or tender.lots.count() != 1:
            raise _bad("/lot", "required", _("The tender has several lots: name the lot."))
        lot = winners[0].lot
    # Several winners of one lot (a ranked framework): the contract is the first named.
    chosen = None
    for item in award.lots:
        if item["lot"] == str(lot.pk) and item.get("bids"):
            chosen = next((w for w in winners if str(w.bid_id) == item["bids"][0]), None)
            break
    if chosen is None:
        raise StateConflict(
            _("Lot %(number)s has no award; a contract follows the award of its lot.")
            % {"number": lot.number},
            code="lot_not_awarded",
        )
    return award, chosen


def _bids_in_lot(award: Award, lot_id: Any) -> int:
    lots = result_of(award.evaluation).get("lots", [])
    return next((len(lot.get("bids", [])) for lot in lots if lot.get("lot") == str(lot_id)), 0)


def _check_dates(
    *, signed_on: dt.date, starts_on: dt.date, ends_on: dt.date, award: Award, now: dt.datetime
) -> None:
    errors = []
    if ends_on < starts_on:
        errors.append(
            field_error("/ends_on", "before_start", _("The contract ends before it starts."))
        )
    if signed_on > ends_on:
        errors.append(
            field_error("/signed_on", "after_end", _("The contract is signed after it ends."))
        )
    if signed_on > schedule.today(now):
        errors.append(
            field_error("/signed_on", "in_future", _("Record a contract once it is signed."))
        )
    if signed_on < schedule.today(award.decided_at):
        errors.append(
            field_error(
                "/signed_on",
                "before_award",
                _("The contract is signed before the award decision."),
            )
        )
    if errors:
        raise InvalidInput(_("The contract's dates do not fit."), errors=errors)


def _commitments_of(tender: Tender, lot: Lot, award: Award, bid_id: Any) -> list[dict[str, Any]]:
    """Every requirement and contract condition of the lot, and every award criterion on which
    the winning bid earned points, with the bid's answer as the promise (from the evaluation
    the award refers to)."""
    result = result_of(award.evaluation)
    scored: dict[str, dict[str, Any]] = {}
    for lot_result in result.get("lots", []):
        for bid in lot_result.get("bids", []):
            if bid.get("bid") == str(bid_id):
                scored = {c["criterion"]: c for c in bid.get("criteria", [])}
    answers = {
        str(tc_id): value
        for tc_id, value in tender.bids.get(pk=bid_id).responses.values_list(
            "tender_criterion_id", "value"
        )
    }
    found = []
    criteria = TenderCriterion.objects.filter(tender=tender).filter(
        Q(lot__isnull=True) | Q(lot=lot)
    )
    for tc in criteria.order_by("position", "code"):
        key = str(tc.pk)
        if tc.kind == Kind.AWARD:
            fulfilment = (scored.get(key) or {}).get("fulfilment")
            if fulfilment is None or Decimal(str(fulfilment)) <= 0:
                continue
        elif tc.kind not in (Kind.REQUIREMENT, Kind.CONTRACT_CONDITION):
            continue
        promised = answers.get(key)
        if promised is None and key in scored:
            promised = scored[key].get("value")
        found.append(
            {
                "tender_criterion": tc,
                "code": tc.code,
                "title_sv": tc.title,
                "title_en": tc.title_en,
                "category": tc.category,
                "kind": tc.kind,
                "rule": tc.rule,
                "unit": tc.unit,
                "source": tc.source,
                "promised": promised,
                "verification": default_verification(
                    " ".join(filter(None, (tc.verification, tc.verification_en)))
                ),
                "position": tc.position,
            }
        )
    return found


@transaction.atomic
def sign_contract(
    *,
    tender: Tender,
    actor: User,
    lot: Lot | None,
    reference: str,
    signed_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date,
    value_amount: Decimal,
    value_currency: str,
) -> Contract:
    """Record the contract signed with the winner of an awarded lot, and freeze its
    commitments. Not before the standstill period has ended (LOU 20 kap. 1 §), unless the lot
    had a single bid (then no other supplier is concerned, LOU 20 kap. 3 §); one contract per
    lot. Each commitment's first check is scheduled and, when due within 30 days, requested at
    once."""
    policy.require(actor, Action.CONTRACT_MANAGE, organization_id=tender.organization_id)
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if lot is not None and lot.tender_id != tender.pk:
        raise _bad("/lot", "invalid", _("Not a lot of this tender."))
    now = timezone.now()
    award, winner = _winner(tender, lot)
    lot = winner.lot
    if Contract.objects.filter(lot=lot).exists():
        raise StateConflict(
            _("Lot %(number)s already has a contract.") % {"number": lot.number},
            code="already_signed",
        )
    bids_in_lot = _bids_in_lot(award, lot.pk)
    if now < award.standstill_ends_at and bids_in_lot > 1:
        raise StateConflict(
            _("The standstill period ends at %(moment)s; sign the contract after it.")
            % {"moment": award.standstill_ends_at.astimezone(dt.UTC).isoformat()},
            code="standstill",
            standstill_ends_at=award.standstill_ends_at,
        )
    if not (reference or "").strip():
        raise _bad("/reference", "required", _("Give the contract's reference."))
    _check_dates(signed_on=signed_on, starts_on=starts_on, ends_on=ends_on, award=award, now=now)
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                organization_id=tender.organization_id,
                tender=tender,
                lot=lot,
                bid=winner.bid,
                supplier_id=winner.bid.supplier_id,
                reference=reference.strip(),
                signed_on=signed_on,
                starts_on=starts_on,
                ends_on=ends_on,
                value_amount=value_amount,
                value_currency=value_currency,
                created_by=actor,
            )
    except IntegrityError as exc:  # a concurrent signing of the same lot
        raise StateConflict(
            _("Lot %(number)s already has a contract.") % {"number": lot.number},
            code="already_signed",
        ) from exc
    first_due = schedule.default_first_due(starts_on, ends_on, now)
    commitments = Commitment.objects.bulk_create(
        Commitment(contract=contract, next_due_on=first_due, **fields)
        for fields in _commitments_of(tender, lot, award, winner.bid_id)
    )
    _record(
        "contract.signed",
        actor=actor,
        obj=contract,
        contract=contract,
        reference=contract.reference,
        lot=lot.pk,
        bid=winner.bid_id,
        supplier=contract.supplier_id,
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        value={"amount": str(value_amount), "currency": value_currency},
        commitments=len(commitments),
        single_bid=bids_in_lot == 1,
    )
    for commitment in commitments:
        _lay_out(commitment, contract, actor=actor, now=now)
    return contract


# --- schedules ------------------------------------------------------------------------------


def _request_text(commitment: Commitment) -> str:
    return _("Show that %(code)s (%(title)s) is kept: %(verification)s.") % {
        "code": commitment.code,
        "title": commitment.title_sv,
        "verification": Verification(commitment.verification).label,
    }


def _announce(check: Check, contract: Contract, *, actor: User | None, now: dt.datetime) -> bool:
    """Record that the supplier is asked, once (a conditional update: a second caller, e.g.
    the periodic task beside a request, records nothing)."""
    if Check.objects.filter(pk=check.pk, request_recorded_at__isnull=True).update(
        request_recorded_at=now
    ):
        check.request_recorded_at = now
        _record(
            "contract.check_requested",
            actor=actor,
            obj=check,
            contract=contract,
            check=check.pk,
            commitment=check.commitment_id,
            due_on=check.due_on,
            requested_at=check.requested_at,
            scheduled=check.scheduled,
        )
        return True
    return False


def _lay_out(
    commitment: Commitment, contract: Contract, *, actor: User | None, now: dt.datetime
) -> list[Check]:
    """The commitment's scheduled checks from ``next_due_on``: those not yet requested (and
    not answered) are replaced; those already requested stay. The ones due within 30 days are
    requested at once."""
    Check.objects.filter(
        commitment=commitment,
        scheduled=True,
        requested_at__gt=now,
        submitted_at__isnull=True,
        outcome="",
    ).delete()
    kept = set(Check.objects.filter(commitment=commitment).values_list("due_on", flat=True))
    today = schedule.today(now)
    dates = [
        day
        for day in schedule.due_dates(
            commitment.next_due_on, commitment.every_months, contract.ends_on
        )
        if day >= today and day not in kept
    ]
    checks = Check.objects.bulk_create(
        Check(
            contract=contract,
            commitment=commitment,
            due_on=day,
            request=_request_text(commitment),
            requested_at=schedule.requested_at(day, now),
            scheduled=True,
            created_by=actor,
        )
        for day in dates
    )
    for check in checks:
        if check.requested_at <= now:
            _announce(check, contract, actor=actor, now=now)
    return checks


def _contract_for_change(contract_id: Any) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract_id)


def _require_active(contract: Contract, now: dt.datetime) -> None:
    if contract.status == Contract.Status.TERMINATED:
        raise StateConflict(
            _("The contract was terminated."),
            code="contract_terminated",
            current_status=Contract.Status.TERMINATED,
        )


COMMITMENT_FIELDS = ("verification", "every_months", "next_due_on")


@transaction.atomic
def update_commitment(
    *,
    commitment: Commitment,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Commitment:
    """Change how and when a commitment is checked; a new date or interval lays out its
    schedule again (checks already requested stay). The next due date lies within the
    contract and not before today."""
    contract = _contract_for_change(commitment.contract_id)
    policy.require(actor, Action.CONTRACT_MANAGE, contract)
    _require_active(contract, timezone.now())
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    check_version(commitment, expected_version)
    now = timezone.now()
    changes = {k: v for k, v in changes.items() if k in COMMITMENT_FIELDS}
    errors = []
    if "verification" in changes and changes["verification"] not in Verification.values:
        errors.append(
            field_error(
                "/verification",
                "invalid_choice",
                _("Use one of: %(choices)s.") % {"choices": ", ".join(Verification.values)},
            )
        )
    every = changes.get("every_months", commitment.every_months)
    if every is not None and not (1 <= every <= 120):
        errors.append(
            field_error("/every_months", "out_of_range", _("Between 1 and 120 months, or null."))
        )
    if changes.get("next_due_on") is not None:
        day = changes["next_due_on"]
        if day < contract.starts_on or day > contract.ends_on:
            errors.append(
                field_error(
                    "/next_due_on",
                    "outside_contract",
                    _("A date within the contract (%(start)s to %(end)s).")
                    % {"start": contract.starts_on, "end": contract.ends_on},
                )
            )
        elif day < schedule.today(now):
            errors.append(field_error("/next_due_on", "in_past", _("A date from today on.")))
    if errors:
        raise InvalidInput(_("The commitment's schedule is not valid."), errors=errors)
    diff = {k: v for k, v in changes.items() if getattr(commitment, k) != v}
    if not diff:
        return commitment
    before = {k: getattr(commitment, k) for k in diff}
    for name, value in diff.items():
        setattr(commitment, name, value)
    commitment.version += 1
    commitment.save()
    _record(
        "contract.commitment_changed",
        actor=actor,
        obj=commitment,
        contract=contract,
        commitment=commitment.pk,
        code=commitment.code,
        before=before,
        after=diff,
    )
    if {"every_months", "next_due_on"} & set(diff):
        _lay_out(commitment, contract, actor=actor, now=now)
    elif "verification" in diff:
        Check.objects.filter(commitment=commitment, scheduled=True, requested_at__gt=now).update(
            request=_request_text(commitment)
        )
    return commitment


# --- checks ---------------------------------------------------------------------------------


@transaction.atomic
def add_check(
    *, contract: Contract, actor: User, commitment: Commitment, due_on: dt.date, request: str
) -> Check:
    """An officer asks for a check at any time (e.g. an unannounced sample): requested at
    once, due within the contract."""
    contract = _contract_for_change(contract.pk)
    policy.require(actor, Action.CONTRACT_MANAGE, contract)
    now = timezone.now()
    if commitment.contract_id != contract.pk:
        raise _bad("/commitment", "invalid", _("Not a commitment of this contract."))
    _require_active(contract, now)
    if due_on < contract.starts_on:
        raise _bad("/due_on", "before_start", _("The check is due before the contract starts."))
    if due_on > contract.ends_on:
        raise _bad("/due_on", "after_end", _("The check is due after the contract ends."))
    text = (request or "").strip()
    if not text:
        raise _bad("/request", "required", _("Say what the supplier should show."))
    if len(text) > MAX_TEXT:
        raise _bad("/request", "too_long", _("At most 5000 characters."))
    check = Check.objects.create(
        contract=contract,
        commitment=commitment,
        due_on=due_on,
        request=text,
        requested_at=now,
        scheduled=False,
        created_by=actor,
    )
    _record(
        "contract.check_added",
        actor=actor,
        obj=check,
        contract=contract,
        check=check.pk,
        commitment=commitment.pk,
        due_on=due_on,
    )
    _announce(check, contract, actor=actor, now=now)
    return check


def _check_for_change(check: Check) -> tuple[Check, Contract]:
    contract = _contract_for_change(check.contract_id)
    return Check.objects.select_for_update().select_related("commitment").get(pk=check.pk), contract


def _require_open(check: Check, now: dt.datetime) -> None:
    if check.requested_at > now:
        raise StateConflict(_("The check has not been requested yet."), code="not_requested")
    if check.outcome:
        raise StateConflict(
            _("The check was reviewed (%(outcome)s); it can no longer change.")
            % {"outcome": Check.Outcome(check.outcome).label},
            code="already_reviewed",
            current_status=check.outcome,
        )


@transaction.atomic
def answer_check(*, check: Check, actor: User, value: Any, statement: str) -> Check:
    """The supplier answers a check; the value is validated exactly like the bid's answer to
    the same criterion. Until the review, a new answer replaces the earlier one."""
    check, contract = _check_for_change(check)
    policy.require(actor, Action.CHECK_ANSWER, contract)
    now = timezone.now()
    _require_active(contract, now)
    _require_open(check, now)
    commitment = check.commitment
    if value is None and commitment.source == Source.SUPPLIER_PROFILE:
        pass  # a fact of the supplier's profile: the statement and documents show it
    else:
        problem = answer_error(commitment.rule, value)
        if problem is not None:
            raise InvalidInput(
                _("The answer does not fit %(code)s.") % {"code": commitment.code},
                code="invalid_answer",
                errors=[
                    field_error(
                        "/value", problem["code"], f"{commitment.code}: {problem['message']}"
                    )
                ],
            )
    statement = (statement or "").strip()
    if len(statement) > MAX_TEXT:
        raise _bad("/statement", "too_long", _("At most 5000 characters."))
    check.answer_value = value
    check.answer_statement = statement
    check.submitted_at = now
    check.submitted_by = actor
    check.status = Check.Status.SUBMITTED
    check.version += 1
    check.save()
    _record(
        "contract.check_answered",
        actor=actor,
        obj=check,
        contract=contract,
        check=check.pk,
        commitment=commitment.pk,
        due_on=check.due_on,
        on_time=schedule.today(now) <= check.due_on,
        value=value,
        statement=statement,
    )
    return check


def add_check_document(*, check: Check, actor: User, uploaded) -> CheckDocument:
    """Evidence for a check, by the supplier, until the review (the upload rules of bid
    documents: size, type by content and name, a safe name)."""
    checked = check_upload(uploaded)
    written: list = []
    try:
        with transaction.atomic():
            return _add_document(check, actor, uploaded, checked, written)
    except BaseException:
        for field_file in written:
            field_file.storage.delete(field_file.name)
        raise


def _add_document(check, actor, uploaded, checked, written) -> CheckDocument:
    check, contract = _check_for_change(check)
    policy.require(actor, Action.CHECK_ANSWER, contract)
    now = timezone.now()
    _require_active(contract, now)
    _require_open(check, now)
    latest = CheckDocument.objects.filter(check_ref=check, filename=checked.filename).aggregate(
        v=Max("version")
    )["v"]
    doc = CheckDocument(
        check_ref=check,
        filename=checked.filename,
        sha256=checked.sha256,
        size=checked.size,
        media_type=checked.media_type,
        version=(latest or 0) + 1,
        uploaded_by=actor,
        uploaded_at=now,
    )
    doc.file.save(checked.filename, uploaded, save=False)
    written.append(doc.file)
    doc.save()
    check.version += 1
    check.save(update_fields=["version"])
    _record(
        "contract.check_document_added",
        actor=actor,
        obj=doc,
        contract=contract,
        check=check.pk,
        filename=doc.filename,
        sha256=doc.sha256,
        size=doc.size,
    )
    return doc


SANCTION_LIMIT = Decimal("1e15")


@transaction.atomic
def review_check(
    *,
    check: Check,
    actor: User,
    outcome: str,
    note: str,
    severity: str = Deviation.Severity.MINOR,
    remedy_due_on: dt.date | None = None,
    sanction: tuple[Decimal, str] | None = None,
) -> Check:
    """An officer judges a check once: ``met``, or ``deviation``, which opens a deviation
    (with the note as its description)."""
    check, contract = _check_for_change(check)
    policy.require(actor, Action.CONTRACT_MANAGE, contract)
    now = timezone.now()
    _require_open(check, now)
    if outcome not in Check.Outcome.values:
        raise _bad(
            "/outcome",
            "invalid_choice",
            _("Use one of: %(choices)s.") % {"choices": ", ".join(Check.Outcome.values)},
        )
    note = (note or "").strip()
    if outcome == Check.Outcome.DEVIATION and not note:
        raise _bad("/note", "required", _("Describe the deviation."))
    if len(note) > MAX_TEXT:
        raise _bad("/note", "too_long", _("At most 5000 characters."))
    check.outcome = outcome
    check.status = outcome
    check.review_note = note
    check.reviewed_at = now
    check.reviewed_by = actor
    check.version += 1
    check.save()
    _record(
        "contract.check_reviewed",
        actor=actor,
        obj=check,
        contract=contract,
        check=check.pk,
        commitment=check.commitment_id,
        outcome=outcome,
        answered=check.submitted_at is not None,
    )
    if outcome == Check.Outcome.DEVIATION:
        _open_deviation(
            check,
            contract,
            actor=actor,
            now=now,
            severity=severity,
            description=note,
            remedy_due_on=remedy_due_on,
            sanction=sanction,
        )
    return check


def _deviation_errors(
    *, severity: Any, remedy_due_on: Any, sanction: Any, contract: Contract, now: dt.datetime
) -> list[dict[str, str]]:
    errors = []
    if severity not in Deviation.Severity.values:
        errors.append(
            field_error(
                "/severity",
                "invalid_choice",
                _("Use one of: %(choices)s.") % {"choices": ", ".join(Deviation.Severity.values)},
            )
        )
    if remedy_due_on is not None and remedy_due_on < schedule.today(now):
        errors.append(field_error("/remedy_due_on", "in_past", _("A date from today on.")))
    if sanction is not None and sanction[1] != contract.value_currency:
        errors.append(
            field_error(
                "/sanction/currency",
                "currency",
                _("In the contract's currency, %(currency)s.")
                % {"currency": contract.value_currency},
            )
        )
    return errors


def _open_deviation(
    check: Check,
    contract: Contract,
    *,
    actor: User,
    now: dt.datetime,
    severity: str,
    description: str,
    remedy_due_on: dt.date | None,
    sanction: tuple[Decimal, str] | None,
) -> Deviation:
    errors = _deviation_errors(
        severity=severity,
        remedy_due_on=remedy_due_on,
        sanction=sanction,
        contract=contract,
        now=now,
    )
    if errors:
        raise InvalidInput(_("The deviation is not valid."), errors=errors)
    deviation = Deviation.objects.create(
        contract=contract,
        check_ref=check,
        commitment_id=check.commitment_id,
        severity=severity,
        description=description,
        remedy_due_on=remedy_due_on,
        sanction_amount=sanction[0] if sanction else None,
        sanction_currency=sanction[1] if sanction else "",
        opened_at=now,
    )
    _record(
        "contract.deviation_opened",
        actor=actor,
        obj=deviation,
        contract=contract,
        deviation=deviation.pk,
        check=check.pk,
        commitment=check.commitment_id,
        severity=severity,
        remedy_due_on=remedy_due_on,
        sanction=(
            {"amount": str(sanction[0]), "currency": sanction[1]} if sanction is not None else None
        ),
    )
    return deviation


def _require_deviation_open(deviation: Deviation) -> None:
    if deviation.status != Deviation.Status.OPEN:
        raise StateConflict(
            _("The deviation is closed (%(status)s).")
            % {"status": Deviation.Status(deviation.status).label},
            code="deviation_closed",
            current_status=deviation.status,
        )


DEVIATION_FIELDS = ("severity", "description", "remedy_due_on", "sanction")


@transaction.atomic
def update_deviation(
    *,
    deviation: Deviation,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Deviation:
    """An officer changes an open deviation: its severity, description, the date by which it
    must be remedied, the sanction (``sanction``: (amount, currency) or None)."""
    contract = _contract_for_change(deviation.contract_id)
    policy.require(actor, Action.CONTRACT_MANAGE, contract)
    deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
    check_version(deviation, expected_version)
    _require_deviation_open(deviation)
    now = timezone.now()
    changes = {k: v for k, v in changes.items() if k in DEVIATION_FIELDS}
    current_sanction = (
        (deviation.sanction_amount, deviation.sanction_currency)
        if deviation.sanction_amount is not None
        else None
    )
    errors = _deviation_errors(
        severity=changes.get("severity", deviation.severity),
        remedy_due_on=changes.get("remedy_due_on"),
        sanction=changes.get("sanction"),
        contract=contract,
        now=now,
    )
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
        if not changes["description"]:
            errors.append(field_error("/description", "required", _("Describe the deviation.")))
        elif len(changes["description"]) > MAX_TEXT:
            errors.append(field_error("/description", "too_long", _("At most 5000 characters.")))
    if errors:
        raise InvalidInput(_("The deviation is not valid."), errors=errors)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        old = current_sanction if name == "sanction" else getattr(deviation, name)
        if old == value:
            continue
        before[name], after[name] = old, value
        if name == "sanction":
            deviation.sanction_amount = value[0] if value else None
            deviation.sanction_currency = value[1] if value else ""
        else:
            setattr(deviation, name, value)
    if not after:
        return deviation
    deviation.version += 1
    deviation.save()

    def shown(values: dict[str, Any]) -> dict[str, Any]:
        return {
            k: ({"amount": str(v[0]), "currency": v[1]} if k == "sanction" and v else v)
            for k, v in values.items()
        }

    _record(
        "contract.deviation_changed",
        actor=actor,
        obj=deviation,
        contract=contract,
        deviation=deviation.pk,
        before=shown(before),
        after=shown(after),
    )
    return deviation


@transaction.atomic
def close_deviation(*, deviation: Deviation, actor: User, status: str, note: str) -> Deviation:
    """An officer closes a deviation: remedied, accepted, or terminated, which ends the
    contract (its checks not yet requested are dropped)."""
    contract = _contract_for_change(deviation.contract_id)
    policy.require(actor, Action.CONTRACT_MANAGE, contract)
    deviation = Deviation.objects.select_for_update().get(pk=deviation.pk)
    _require_deviation_open(deviation)
    closing = (
        Deviation.Status.REMEDIED,
        Deviation.Status.ACCEPTED,
        Deviation.Status.TERMINATED,
    )
    if status not in closing:
        raise _bad(
            "/status",
            "invalid_choice",
            _("Use one of: %(choices)s.") % {"choices": ", ".join(closing)},
        )
    note = (note or "").strip()
    if not note:
        raise _bad("/note", "required", _("Say why the deviation is closed."))
    if len(note) > MAX_TEXT:
        raise _bad("/note", "too_long", _("At most 5000 characters."))
    now = timezone.now()
    deviation.status = status
    deviation.closed_at = now
    deviation.closing_note = note
    deviation.closed_by = actor
    deviation.version += 1
    deviation.save()
    _record(
        "contract.deviation_closed",
        actor=actor,
        obj=deviation,
        contract=contract,
        deviation=deviation.pk,
        check=deviation.check_ref_id,
        status=status,
        severity=deviation.severity,
    )
    if status == Deviation.Status.TERMINATED and contract.status != Contract.Status.TERMINATED:
        contract.status = Contract.Status.TERMINATED
        contract.terminated_at = now
        contract.version += 1
        contract.save(update_fields=["status", "terminated_at", "version"])
        dropped, _by_model = Check.objects.filter(
            contract=contract, requested_at__gt=now, submitted_at__isnull=True, outcome=""
        ).delete()
        _record(
            "contract.terminated",
            actor=actor,
            obj=contract,
            contract=contract,
            deviation=deviation.pk,
            checks_dropped=dropped,
        )
    return deviation


# --- the clock ------------------------------------------------------------------------------


def follow_up_due_checks(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic task's work, idempotent: record the request of every check whose time has
    come, and the overdue of every unanswered check past its due date, each once (conditional
    updates claim them, so two runs at once record nothing twice). What a reader sees never
    waits for it: requested and overdue follow from the clock on every read."""
    now = now or timezone.now()
    requested = overdue = 0
    coming = Check.objects.filter(selectors.visible_checks(now), request_recorded_at__isnull=True)
    for check in coming.select_related("contract").order_by("requested_at")[:1000]:
        with transaction.atomic():
            requested += _announce(check, check.contract, actor=None, now=now)
    late = Check.objects.filter(selectors.overdue_checks(now), overdue_recorded_at__isnull=True)
    for check in late.select_related("contract").order_by("due_on")[:1000]:
        with transaction.atomic():
            claimed = Check.objects.filter(
                pk=check.pk, overdue_recorded_at__isnull=True, submitted_at__isnull=True
            ).update(overdue_recorded_at=now)
            if claimed:
                _record(
                    "contract.check_overdue",
                    actor=None,
                    obj=check,
                    contract=check.contract,
                    check=check.pk,
                    commitment=check.commitment_id,
                    due_on=check.due_on,
                )
                overdue += 1
    return {"requested": requested, "overdue": overdue}
