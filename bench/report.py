"""Policy follow-up report speed and query count: 10,000 tenders, 200,000 bids and 20,000
awarded bids by default.

    .venv/bin/python bench/report.py [--tenders N] [--bids N] [--awards N] [--year Y] [--keep]

Runs standalone on a temporary SQLite database (its own ANBUD_VAR_DIR, migrated here) unless
BENCH_DATABASE_URL names another database (a scratch one: the rows are left there). Builds a
buyer's purchasing over three years, then times reports.followup.follow_up for one year: a
warm-up run, then the median wall time of 5 runs, with and without explain=True, and counts
each one's SQL queries. Goal: under 1 s on PostgreSQL (explain=False), and the same number of
queries for a 100-tender organisation as for the big one (the aggregation is done in SQL).

The data is written with bulk_create, not through the services: 200,000 bids submitted through
procurement.services (hashing, receipts, audit events, one transaction each) would take
hours. The rows are what the services leave behind, as far as the report reads them:

- the big buyer: --tenders tenders, 70 % published in --year, the rest in the two years
  before; 1-3 lots each; 3-6 criteria each over the categories, kinds and levels (weighted
  tenders' award weights add up to 100 with the price weight); statuses from draft to awarded,
  a few cancelled, a few in EUR rather than the buyer's SEK;
- a second buyer with 100 tenders in the year built the same way (bids and awarded bids in
  proportion), which the big buyer's report must not count: it is the small organisation
  whose query count must equal the big one's;
- 50 suppliers of every SME class (and unknown), some non-profit; each bid keeps the
  supplier's facts as Organization.facts() gives them (``Bid.supplier_facts``);
- --bids bids, mostly submitted, some withdrawn, superseded (with the bid that replaced them)
  or left as drafts;
- one done Evaluation per awarded tender, its Award, and --awards AwardedBid rows on awards
  decided in the year (1-3 winners per lot: framework agreements), plus one winner per lot for
  the awards decided in other years, which the year's report must not count;
- a few follow-up targets per buyer.

Exits 1 when the two organisations' query counts differ, or when a figure of the report
differs from what was built (tenders, bids and awarded lots counted); the time is reported,
never a failure.
"""

# ruff: noqa: PLC0415 - Django is configured at run time (its own database, from the arguments),
# so the project's modules are imported inside the functions that run after that.

import argparse
import datetime as dt
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 1.0
RUNS = 5
FLUSH_AT = 5000  # bids kept before they (and their tenders, lots and criteria) are written
SMALL_TENDERS = 100
ZONE = ZoneInfo("Europe/Stockholm")  # config.settings' default TIME_ZONE

NEEDS = [
    ("Ägg till sjukhusköken", "03142500", 1_800_000),
    ("Kycklingkött till regionens kök", "15112130", 3_200_000),
    ("Mjölk och mejeriprodukter", "15500000", 2_600_000),
    ("Frukt och grönt", "03220000", 2_100_000),
    ("Undersökningshandskar", "33141420", 1_900_000),
    ("Arbetskläder för vården", "18110000", 2_300_000),
    ("Städtjänster i vårdcentraler", "90910000", 4_500_000),
    ("Datorer och skärmar", "30213000", 3_800_000),
    ("Transporter av prover", "60100000", 1_200_000),
    ("Kontorsmaterial", "30190000", 900_000),
]
# (SME class the facts give, how many, employees, annual turnover in MEUR); "unknown" has
# employees but no amounts, which settles nothing (procurement.sme).
SUPPLIER_SIZES = [
    ("micro", 12, (2, 9), (0.3, 1.9)),
    ("small", 12, (10, 49), (2.5, 9.5)),
    ("medium", 10, (50, 249), (12, 45)),
    ("large", 10, (250, 6000), (60, 900)),
    ("unknown", 6, (5, 240), None),
]
CATEGORIES = ["environmental", "social", "animal_welfare", "small_supplier", "quality"]
KINDS = ["requirement", "award", "contract_condition"]
LEVELS = ["basic"] * 6 + ["advanced"] * 3 + ["spearhead"]


