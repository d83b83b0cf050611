"""Demo data for a new user: idempotent, through the same services as the API (so audited)."""

import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from procurement.models import Organization, Tender, User
from procurement.services import organizations as org_services
from procurement.services import tenders as tender_services

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
    # (facts, bidder username): micro, medium, and a small non-profit.
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
]


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
                submission_deadline=now + dt.timedelta(days=45),
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
                submission_deadline=now + dt.timedelta(days=35),
                evaluation={"method": "lowest_price"},
                no_lots_reason="One product family delivered to one central store; lots would raise prices.",
            )
            tender_services.publish_tender(tender=tender, actor=officer)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {Organization.objects.count()} organisations, {User.objects.count()} users, "
                f"{Tender.objects.count()} tenders."
            )
        )

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
