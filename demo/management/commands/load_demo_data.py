"""Demo data for a new user: idempotent, through the same services as the API (so audited)."""

import contextlib
import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from criteria.models import Criterion
from criteria.services import attach_criterion
from demo.contracts import load_contract_follow_up
from demo.history import load_history
from procurement.models import Organization, Tender, User
from procurement.services import organizations as org_services
from procurement.services import tenders as tender_services
from procurement.services.bids import create_bid, submit_bid
from procurement.services.opening import open_tender
from scoring.services.declarations import declare_conflict
from scoring.services.runs import start_evaluation
from scoring.services.scores import set_consensus, submit_scores

DEMO_PASSWORD = "anbud-demo-2026"

BUYER = {
    "name": "Region Norrbotten (demo)",
    "kind": "buyer",
    "org_number": "232100-0230",
    "country": "SE",
}
BUYER_MEMBERS = [
    ("officer1", "officer", "Anna", "Lind"),
    ("officer2", "officer", "Erik", "Nyström"),
    ("evaluator1", "evaluator", "Maria", "Kallio"),
    ("auditor1", "auditor", "Johan", "Berg"),
    ("regionadmin", "admin", "Sara", "Holm"),
]
SUPPLIERS = [
    # (facts, bidder username): micro, medium, a small non-profit, large, and one unknown.
    (
        {
            "name": "Gårdsägg Lappland AB",
            "kind": "supplier",
            "org_number": "556900-1111",
            "country": "SE",
            "employees": 6,
            "annual_turnover": Decimal("900000.00"),
            "balance_sheet_total": Decimal("400000.00"),
        },
        "bidder_micro",
    ),
    (
        {
            "name": "Norrlandskött AB",
            "kind": "supplier",
            "org_number": "556900-2222",
            "country": "SE",
            "employees": 180,
            "annual_turnover": Decimal("42000000.00"),
            "balance_sheet_total": Decimal("30000000.00"),
        },
        "bidder_medium",
    ),
    (
        {
            "name": "Stiftelsen Arbetsgemenskap Kök",
            "kind": "supplier",
            "org_number": "802400-3333",
            "country": "SE",
            "employees": 24,
            "annual_turnover": Decimal("2400000.00"),
            "balance_sheet_total": Decimal("1100000.00"),
            "non_profit": True,
        },
        "bidder_nonprofit",
    ),
    (
        {
            "name": "Nordiska Livsmedelsgrossisten AB",
            "kind": "supplier",
            "org_number": "556900-4444",
            "country": "SE",
            "employees": 1200,
            "annual_turnover": Decimal("310000000.00"),
            "balance_sheet_total": Decimal("150000000.00"),
        },
        "bidder_large",
    ),
    (
        # A new company whose facts are not known yet: its size class stays unknown.
        {
            "name": "Fjällmat Handelsbolag",
            "kind": "supplier",
            "org_number": "969700-5555",
            "country": "SE",
        },
        "bidder_unknown",
    ),
]