def setup_django(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["ANBUD_VAR_DIR"] = var_dir
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


@dataclass
class Expected:
    """What the report of the measured year must count for one buyer, known from the build."""

    tenders: int = 0
    published: int = 0
    cancelled: int = 0
    opened: int = 0
    submitted: int = 0
    lots: int = 0  # awarded lots decided in the year, in the buyer's currency
    other_lots: int = 0  # and in another currency
    awarded_bids: int = 0  # AwardedBid rows decided in the year
    built: Counter = field(default_factory=Counter)  # rows written, by kind


@dataclass
class Awardable:
    """A tender planned as awarded: its lots' submitted bids, (id, price), cheapest first."""

    tender_id: uuid.UUID
    method: str
    currency: str
    decided_at: dt.datetime
    lots: list[tuple[uuid.UUID, list[tuple[uuid.UUID, Decimal]]]]


def at(rng: Random, year: int, first_day: int, last_day: int) -> dt.datetime:
    """A working-hours moment on a day of ``year`` (day 0 is 1 January), Swedish time."""
    day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(first_day, last_day))
    return dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)), ZONE)


def make_suppliers(rng: Random) -> list:
    from procurement.models import Organization

    suppliers = []
    for size, count, (fewest, most), turnover in SUPPLIER_SIZES:
        for i in range(count):
            amount = None
            if turnover:
                amount = Decimal(int(rng.uniform(*turnover) * 1_000_000))
            suppliers.append(
                Organization(
                    name=f"Bench {size} {i + 1} AB",
                    kind=Organization.Kind.SUPPLIER,
                    org_number=f"55{len(suppliers):08d}",
                    country="SE",
                    employees=rng.randint(fewest, most),
                    annual_turnover=amount,
                    balance_sheet_total=None if amount is None else amount / 2,
                    non_profit=size in ("micro", "small", "medium") and i % 4 == 0,
                )
            )
    Organization.objects.bulk_create(suppliers)
    for supplier, size in zip(
        suppliers, [s for s, count, *_ in SUPPLIER_SIZES for _ in range(count)], strict=True
    ):
        assert (supplier.sme_class or "unknown") == size, (supplier.name, supplier.sme_class)
    return suppliers


class Rows:
    """Model instances kept until enough bids wait, then written in one transaction."""

    def __init__(self, expected: Expected):
        self.expected = expected
        self.pending: dict[type, list] = {}

    def add(self, obj) -> None:
        self.pending.setdefault(type(obj), []).append(obj)

    def waiting(self, model) -> int:
        return len(self.pending.get(model, ()))

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            for model, objs in self.pending.items():  # in the order first added: FKs first
                model.objects.bulk_create(objs, batch_size=1000)
                self.expected.built[model.__name__] += len(objs)
        self.pending = {}


def criteria_for(rng: Random, tender, lots: list, method: str, price_weight: int | None) -> list:
    """3-6 criteria over the categories, kinds and levels; a weighted tender's award weights
    add up to 100 with its price weight."""
    from criteria.models import TenderCriterion

    count = rng.randint(3, 6)
    kinds = [rng.choice(KINDS) for _ in range(count)]
    weighted = method in ("weighted_points", "value_for_money")
    if weighted and "award" not in kinds:
        kinds[0] = "award"
    awards = kinds.count("award")
    weights: list[int] = []
    if weighted:
        left = 100 - (price_weight or 0)
        cuts = sorted(rng.sample(range(1, left), awards - 1)) if awards > 1 else []
        weights = [b - a for a, b in zip([0, *cuts], [*cuts, left], strict=True)]
    made = []
    for position, kind in enumerate(kinds):
        category = rng.choice(CATEGORIES)
        weight = None
        if kind == "award" and weighted:
            weight = Decimal(weights.pop())
        elif kind == "award":
            weight = Decimal(rng.choice((5, 10, 20)))  # shown, not scored (lowest price)
        lot = rng.choice(lots) if len(lots) > 1 and rng.random() < 0.15 else None
        made.append(
            TenderCriterion(
                tender=tender,
                lot=lot,
                code=f"{category[:3].upper()}-{position + 1}",
                category=category,
                level=rng.choice(LEVELS),
                kind=kind,
                title=f"{category} {kind} {position + 1}",
                rule={"type": "boolean"},
                weight=weight,
                position=position,
                created_by_id=tender.created_by_id,
                created_at=tender.created_at,
            )
        )
    return made


