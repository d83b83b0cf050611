"""Logging in, organisations and their members."""

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from procurement.models import ApiToken, Organization, User
from tests.api.helpers import create_tender, publish
from tests.factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"
STRONG = "Fjällräven-Kanot-2026!"


def assert_problem(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}, body
    return body


# --- tokens (the rest of login, logout and limits: tests/api/test_tokens.py) ---------------


def test_a_token_for_the_right_password_works_and_is_audited(make_user, buyer):
    user = make_user("officer", buyer, username="anna")
    response = APIClient().post(TOKEN_URL, {"username": "anna", "password": PASSWORD})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key)  # only the digest is kept

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/tenders/").status_code == 200

    again = APIClient().post(TOKEN_URL, {"username": "anna", "password": PASSWORD})
    assert again.json()["token"] != token  # each login its own token
    events = AuditEvent.objects.filter(action="auth.token_issued").order_by("created_at")
    assert [e.actor for e in events] == [user, user]


@pytest.mark.parametrize(
    ("username", "password"),
    [("anna", "wrong-password"), ("nobody", PASSWORD), ("anna", PASSWORD.upper())],
    ids=["wrong-password", "unknown-user", "wrong-case"],
)
def test_wrong_credentials_are_400_audited_and_give_no_token(make_user, buyer, username, password):
    make_user("officer", buyer, username="anna")
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password})
    body = assert_problem(response, 400)
    assert body["code"] == "invalid_credentials"
    assert "token" not in body
    assert not ApiToken.objects.exists()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.data["username"] == username
    assert event.actor is None
    assert not AuditEvent.objects.filter(action="auth.token_issued").exists()


def test_unknown_user_and_wrong_password_answer_alike(make_user, buyer):
    make_user("officer", buyer, username="anna")
    wrong = APIClient().post(TOKEN_URL, {"username": "anna", "password": "nope-nope"}).json()
    unknown = APIClient().post(TOKEN_URL, {"username": "ghost", "password": "nope-nope"}).json()
    assert wrong == unknown


def test_an_inactive_user_gets_no_token(buyer):
    UserFactory(username="gone", organization=buyer, is_active=False)
    assert_problem(APIClient().post(TOKEN_URL, {"username": "gone", "password": PASSWORD}), 400)
    assert not ApiToken.objects.exists()


def test_missing_fields_are_named(db):
    body = assert_problem(APIClient().post(TOKEN_URL, {}, format="json"), 400)
    assert {e["field"] for e in body["errors"]} == {"/username", "/password"}


# --- organisations -------------------------------------------------------------------------


SUPPLIER = {
    "name": "Gård AB",
    "kind": "supplier",
    "org_number": "556677-8899",
    "country": "SE",
    "employees": 8,
    "annual_turnover": "1500000.00",
    "balance_sheet_total": "3000000.00",
}