@contextlib.contextmanager
def _clock(moment):
    """Services read the time from django.utils.timezone.now: set it back for a moment."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _local_noon(now: dt.datetime, *, days: int) -> dt.datetime:
    """12.00 local time (Europe/Stockholm by default) ``days`` from today: a deadline as an
    officer sets one, not a moment to the second."""
    day = timezone.localtime(now) + dt.timedelta(days=days)
    return day.replace(hour=12, minute=0, second=0, microsecond=0)


class Command(BaseCommand):
    help = "Load demo organisations, users and tenders (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        operator, created = User.objects.get_or_create(
            username="operator",
            defaults={"is_superuser": True, "is_staff": True, "email": "operator@example.org"},
        )
        if created:
            operator.set_password(DEMO_PASSWORD)
            operator.save()
        buyer = Organization.objects.filter(
            name=BUYER["name"]
        ).first() or org_services.create_organization(actor=operator, **BUYER)
        for username, role, first, last in BUYER_MEMBERS:
            self._member(operator, buyer, username, role, first, last)
        for facts, username in SUPPLIERS:
            org = Organization.objects.filter(
                name=facts["name"]
            ).first() or org_services.create_organization(actor=operator, **facts)
            self._member(operator, org, username, "bidder", "", "")
        officer = User.objects.get(username="officer1")
        now = timezone.now()
        if not Tender.objects.filter(organization=buyer, reference="NLL-2026-0101").exists():
            tender_services.create_tender(
                actor=officer,
                reference="NLL-2026-0101",
                title="Ägg och kyckling till sjukhusköken",
                description="Ramavtal för ägg och kycklingkött med höga krav på djurskydd.",
                procedure="open",
                cpv_codes=["03142500", "15112130"],
                currency="SEK",
                estimated_value=Decimal("3200000.00"),
                submission_deadline=_local_noon(now, days=45),
                evaluation={
                    "method": "weighted_points",
                    "price_weight": "60",
                    "price_scoring": "proportional",
                },
            )
        if not Tender.objects.filter(organization=buyer, reference="NLL-2026-0077").exists():
            tender = tender_services.create_tender(
                actor=officer,
                reference="NLL-2026-0077",
                title="Undersökningshandskar med spårbar leveranskedja",
                description="Nitrilhandskar; krav på arbetsvillkor enligt ILO:s kärnkonventioner i leveranskedjan.",
                procedure="open",
                cpv_codes=["33141420"],
                currency="SEK",
                estimated_value=Decimal("1800000.00"),
                submission_deadline=_local_noon(now, days=35),
                evaluation={"method": "lowest_price"},
                no_lots_reason="En produktfamilj som levereras till ett centrallager; delkontrakt skulle höja priserna.",
            )
            tender_services.publish_tender(tender=tender, actor=officer)
        if not Tender.objects.filter(organization=buyer, reference="NLL-2026-0031").exists():
            self._evaluated_tender(buyer, officer, now)
        # Two years of history for the follow-up (dashboard, report, public page).
        load_history(
            buyer=buyer,
            officer=officer,
            second=User.objects.get(username="officer2"),
            clock=_clock,
            now=now,
        )
        # A contract of last year's award followed for a year (the contract pages, the desk).
        load_contract_follow_up(buyer=buyer, officer=officer, clock=_clock, now=now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Organization.objects.count()} organisations, {User.objects.count()} users, "
                f"{Tender.objects.count()} tenders."
            )
        )

    def _evaluated_tender(self, buyer, officer, now):
        """An opened tender with bids from the three demo suppliers, evaluator scores,
        consensus and a finished evaluation, so that the result page (matrix, category chart)
        has something to show right after start-up.

        Every step goes through the services. The tender was published 50 days ago and its
        deadline passed yesterday: the steps before the opening run on a clock set back to
        then (the audit events carry those times), the opening and what follows run now.
        """

        start = now - dt.timedelta(days=50)
        with _clock(start):
            tender = tender_services.create_tender(
                actor=officer,
                reference="NLL-2026-0031",
                title="Kyckling och ägg till regionens kök 2026 (utvärderad demo)",
                description="Utvärderad demo: tre anbud, poäng, konsensus och resultat.",
                procedure="open",
                cpv_codes=["15112130", "03142500"],
                currency="SEK",
                estimated_value=Decimal("2400000.00"),
                submission_deadline=_local_noon(now, days=-1),
                evaluation={
                    "method": "weighted_points",
                    "price_weight": "60",
                    "price_scoring": "proportional",
                },
                no_lots_reason="En köksorganisation; produkterna levereras tillsammans.",
            )
            weights = {
                "AW-ANTIBIOTICS-CRITICAL": 10,
                "ENV-ORGANIC-SHARE": 15,
                "QUAL-IMPLEMENTATION-PLAN": 15,
            }
            criteria = {}
            for code, weight in weights.items():
                library = Criterion.objects.get(organization__isnull=True, code=code)
                criteria[code] = attach_criterion(
                    tender=tender, actor=officer, criterion=library, weight=Decimal(weight)
                )
            tender = tender_services.publish_tender(tender=tender, actor=officer)
        offers = [
            ("bidder_micro", "2150000.00", True, "90", "Leverans från egen gård, start vecka 1."),
            ("bidder_medium", "1890000.00", False, "20", "Vi tar över från nuvarande leverantör."),
            ("bidder_nonprofit", "2290000.00", True, "60", "Stegvis start med kökspersonalen."),
        ]
        bids = []
        for day, (username, price, antibiotics, organic, plan) in enumerate(offers):
            with _clock(start + dt.timedelta(days=20 + day)):
                bidder = User.objects.get(username=username)
                bid = create_bid(
                    actor=bidder,
                    tender=tender,
                    lot=None,
                    price_amount=Decimal(price),
                    responses=[
                        {
                            "tender_criterion": criteria["AW-ANTIBIOTICS-CRITICAL"].pk,
                            "value": antibiotics,
                        },
                        {"tender_criterion": criteria["ENV-ORGANIC-SHARE"].pk, "value": organic},
                        {
                            "tender_criterion": criteria["QUAL-IMPLEMENTATION-PLAN"].pk,
                            "value": plan,
                        },
                    ],
                )
                bids.append(submit_bid(bid=bid, actor=bidder))
        tender = open_tender(tender=tender, actor=officer)
        tender = open_tender(tender=tender, actor=User.objects.get(username="officer2"))
        evaluator = User.objects.get(username="evaluator1")
        declare_conflict(
            tender=tender,
            actor=evaluator,
            has_conflict=False,
            statement="Inga band till anbudsgivarna.",
        )
        plan = criteria["QUAL-IMPLEMENTATION-PLAN"].pk
        scores = ("4", "2", "5")
        submit_scores(
            tender=tender,
            actor=evaluator,
            items=[
                {"bid": bid.pk, "tender_criterion": plan, "score": score, "comment": "Demo"}
                for bid, score in zip(bids, scores, strict=True)
            ],
        )
        set_consensus(
            tender=tender,
            actor=officer,
            items=[
                {
                    "bid": bid.pk,
                    "tender_criterion": plan,
                    "score": score,
                    "justification": "Enligt utvärderarens bedömning.",
                }
                for bid, score in zip(bids, scores, strict=True)
            ],
        )
        start_evaluation(tender=tender, actor=officer)  # runs when the transaction commits

    def _member(self, operator, org, username, role, first, last):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = org_services.add_member(
                organization=org,
                actor=operator,
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@example.org",
                role=role,
            )
        updates = []
        if first and not user.first_name:
            user.first_name, user.last_name = first, last
            updates += ["first_name", "last_name"]
        if role in ("admin", "officer", "evaluator", "auditor") and not user.is_staff:
            # May log in to the admin; what they see and may change follows the role.
            user.is_staff = True
            updates.append("is_staff")
        if updates:
            user.save(update_fields=updates)
        return user