def build_buyer(
    rng: Random,
    *,
    name: str,
    prefix: str,
    year: int,
    in_year: int,
    before: int,
    bids: int,
    awards: int,
    suppliers: list,
):
    """One buyer's tenders: ``in_year`` published in ``year`` (some drafts and cancelled
    ones among them), ``before`` in the two years before; ``bids`` bids; ``awards`` AwardedBid
    rows on awards decided in ``year``. Returns the buyer and what its report must count."""
    from procurement.models import Bid, Lot, Organization, Tender, User
    from reports.models import FollowUpTarget

    buyer = Organization.objects.create(name=name, kind=Organization.Kind.BUYER, currency="SEK")
    officer = User.objects.create(
        username=f"{prefix.lower()}-officer-{uuid.uuid4().hex[:6]}",
        organization=buyer,
        role="officer",
    )
    expected = Expected(tenders=in_year + before)
    facts_of = {supplier.pk: supplier.facts() for supplier in suppliers}
    rows = Rows(expected)

    # The plan of each tender: (year, status); drafts and cancelled ones have no bids' weight.
    plan = []
    for i in range(in_year + before):
        if i < in_year:
            roll = rng.random()
            status = (
                "draft"
                if roll < 0.02
                else "cancelled"
                if roll < 0.05
                else "published"
                if roll < 0.15
                else "opened"
                if roll < 0.20
                else "evaluated"
                if roll < 0.25
                else "awarded"
            )
            plan.append((year, status))
        else:
            plan.append((year - 1 - i % 2, "cancelled" if rng.random() < 0.04 else "awarded"))
    weights = [0.0 if s == "draft" else min(max(rng.expovariate(1), 0.05), 4.0) for _, s in plan]
    per_tender = Counter(rng.choices(range(len(plan)), weights=weights, k=bids))

    awardable: list[Awardable] = []
    for index, (tender_year, status) in enumerate(plan):
        title, cpv, value = rng.choice(NEEDS)
        weighted = rng.random()
        method = (
            "weighted_points"
            if weighted < 0.5
            else "value_for_money"
            if weighted < 0.6
            else "lowest_price"
        )
        price_weight = rng.choice((40, 50, 60, 70)) if method == "weighted_points" else None
        evaluation = {"method": method}
        if price_weight is not None:
            evaluation |= {"price_weight": str(price_weight), "price_scoring": "proportional"}
        # In the measured year, tenders that were opened are published by late September (so
        # their awards fall in the year), those still open for bids from October.
        if tender_year != year or status == "cancelled":
            published_at = at(rng, tender_year, 1, 360)
        elif status == "published":
            published_at = at(rng, tender_year, 273, 350)
        else:
            published_at = at(rng, tender_year, 1, 267)
        deadline = published_at + dt.timedelta(days=rng.randint(30, 45))
        opened = status in ("opened", "evaluated", "awarded")
        opened_at = deadline + dt.timedelta(days=1) if opened else None
        currency = "EUR" if rng.random() < 0.02 else "SEK"
        tender = Tender(
            organization=buyer,
            reference=f"{prefix}-{tender_year}-{index + 1:05d}",
            title=title,
            procedure="open",
            cpv_codes=[cpv],
            currency=currency,
            estimated_value=Decimal(value),
            submission_deadline=deadline,
            evaluation=evaluation,
            status=status,
            published_at=None if status == "draft" else published_at,
            opened_at=opened_at,
            created_by=officer,
            created_at=published_at - dt.timedelta(days=10),
        )
        lots = [
            Lot(
                tender=tender,
                number=number,
                title=f"{title}, del {number}",
                estimated_value=Decimal(value) / 2,
                created_at=tender.created_at,
            )
            for number in range(1, rng.randint(1, 3) + 1)
        ]
        if len(lots) == 1:
            tender.no_lots_reason = "En leverans."
        rows.add(tender)
        for lot in lots:
            rows.add(lot)
        for criterion in criteria_for(rng, tender, lots, method, price_weight):
            rows.add(criterion)

        # Its bids: one per lot first (when there are enough), then on any lot.
        count = per_tender[index]
        chosen = [lots[n] for n in range(min(count, len(lots)))]
        chosen += [rng.choice(lots) for _ in range(count - len(chosen))]
        submitted: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal]]] = {lot.pk: [] for lot in lots}
        taken: dict[uuid.UUID, set] = {lot.pk: set() for lot in lots}
        queue = iter(chosen)
        for lot in queue:
            roll = rng.random()
            kind = (
                "draft"
                if roll < 0.02
                else "withdrawn"
                if roll < 0.08
                else "superseded"
                if roll < 0.14
                else "submitted"
            )
            supplier = rng.choice(suppliers)
            if kind in ("submitted", "superseded"):
                free = [s for s in suppliers if s.pk not in taken[lot.pk]]
                if not free:
                    kind, supplier = "withdrawn", rng.choice(suppliers)
                else:
                    supplier = rng.choice(free)
            sent = published_at + dt.timedelta(days=rng.randint(1, 28), minutes=rng.randint(0, 600))
            price = (lot.estimated_value * Decimal(rng.uniform(0.6, 1.4))).quantize(Decimal("0.01"))
            facts = facts_of[supplier.pk]
            bid = Bid(
                tender=tender,
                lot=lot,
                supplier=supplier,
                status=kind,
                price_amount=price,
                submitted_at=None if kind == "draft" else sent,
                withdrawn_at=sent + dt.timedelta(days=1) if kind == "withdrawn" else None,
                sha256="" if kind == "draft" else hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                salt="" if kind == "draft" else uuid.uuid4().hex,
                supplier_facts=None if kind == "draft" else facts,
                created_at=sent - dt.timedelta(hours=2),
            )
            rows.add(bid)
            if kind == "superseded":
                # The supplier sent a new version: that one is the final, submitted bid (it
                # takes the next bid slot of the tender, on this lot).
                replacing = next(queue, None)
                if replacing is None:
                    bid.status = "withdrawn"
                    bid.withdrawn_at = sent + dt.timedelta(days=1)
                    continue
                price = (price * Decimal("0.97")).quantize(Decimal("0.01"))
                bid = Bid(
                    tender=tender,
                    lot=lot,
                    supplier=supplier,
                    status="submitted",
                    price_amount=price,
                    submitted_at=sent + dt.timedelta(hours=3),
                    sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
                    salt=uuid.uuid4().hex,
                    supplier_facts=facts,
                    supersedes=bid,
                    version=2,
                    created_at=sent + dt.timedelta(hours=2),
                )
                rows.add(bid)
                kind = "submitted"
            if kind == "submitted":
                taken[lot.pk].add(supplier.pk)
                submitted[lot.pk].append((bid.pk, price))

        counted = tender_year == year and status not in ("draft", "cancelled")
        if tender_year == year and status == "cancelled":
            expected.cancelled += 1
        if counted:
            expected.published += 1
            expected.opened += opened
            expected.submitted += sum(len(found) for found in submitted.values())
        if status == "awarded":
            decided_at = opened_at + dt.timedelta(days=rng.randint(10, 40))
            with_bids = [(lot.pk, sorted(submitted[lot.pk], key=lambda b: b[1])) for lot in lots]
            awardable.append(
                Awardable(
                    tender.pk, method, currency, decided_at, [(p, b) for p, b in with_bids if b]
                )
            )
        if rows.waiting(Bid) >= FLUSH_AT:
            rows.flush()
    rows.flush()

    unawarded = _award(rng, rows, awardable, officer, year, awards, buyer.currency)
    if unawarded:  # planned as awarded but no lot had a submitted bid: evaluated, not awarded
        Tender.objects.filter(pk__in=unawarded).update(status="evaluated")
    for target_year, metric, category, target in (
        (year, "category_share", "environmental", "0.5000"),
        (year, "award_weight_share", "environmental", "0.1500"),
        (year, "sme_award_share", "", "0.4000"),
        (year, "non_profit_award_share", "", "0.0500"),
        (year, "single_bid_share", "", "0.1000"),
        (year - 1, "sme_award_share", "", "0.3500"),
    ):
        rows.add(
            FollowUpTarget(
                organization=buyer,
                year=target_year,
                metric=metric,
                category=category,
                target=Decimal(target),
                created_by=officer,
            )
        )
    rows.flush()
    return buyer, expected


