"""Two years of the demo region's purchasing (last year, and this year up to today), so that the follow-up dashboard and the public
report show something real right after `make run`: about forty tenders with criteria from the
shared library, bids from suppliers of every size (and a non-profit), openings, evaluations
and awards, a few cancelled and a few single-bid tenders, the region's goals, and last year's
report published.

Everything goes through the services, on a clock set back to when it happened (the audit
trail carries those times). Deterministic: the same tenders, prices and answers every time.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from criteria.models import Criterion
from criteria.services import attach_criterion
from procurement.models import Organization, Tender, User
from procurement.services import tenders as tender_services
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from reports.models import FollowUpTarget
from reports.services import create_target, publish_report
from scoring import selectors
from scoring.models import Evaluation
from scoring.services.award import award_tender
from scoring.services.runs import run_evaluation, start_evaluation

TENDERS_PER_YEAR = 20
# What the region buys: (title, CPV code, estimated value in SEK).
NEEDS = [
    ("Ägg till sjukhusköken", "03142500", 1_800_000),
    ("Kycklingkött till regionens kök", "15112130", 3_200_000),
    ("Mjölk och mejeriprodukter", "15500000", 2_600_000),
    ("Frukt och grönt", "03220000", 2_100_000),
    ("Fisk och skaldjur", "15200000", 1_400_000),
    ("Undersökningshandskar", "33141420", 1_900_000),
    ("Arbetskläder för vården", "18110000", 2_300_000),
    ("Städtjänster i vårdcentraler", "90910000", 4_500_000),
    ("Datorer och skärmar", "30213000", 3_800_000),
    ("Transporter av prover", "60100000", 1_200_000),
]
# Criteria from the shared library the years' tenders use. Award criteria (with their weight
# in a weighted tender, where the price weighs 60 and the organic share fills up to 100) and
# requirements and contract conditions (unweighted), each in a varying share of the tenders.
AWARDS = [
    ("AW-ANTIBIOTICS-CRITICAL", 10),
    ("AW-TRANSPORT-SHORT", 10),
    ("ENV-REUSABLE-PACKAGING", 5),
]
FILL_UP = "ENV-ORGANIC-SHARE"
OTHERS = [
    "AW-CAGE-FREE-EGGS",
    "ENV-HAZARDOUS-SUBSTANCES",
    "SOC-ILO-CORE",
    "SOC-COLLECTIVE-PAY",
    "SME-PROMPT-PAYMENT",
]
CODES = [code for code, _weight in AWARDS] + [FILL_UP] + OTHERS


def load_history(*, buyer: Organization, officer: User, second: User, clock, now: dt.datetime):
    """Load last year and this year up to ``now``, once (idempotent by reference)."""
    this_year = timezone.localtime(now).year
    first_reference = f"NLL-{this_year - 1}-H01"
    if Tender.objects.filter(organization=buyer, reference=first_reference).exists():
        return
    suppliers = list(
        User.objects.filter(role="bidder", organization__kind="supplier").select_related(
            "organization"
        )
    )
    library = {
        c.code: c for c in Criterion.objects.filter(organization__isnull=True, code__in=CODES)
    }
    chance = random.Random(2026)  # noqa: S311 - demo data, the same every time on purpose
    for year in (this_year - 1, this_year):
        for number in range(1, TENDERS_PER_YEAR + 1):
            _one_tender(
                buyer=buyer,
                officer=officer,
                second=second,
                suppliers=suppliers,
                library=library,
                clock=clock,
                chance=chance,
                year=year,
                number=number,
                now=now,
            )
        _goals(officer, buyer, year, clock, now)
    with clock(min(_at(this_year, 1, 20), now)):
        publish_report(actor=officer, organization=buyer, year=this_year - 1)


def _at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def _goals(officer, buyer, year, clock, now):
    goals = [
        ("category_share", "animal_welfare", "0.60", "Regionplan: djurskydd i livsmedel"),
        ("category_share", "environmental", "0.70", "Miljöprogrammet"),
        ("category_share", "social", "0.50", "Sociala krav i hälften av upphandlingarna"),
        ("sme_award_share", "", "0.40", "Små leverantörer ska kunna vinna"),
        ("single_bid_share", "", "0.10", "Högst var tionde med ett enda anbud"),
    ]
    with clock(min(_at(year, 1, 15), now)):
        for metric, category, target, note in goals:
            if FollowUpTarget.objects.filter(
                organization=buyer, year=year, metric=metric, category=category
            ).exists():
                continue
            create_target(
                actor=officer,
                organization=buyer,
                year=year,
                metric=metric,
                category=category,
                target=Decimal(target),
                note=note,
            )


def _one_tender(*, buyer, officer, second, suppliers, library, clock, chance, year, number, now):
    title, cpv, value = NEEDS[(number + year) % len(NEEDS)]
    published = _at(year, 1 + (number - 1) * 11 // TENDERS_PER_YEAR, 3 + number % 20)
    deadline = (published + dt.timedelta(days=40)).replace(hour=12, minute=0)
    if deadline + dt.timedelta(days=10) > now:
        return  # its story would reach past today (early in January): left out
    weighted = number % 3 != 0
    lots = 2 if number % 4 == 0 else 1
    cancelled = number % 10 == 7
    evaluation = (
        {"method": "weighted_points", "price_weight": "60", "price_scoring": "proportional"}
        if weighted
        else {"method": "lowest_price"}
    )
    with clock(published):
        tender = tender_services.create_tender(
            actor=officer,
            reference=f"NLL-{year}-H{number:02d}",
            title=f"{title} {year}",
            description="Historik för uppföljningen (demo).",
            procedure="open",
            cpv_codes=[cpv],
            currency="SEK",
            estimated_value=Decimal(value),
            submission_deadline=deadline,
            evaluation=evaluation,
            no_lots_reason="" if lots > 1 else "En leverans till ett centrallager.",
        )
        lot_ids = [tender.lots.get()]
        if lots > 1:
            lot_ids.append(
                tender_services.add_lot(
                    tender=tender, actor=officer, title="Norra länet", estimated_value=None
                )
            )
        chosen = _criteria_for(number + year % 5, weighted)  # each year a little different
        attached = []
        for code, weight in chosen:
            criterion = library.get(code)
            if criterion is None:
                continue
            scored = criterion.kind == "award"
            if scored and not weighted:
                continue
            attached.append(
                attach_criterion(
                    tender=tender,
                    actor=officer,
                    criterion=criterion,
                    weight=Decimal(weight) if scored and weight else None,
                )
            )
        tender.refresh_from_db()
        tender = tender_services.publish_tender(tender=tender, actor=officer)
    bidders = _bidders_for(number, suppliers, chance)
    for day, bidder in enumerate(bidders, start=5):
        for lot in lot_ids:
            if lots > 1 and chance.random() < 0.3:
                continue
            with clock(published + dt.timedelta(days=day)):
                price = Decimal(value) * Decimal(chance.randint(80, 120)) / Decimal(100 * lots)
                bid = create_bid(
                    actor=bidder,
                    tender=tender,
                    lot=lot if lots > 1 else None,
                    price_amount=price.quantize(Decimal("1.00")),
                    responses=[
                        {"tender_criterion": tc.pk, "value": _answer(tc, chance)} for tc in attached
                    ],
                )
                submit_bid(bid=bid, actor=bidder)
    if cancelled:
        with clock(published + dt.timedelta(days=20)):
            tender_services.cancel_tender(
                tender=tender, actor=officer, reason="Behovet ändrades (demo)."
            )
        return
    opened_at = deadline + dt.timedelta(days=1)
    with clock(opened_at):
        tender = open_tender(tender=tender, actor=officer)
        tender = open_tender(tender=tender, actor=second)
    if not tender.bids.filter(status="submitted").exists():
        return
    with clock(opened_at + dt.timedelta(days=2)):
        started = start_evaluation(tender=tender, actor=officer)
        run_evaluation(started.pk)
    done = Evaluation.objects.get(pk=started.pk)
    if done.status != Evaluation.Status.DONE:
        return
    if number % 9 == 5 and now - opened_at < dt.timedelta(days=45):
        return  # evaluated lately, its award still to come (older ones were awarded)
    winners = []
    for lot in selectors.result_of(done).get("lots", []):
        ranked = [b for b in lot.get("bids", []) if b.get("qualified") and b.get("rank") == 1]
        if ranked:
            winners.append({"lot": lot["lot"], "bids": [ranked[0]["bid"]]})
    if not winners:
        return
    with clock(opened_at + dt.timedelta(days=9)):
        award_tender(
            tender=tender,
            actor=officer,
            evaluation=done,
            lots=winners,
            justification="Enligt utvärderingens rangordning.",
        )


def _criteria_for(number: int, weighted: bool) -> list[tuple[str, int | None]]:
    """The tender's criteria: a varying choice of the library's, the award criteria's weights
    adding up to 40 with the organic share (the price weighs 60)."""
    picked: list[tuple[str, int | None]] = [
        (code, None) for i, code in enumerate(OTHERS) if (number + i) % (i + 2) != 1
    ]
    if weighted:
        awards = [(code, w) for i, (code, w) in enumerate(AWARDS) if (number >> i) & 1]
        picked += [*awards, (FILL_UP, 40 - sum(w for _code, w in awards))]
    return picked


def _bidders_for(number: int, suppliers: list[User], chance: random.Random) -> list[User]:
    if number % 6 == 1:
        return [suppliers[number % len(suppliers)]]  # a single-bid tender
    count = 2 + number % 3
    return chance.sample(suppliers, min(count, len(suppliers)))


def _answer(tc, chance: random.Random):
    rule = tc.rule or {}
    kind = rule.get("type")
    if kind == "boolean":
        return tc.kind != "award" or chance.random() < 0.6
    if kind == "linear":
        worst, best = Decimal(rule["worst"]), Decimal(rule["best"])
        return str((worst + (best - worst) * Decimal(chance.randint(0, 10)) / 10).normalize())
    if kind == "thresholds":
        bound = rule["steps"][-1].get("at_least") or rule["steps"][-1].get("at_most")
        return str(bound)
    if kind == "choice":
        return next(iter(rule["options"]))
    return "Beskrivning av åtagandet (demo)."
