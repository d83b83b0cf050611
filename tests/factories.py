"""factory-boy factories: valid objects by default; a test states only what matters to it."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from criteria.models import Criterion, TenderCriterion
from procurement.models import Bid, Lot, Organization, Role, Tender, User

PASSWORD = "Correct-Horse-Battery-9"


class BuyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Region {n}")
    kind = Organization.Kind.BUYER


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Leverantör {n} AB")
    kind = Organization.Kind.SUPPLIER
    org_number = factory.Sequence(lambda n: f"5566{n:06d}")
    country = "SE"
    employees = 40
    annual_turnover = Decimal("8000000.00")
    balance_sheet_total = Decimal("4000000.00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organization = factory.SubFactory(BuyerFactory)
    role = Role.OFFICER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender
        skip_postgeneration_save = True

    organization = factory.SubFactory(BuyerFactory)
    reference = factory.Sequence(lambda n: f"RK-2026-{n:04d}")
    title = "Kött och ägg till regionens kök"
    procedure = "open"
    cpv_codes = ["15110000"]
    currency = "SEK"
    estimated_value = Decimal("5000000.00")
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=40))
    evaluation = factory.LazyFunction(lambda: {"method": "lowest_price"})

    @factory.post_generation
    def with_lot(obj, create, extracted, **kwargs):
        if create and extracted is not False and not obj.lots.exists():
            Lot.objects.create(
                tender=obj, number=1, title=obj.title, estimated_value=obj.estimated_value
            )


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    tender = factory.SubFactory(TenderFactory)
    number = factory.Sequence(lambda n: n + 2)
    title = factory.Sequence(lambda n: f"Lot {n}")


class BidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bid

    tender = factory.SubFactory(TenderFactory, status=Tender.Status.PUBLISHED)
    lot = factory.LazyAttribute(lambda b: b.tender.lots.order_by("number").first())
    supplier = factory.SubFactory(SupplierFactory)
    price_amount = Decimal("1000000.00")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    organization = factory.SubFactory(BuyerFactory)
    code = factory.Sequence(lambda n: f"ENV-TEST-{n}")
    category = "environmental"
    level = "basic"
    kind = "award"
    title = "Förnybart bränsle i leveranser"
    rule = factory.LazyFunction(lambda: {"type": "linear", "worst": "0", "best": "100"})


class TenderCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenderCriterion

    tender = factory.SubFactory(TenderFactory)
    code = factory.Sequence(lambda n: f"TC-{n}")
    category = "environmental"
    level = "basic"
    kind = "award"
    title = "Förnybart bränsle i leveranser"
    rule = factory.LazyFunction(lambda: {"type": "boolean"})
    weight = Decimal("10")