def _award(rng, rows, awardable, officer, year, target, currency) -> list:
    """Evaluations, awards and winners: ``target`` AwardedBid rows on the awards decided in
    ``year`` (each awarded lot one winner, some 2 or 3: framework agreements), one winner per
    lot on the others. Returns the tenders that got no award (no lot with a submitted bid)."""
    from scoring.models import Award, AwardedBid, Evaluation

    expected = rows.expected
    in_year = [a for a in awardable if a.decided_at.astimezone(ZONE).year == year]
    lots_in_year = [(a, lot) for a in in_year for lot in a.lots]
    if len(lots_in_year) > target:  # fewer rows than lots: only the first lots are awarded
        keep = set(map(id, (lot for _a, lot in lots_in_year[:target])))
        for a in in_year:
            a.lots = [lot for lot in a.lots if id(lot) in keep]
    winners = {id(lot): 1 for _a, lot in lots_in_year[:target]}
    spare = [id(lot) for _a, lot in lots_in_year[:target] for _ in range(min(3, len(lot[1])) - 1)]
    for key in rng.sample(spare, min(len(spare), max(0, target - len(winners)))):
        winners[key] += 1
    counted = set(map(id, in_year))
    unawarded = []
    for a in awardable:
        if not a.lots:
            unawarded.append(a.tender_id)
            continue
        evaluation = Evaluation(
            tender_id=a.tender_id,
            status=Evaluation.Status.DONE,
            progress=100,
            method=a.method,
            engine_version="bench",
            input_json="{}",
            result_json="{}",
            created_by=officer,
            created_at=a.decided_at - dt.timedelta(days=2),
            started_at=a.decided_at - dt.timedelta(days=2),
            finished_at=a.decided_at - dt.timedelta(days=2),
        )
        chosen = [(entry[0], entry[1][: winners.get(id(entry), 1)]) for entry in a.lots]
        award = Award(
            tender_id=a.tender_id,
            evaluation=evaluation,
            lots=[
                {"lot": str(lot), "bids": [str(b) for b, _p in won], "follows_ranking": True}
                for lot, won in chosen
            ],
            justification="Enligt utvärderingen.",
            decided_by=officer,
            decided_at=a.decided_at,
            standstill_ends_at=a.decided_at + dt.timedelta(days=10),
        )
        rows.add(evaluation)
        rows.add(award)
        for lot, won in chosen:
            for bid, _price in won:
                rows.add(AwardedBid(award=award, lot_id=lot, bid_id=bid))
            if id(a) in counted:
                expected.awarded_bids += len(won)
                if a.currency == currency:
                    expected.lots += 1
                else:
                    expected.other_lots += 1
    rows.flush()
    return unawarded