@pytest.mark.parametrize(
    ("facts", "sme_class"),
    [
        ({}, "micro"),
        (
            {"employees": 9, "annual_turnover": "2000000.00", "balance_sheet_total": "9000000.00"},
            "micro",
        ),
        ({"employees": 10}, "small"),
        (
            {
                "employees": 49,
                "annual_turnover": "10000000.01",
                "balance_sheet_total": "10000000.00",
            },
            "small",
        ),
        (
            {
                "employees": 200,
                "annual_turnover": "60000000.00",
                "balance_sheet_total": "43000000.00",
            },
            "medium",
        ),
        ({"employees": 250}, "large"),
        ({"employees": None}, None),
        # The turnover alone (1.5 MEUR) meets the micro ceiling: no balance sheet is needed.
        ({"balance_sheet_total": None}, "micro"),
        # 2.5 MEUR is above it: micro or small depends on the balance sheet, which is missing.
        ({"annual_turnover": "2500000.00", "balance_sheet_total": None}, None),
    ],
)
def test_a_superuser_creates_an_organisation_and_sme_class_is_computed(
    superuser, client_for, facts, sme_class
):
    root = client_for(superuser)
    response = root.post("/api/v1/organizations/", {**SUPPLIER, **facts}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sme_class"] == sme_class
    assert body["annual_turnover"] == (facts.get("annual_turnover", SUPPLIER["annual_turnover"]))
    assert Organization.objects.get(pk=body["id"]).name == "Gård AB"
    assert root.get(f"/api/v1/organizations/{body['id']}/").json()["sme_class"] == sme_class
    assert AuditEvent.objects.filter(action="organization.created").count() == 1


def test_sme_class_is_read_only(superuser, client_for):
    root = client_for(superuser)
    body = {**SUPPLIER, "employees": 400, "sme_class": "micro"}
    assert root.post("/api/v1/organizations/", body, format="json").json()["sme_class"] == "large"


def test_invalid_facts_are_named(superuser, client_for):
    root = client_for(superuser)
    body = {**SUPPLIER, "country": "Sweden", "annual_turnover": 1500000.5, "kind": "charity"}
    problem = assert_problem(root.post("/api/v1/organizations/", body, format="json"), 400)
    assert {e["field"] for e in problem["errors"]} >= {"/country", "/kind", "/annual_turnover"}
    assert not Organization.objects.filter(name="Gård AB").exists()


@pytest.mark.parametrize("field", ["annual_turnover", "balance_sheet_total"])
def test_supplier_figures_as_floats_are_refused(superuser, client_for, field):
    root = client_for(superuser)
    problem = assert_problem(
        root.post("/api/v1/organizations/", {**SUPPLIER, field: 1500000.5}, format="json"), 400
    )
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(f"/{field}", "float")]
    assert "decimal string" in problem["errors"][0]["message"]
    ok = root.post("/api/v1/organizations/", {**SUPPLIER, field: "1500000.50"}, format="json")
    assert ok.status_code == 201 and ok.json()[field] == "1500000.50"


@pytest.mark.parametrize("role", ["admin", "officer", "auditor", "evaluator", "bidder"])
def test_only_a_superuser_creates_organisations(api, role):
    client, _ = api(role)
    count = Organization.objects.count()
    response = client.post(
        "/api/v1/organizations/", {"name": "Fake", "kind": "buyer"}, format="json"
    )
    assert_problem(response, 403)
    assert Organization.objects.count() == count
    assert AuditEvent.objects.filter(action="permission.denied").count() == 1


# --- members -------------------------------------------------------------------------------


def members_url(org) -> str:
    return f"/api/v1/organizations/{org.pk}/members/"


