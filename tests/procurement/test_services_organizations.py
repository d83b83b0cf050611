"""procurement/services/organizations.py called directly: the operator creates organisations,
the organisation keeps its facts up to date, admins add members with fitting roles."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from procurement.errors import InvalidInput, NotAllowed
from procurement.models import Organization, User
from procurement.services.organizations import (
    add_member,
    create_organization,
    update_organization,
)

STRONG = "Str0ng-and-long-42"


def test_the_operator_creates_an_organisation_and_it_is_audited(superuser, event):
    org = create_organization(actor=superuser, name="Region Cecilia", kind="buyer", version=9)

    org.refresh_from_db()
    assert (org.name, org.kind) == ("Region Cecilia", Organization.Kind.BUYER)
    recorded = event("organization.created", org)
    assert (recorded.actor_id, recorded.organization_id) == (superuser.pk, org.pk)
    assert recorded.data == {"name": "Region Cecilia", "kind": "buyer"}


def test_an_organisations_admin_cannot_create_organisations(make_user, buyer, refused):
    admin = make_user("admin", buyer)
    with refused(NotAllowed):
        create_organization(actor=admin, name="Region Mallory", kind="buyer")


def test_a_supplier_keeps_its_own_facts_and_the_change_is_audited(bidder, supplier, event):
    update_organization(
        organization=supplier,
        actor=bidder,
        changes={"employees": 12, "annual_turnover": Decimal("3000000.00")},
    )

    supplier.refresh_from_db()
    assert (supplier.employees, supplier.annual_turnover) == (12, Decimal("3000000.00"))
    recorded = event("organization.updated", supplier)
    assert recorded.actor_id == bidder.pk
    assert recorded.data["changes"]["employees"] == {"from": 40, "to": 12}


def test_kind_and_the_opening_quorum_are_not_changed_here(superuser, buyer):
    update_organization(
        organization=buyer, actor=superuser, changes={"kind": "supplier", "opening_quorum": 1}
    )

    buyer.refresh_from_db()
    assert (buyer.kind, buyer.opening_quorum) == (Organization.Kind.BUYER, 2)
    assert not AuditEvent.objects.filter(action="organization.updated").exists()


@pytest.mark.parametrize("who", ["officer of the buyer", "admin of another buyer", "bidder"])
def test_others_cannot_change_a_buyers_facts(make_user, buyer, other_buyer, supplier, who, refused):
    actor = {
        "officer of the buyer": lambda: make_user("officer", buyer),
        "admin of another buyer": lambda: make_user("admin", other_buyer),
        "bidder": lambda: make_user("bidder", supplier),
    }[who]()
    with refused(NotAllowed):
        update_organization(organization=buyer, actor=actor, changes={"name": "Hacked"})


def test_a_buyers_admin_adds_an_officer_who_can_log_in(make_user, buyer, event):
    admin = make_user("admin", buyer)

    user = add_member(
        organization=buyer, actor=admin, username="olle", password=STRONG, role="officer"
    )

    user = User.objects.get(pk=user.pk)
    assert (user.organization_id, user.role) == (buyer.pk, "officer")
    assert user.check_password(STRONG)
    recorded = event("member.added", user)
    assert (recorded.actor_id, recorded.data) == (admin.pk, {"username": "olle", "role": "officer"})


def test_a_supplier_gets_only_bidders_and_only_from_the_operator(
    superuser, make_user, supplier, refused
):
    with refused(InvalidInput) as caught:
        add_member(
            organization=supplier, actor=superuser, username="eve", password=STRONG, role="officer"
        )
    assert caught.value.errors[0]["field"] == "/role"
    assert (
        add_member(
            organization=supplier, actor=superuser, username="eve", password=STRONG, role="bidder"
        ).role
        == "bidder"
    )


def test_a_buyer_member_cannot_be_a_bidder(make_user, buyer, refused):
    admin = make_user("admin", buyer)
    with refused(InvalidInput):
        add_member(organization=buyer, actor=admin, username="b", password=STRONG, role="bidder")


def test_only_the_operator_or_the_own_admin_adds_members(make_user, buyer, other_buyer, refused):
    officer = make_user("officer", buyer)
    other_admin = make_user("admin", other_buyer)
    for actor in (officer, other_admin):
        with refused(NotAllowed):
            add_member(
                organization=buyer, actor=actor, username="mallory", password=STRONG, role="officer"
            )


def test_a_taken_username_is_refused_whatever_its_case(make_user, buyer, refused):
    admin = make_user("admin", buyer, username="Admin-Anna")
    with refused(InvalidInput) as caught:
        add_member(
            organization=buyer, actor=admin, username="admin-anna", password=STRONG, role="officer"
        )
    assert caught.value.errors[0]["field"] == "/username"


def test_a_weak_password_is_refused_with_the_validators_reasons(make_user, buyer, refused):
    admin = make_user("admin", buyer)
    with refused(InvalidInput, "weak_password") as caught:
        add_member(
            organization=buyer, actor=admin, username="olle", password="12345678", role="officer"
        )
    codes = {e["code"] for e in caught.value.errors}
    assert {"password_too_common", "password_entirely_numeric"} <= codes