def measure(organization, period, *, explain: bool):
    """(median seconds of RUNS runs after a warm-up, the queries of one more run, its report)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.followup import follow_up

    follow_up(organization, period, explain=explain)
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        follow_up(organization, period, explain=explain)
        times.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as captured:
        report = follow_up(organization, period, explain=explain)
    return statistics.median(times), captured.captured_queries, report


def check(report: dict, expected: Expected) -> list[str]:
    """The report's counts against what was built; the differences, in words."""
    found = {
        "published": report["tenders"]["published"],
        "cancelled": report["tenders"]["cancelled"],
        "opened": report["tenders"]["opened"],
        "submitted bids": report["bids"]["submitted"],
        "awarded lots": report["awards"]["lots"],
        "awarded lots in other currencies": sum(
            other["lots"] for other in report["awards"]["other_currencies"]
        ),
    }
    wanted = {
        "published": expected.published,
        "cancelled": expected.cancelled,
        "opened": expected.opened,
        "submitted bids": expected.submitted,
        "awarded lots": expected.lots,
        "awarded lots in other currencies": expected.other_lots,
    }
    return [f"{k}: report {found[k]}, built {wanted[k]}" for k in wanted if found[k] != wanted[k]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenders", type=int, default=10_000, help="the big buyer's tenders")
    parser.add_argument("--bids", type=int, default=200_000)
    parser.add_argument("--awards", type=int, default=20_000, help="AwardedBid rows in the year")
    parser.add_argument("--year", type=int, default=2026, help="the year measured")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--slowest", type=int, default=3, help="slowest queries to show")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="anbud-bench-report-")
    setup_django(var_dir)
    from django.db import connection

    from procurement.models import Tender
    from reports.followup import Period

    print(f"database: {connection.vendor} ({var_dir if connection.vendor == 'sqlite' else ''})")
    rng = Random(args.seed)
    began = time.perf_counter()
    suppliers = make_suppliers(rng)
    in_year = round(args.tenders * 0.7)
    big, big_expected = build_buyer(
        rng,
        name="Region Bench",
        prefix="RB",
        year=args.year,
        in_year=in_year,
        before=args.tenders - in_year,
        bids=args.bids,
        awards=args.awards,
        suppliers=suppliers,
    )
    # The small buyer: 100 tenders, all in the year, with bids and awarded bids in proportion.
    small, small_expected = build_buyer(
        rng,
        name="Kommun Liten",
        prefix="KL",
        year=args.year,
        in_year=SMALL_TENDERS,
        before=0,
        bids=round(args.bids * SMALL_TENDERS / max(args.tenders, 1)),
        awards=round(args.awards * SMALL_TENDERS / max(in_year, 1)),
        suppliers=suppliers,
    )
    built = time.perf_counter() - began
    if connection.vendor == "postgresql":
        # Just-written tables have no statistics and no visibility hints yet; autovacuum
        # would long have seen to both on a real database.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    total = big_expected.built + small_expected.built
    print(
        f"built in {built:.1f} s (bulk_create, not a goal): "
        + ", ".join(f"{count:,} {name}" for name, count in sorted(total.items()))
    )
    for label, expected in (("big", big_expected), ("small", small_expected)):
        print(
            f"  {label} buyer: {expected.tenders:,} tenders, {expected.published:,} published "
            f"in {args.year}, {expected.submitted:,} final bids on them, "
            f"{expected.awarded_bids:,} AwardedBid rows on {expected.lots + expected.other_lots:,} "
            f"lots awarded in {args.year}"
        )
    assert Tender.objects.filter(organization=big).count() == big_expected.tenders

    period = Period.year(args.year)
    failures = []
    counts = {}
    for organization, expected in ((big, big_expected), (small, small_expected)):
        for explain in (False, True):
            median, queries, report = measure(organization, period, explain=explain)
            counts[(organization.pk, explain)] = len(queries)
            label = "with explain" if explain else ""
            verdict = "no goal"
            if not explain and organization is big:
                verdict = (
                    f"goal < {GOAL_SECONDS:g} s: {'met' if median < GOAL_SECONDS else 'NOT met'}"
                )
            print(
                f"follow-up report{' ' + label if label else ''}, {expected.tenders:,} tenders: "
                f"median {median:.2f} s, {len(queries)} queries ({verdict})",
                flush=True,
            )
            for problem in check(report, expected):
                failures.append(f"{organization.name}: {problem}")
            if organization is big and args.slowest:
                slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)
                for query in slowest[: args.slowest]:
                    print(f"    {float(query['time']):6.3f} s  {query['sql'][:150]}")
    same = True
    for explain in (False, True):
        big_count, small_count = counts[(big.pk, explain)], counts[(small.pk, explain)]
        agree = big_count == small_count
        same = same and agree
        print(
            f"queries{' with explain' if explain else ''}: {big_expected.tenders:,} tenders "
            f"{big_count}, {small_expected.tenders:,} tenders {small_count} "
            f"({'the same' if agree else 'DIFFERENT'})"
        )
    for failure in failures:
        print(f"WRONG FIGURE {failure}")
    if not args.keep and connection.vendor == "sqlite":
        connection.close()
        for path in sorted(Path(var_dir).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        Path(var_dir).rmdir()
    return 0 if same and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