def test_a_superuser_adds_the_first_admin_who_can_log_in(superuser, client_for, buyer):
    root = client_for(superuser)
    response = root.post(
        members_url(buyer),
        {"username": "first.admin", "password": STRONG, "email": "a@region.se", "role": "admin"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == "first.admin"
    assert body["role"] == "admin"
    assert "password" not in body
    user = User.objects.get(username="first.admin")
    assert (user.organization, user.role) == (buyer, "admin")
    assert user.password != STRONG
    login = APIClient().post(TOKEN_URL, {"username": "first.admin", "password": STRONG})
    assert login.status_code == 200
    assert AuditEvent.objects.filter(action="member.added").count() == 1


@pytest.mark.parametrize("role", ["officer", "evaluator", "auditor", "admin"])
def test_a_buyers_admin_adds_members_with_buyer_roles(api, buyer, role):
    admin, _ = api("admin")
    response = admin.post(
        members_url(buyer),
        {"username": f"new.{role}", "password": STRONG, "role": role},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert User.objects.get(username=f"new.{role}").organization == buyer
    listed = admin.get(members_url(buyer)).json()["results"]
    assert f"new.{role}" in {m["username"] for m in listed}


def test_a_role_that_does_not_fit_the_organisation_kind_is_400(
    api, buyer, supplier, superuser, client_for
):
    admin, _ = api("admin")
    assert_problem(
        admin.post(
            members_url(buyer),
            {"username": "b", "password": STRONG, "role": "bidder"},
            format="json",
        ),
        400,
        "/role",
    )
    root = client_for(superuser)
    assert_problem(
        root.post(
            members_url(supplier),
            {"username": "o", "password": STRONG, "role": "officer"},
            format="json",
        ),
        400,
        "/role",
    )
    ok = root.post(
        members_url(supplier),
        {"username": "bid", "password": STRONG, "role": "bidder"},
        format="json",
    )
    assert ok.status_code == 201
    assert not User.objects.filter(username__in=["b", "o"]).exists()


@pytest.mark.parametrize(
    "password",
    ["short1!", "password123", "12345678901234", "anna.svensson2026"],
    ids=["too-short", "common", "numeric", "like-username"],
)
def test_a_weak_password_is_400_naming_password(api, buyer, password):
    admin, _ = api("admin")
    response = admin.post(
        members_url(buyer),
        {"username": "anna.svensson2026", "password": password, "role": "officer"},
        format="json",
    )
    body = assert_problem(response, 400, "/password")
    assert all(e["field"] == "/password" for e in body["errors"])
    assert not User.objects.filter(username="anna.svensson2026").exists()


def test_a_duplicate_username_is_400_naming_username_even_in_another_case(api, buyer, make_user):
    make_user("officer", buyer, username="kalle")
    admin, _ = api("admin")
    for name in ("kalle", "KALLE"):
        response = admin.post(
            members_url(buyer),
            {"username": name, "password": STRONG, "role": "officer"},
            format="json",
        )
        assert_problem(response, 400, "/username")
    assert User.objects.filter(username__iexact="kalle").count() == 1


@pytest.mark.parametrize("role", ["officer", "auditor", "evaluator"])
def test_members_other_than_the_admin_cannot_add_members(api, buyer, role):
    client, _ = api(role)
    response = client.post(
        members_url(buyer),
        {"username": "sneaky", "password": STRONG, "role": "admin"},
        format="json",
    )
    assert_problem(response, 403)
    assert not User.objects.filter(username="sneaky").exists()


def test_a_bidder_cannot_add_colleagues_and_an_admin_cannot_add_to_a_supplier(api, supplier):
    bidder, _ = api("bidder")
    assert_problem(
        bidder.post(
            members_url(supplier),
            {"username": "x1", "password": STRONG, "role": "bidder"},
            format="json",
        ),
        403,
    )
    admin, _ = api("admin")
    response = admin.post(
        members_url(supplier),
        {"username": "x2", "password": STRONG, "role": "bidder"},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


# --- who sees which organisation ----------------------------------------------------------


def test_bidders_see_buyers_of_published_tenders_but_no_other_supplier(
    api, buyer, other_buyer, supplier, other_supplier
):
    alice, _ = api("officer")
    publish(alice, create_tender(alice)["id"])
    bob, _ = api("officer", org=other_buyer)
    create_tender(bob)  # a draft only: Bob's region stays unknown to suppliers
    bidder, _ = api("bidder")

    assert bidder.get(f"/api/v1/organizations/{buyer.pk}/").json()["name"] == "Region Alice"
    assert_problem(bidder.get(f"/api/v1/organizations/{other_buyer.pk}/"), 404)
    assert_problem(bidder.get(f"/api/v1/organizations/{other_supplier.pk}/"), 404)
    own = bidder.get(f"/api/v1/organizations/{supplier.pk}/").json()
    assert own["sme_class"] == "small"
    listed = {o["name"] for o in bidder.get("/api/v1/organizations/").json()["results"]}
    assert listed == {"Region Alice", "Charlie Gård AB"}


def test_buyers_see_only_their_own_organisation(api, buyer, other_buyer, supplier):
    officer, _ = api("officer")
    listed = officer.get("/api/v1/organizations/").json()
    assert [o["id"] for o in listed["results"]] == [str(buyer.pk)]
    assert_problem(officer.get(f"/api/v1/organizations/{other_buyer.pk}/"), 404)
    assert_problem(officer.get(f"/api/v1/organizations/{supplier.pk}/"), 404)
