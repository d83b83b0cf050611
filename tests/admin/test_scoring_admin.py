import pytest
from django.test import Client

from scoring.models import Evaluation
from tests.factories import TenderFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "evaluation",
    "conflictdeclaration",
    "evaluatorscore",
    "consensusscore",
    "lotterydraw",
    "award",
    "simulation",
]


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_evaluation_records_are_read_only_and_scoped(buyer, other_buyer):
    tender = TenderFactory(organization=buyer, status="opened")
    officer = UserFactory(role="officer", organization=buyer, is_staff=True)
    evaluation = Evaluation.objects.create(tender=tender, method="lowest_price", created_by=officer)
    client = _login(officer)
    for model in PAGES:
        assert client.get(f"/admin/scoring/{model}/").status_code == 200, model
    # The list names each run by its tender and number; its page is the workbench's.
    listing = client.get("/admin/scoring/evaluation/").content.decode()
    assert f"Evaluation 1 of {tender.reference}" in listing
    page = client.get(f"/admin/scoring/evaluation/{evaluation.pk}/change/", follow=True)
    assert page.redirect_chain[-1][0].endswith(f"/evaluations/{evaluation.pk}/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # read-only
    outsider = _login(UserFactory(role="officer", organization=other_buyer, is_staff=True))
    assert outsider.get(f"/admin/scoring/evaluation/{evaluation.pk}/change/").status_code == 404
    evaluator = _login(UserFactory(role="evaluator", organization=buyer, is_staff=True))
    listing = evaluator.get("/admin/scoring/evaluatorscore/")
    assert listing.status_code == 200
    assert evaluator.get(f"/admin/scoring/evaluation/{evaluation.pk}/change/").status_code == 404
