"""A contract followed for a year (issue #27), so that the workbench's contract pages and the
officer's desk show something real after `make run`.

The first of last year's history tenders that was awarded with award criteria and requirements
gets its contract signed in mid-January this year, running from 1 February for two years. The
award criterion's promise is checked quarterly; the follow-up then runs through the services on
the moved clock: checks answered by the supplier and reviewed as met, one deviation opened and
remedied, and one check added by the officer that nobody answered, due three weeks ago
(overdue). Steps that would lie past today are left out. Idempotent: nothing happens once the
tender has a contract.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone, translation

from contracts import schedule, services
from contracts.models import Check, Commitment, Contract
from procurement.models import BidResponse, Organization, Tender, User
from scoring.models import Award, AwardedBid


def _at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def _tender(buyer: Organization, year: int) -> Tender | None:
    for tender in Tender.objects.filter(
        organization=buyer, reference__startswith=f"NLL-{year}-H", status=Tender.Status.AWARDED
    ).order_by("reference"):
        kinds = set(tender.tender_criteria.values_list("kind", flat=True))
        if {"award", "requirement"} <= kinds:
            return tender
    return None


def _value(commitment: Commitment, bid_id) -> object:
    """What the supplier answers: the promise, else the bid's answer, else yes."""
    if commitment.promised is not None:
        return commitment.promised
    response = BidResponse.objects.filter(
        bid_id=bid_id, tender_criterion_id=commitment.tender_criterion_id
    ).first()
    return response.value if response is not None and response.value is not None else True


def load_contract_follow_up(*, buyer: Organization, officer: User, clock, now: dt.datetime):
    # The texts the services write (a scheduled check's request) in the region's language.
    with translation.override("sv"):
        _follow_up(buyer=buyer, officer=officer, clock=clock, now=now)


def _follow_up(*, buyer: Organization, officer: User, clock, now: dt.datetime):
    this_year = timezone.localtime(now).year
    signed_at = _at(this_year, 1, 15)
    if signed_at > now:
        return
    tender = _tender(buyer, this_year - 1)
    if tender is None or Contract.objects.filter(tender=tender).exists():
        return
    award = Award.objects.get(tender=tender)
    lot_id = next(item["lot"] for item in award.lots if item.get("bids"))
    winner = AwardedBid.objects.select_related("bid", "lot").get(award=award, lot_id=lot_id)
    bidder = User.objects.filter(organization_id=winner.bid.supplier_id, role="bidder").first()
    if bidder is None:
        return
    with clock(signed_at):
        contract = services.sign_contract(
            tender=tender,
            actor=officer,
            lot=winner.lot,
            reference=f"AVT-{this_year}-001",
            signed_on=signed_at.date(),
            starts_on=dt.date(this_year, 2, 1),
            ends_on=dt.date(this_year + 2, 1, 31),
            value_amount=winner.bid.price_amount or tender.estimated_value or Decimal(0),
            value_currency=tender.currency,
        )
        commitments = list(contract.commitments.order_by("position", "code"))
        awarded = [c for c in commitments if c.kind == "award"] or commitments
        # A promise in figures (e.g. the share of organic food) where there is one.
        promise = next((c for c in awarded if c.unit), awarded[0])
        # The promise is checked every quarter from the end of March.
        services.update_commitment(
            commitment=promise,
            actor=officer,
            changes={"every_months": 3, "next_due_on": dt.date(this_year, 3, 31)},
        )

    def step(moment: dt.datetime, work) -> bool:
        if moment > now:
            return False
        with clock(moment):
            services.follow_up_due_checks(now=moment)
            work()
        return True

    def answer_and_review(check: Check, *, deviation: bool = False):
        due = check.due_on
        answered = schedule.start_of(due - dt.timedelta(days=4)) + dt.timedelta(hours=9)
        reviewed = schedule.start_of(due + dt.timedelta(days=3)) + dt.timedelta(hours=10)
        if not step(
            answered,
            lambda: services.answer_check(
                check=check,
                actor=bidder,
                value=_value(check.commitment, winner.bid_id),
                statement="Leveranssedlar och intyg för perioden bifogas (demo).",
            ),
        ):
            return None
        note = (
            "Leveranssedlarna för juni visar en lägre andel än utlovat (demo)."
            if deviation
            else "Stämmer med leveranssedlarna."
        )
        step(
            reviewed,
            lambda: services.review_check(
                check=check,
                actor=officer,
                outcome=Check.Outcome.DEVIATION if deviation else Check.Outcome.MET,
                note=note,
                severity="minor",
                remedy_due_on=(reviewed + dt.timedelta(days=45)).date() if deviation else None,
            ),
        )
        return check

    # Every check due from March to now: met, except June's, a deviation later remedied.
    due = Check.objects.filter(contract=contract, due_on__lt=schedule.today(now))
    for check in list(due.select_related("commitment").order_by("due_on", "created_at")):
        june = check.due_on.month == 6 and check.commitment_id == promise.pk
        answer_and_review(check, deviation=june)
        deviation = getattr(Check.objects.get(pk=check.pk), "deviation", None) if june else None
        if deviation is not None:
            step(
                _at(this_year, 8, 20),
                lambda d=deviation: services.close_deviation(
                    deviation=d,
                    actor=officer,
                    status="remedied",
                    note="Leverantören har bytt grossist; juli månads leveranser stämmer (demo).",
                ),
            )
    # An unannounced check of a requirement, due three weeks ago and never answered: overdue.
    requirement = next((c for c in commitments if c.kind == "requirement"), commitments[-1])
    asked = now - dt.timedelta(days=40)
    due_on = (now - dt.timedelta(days=21)).date()
    if asked > schedule.start_of(contract.starts_on):
        step(
            asked,
            lambda: services.add_check(
                contract=contract,
                actor=officer,
                commitment=requirement,
                due_on=due_on,
                request="Skicka revisionsrapport från det senaste besöket (demo).",
            ),
        )
    services.follow_up_due_checks(now=now)
