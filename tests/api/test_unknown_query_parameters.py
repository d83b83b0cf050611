"""A query parameter that an operation does not take is a 400 naming it, as the README says;
the operations and their parameters are those of the committed OpenAPI document."""

import pytest

from tests.api.helpers import create_tender, openapi_document

pytestmark = pytest.mark.django_db


def test_an_unknown_filter_is_a_400_naming_it(api):
    officer, _ = api("officer")
    create_tender(officer)
    response = officer.get("/api/v1/tenders/?updated_sinse=2026-01-01&status=draft")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["/updated_sinse"]
    assert "updated_sinse" in body["detail"]
    assert "status" in body["errors"][0]["message"]  # the parameters it does take


def test_known_parameters_still_filter(api):
    officer, _ = api("officer")
    create_tender(officer)
    listed = officer.get("/api/v1/tenders/?status=draft&ordering=-created_at&page_size=5&lang=sv")
    assert listed.status_code == 200 and listed.json()["count"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/bids/?supplier=x",
        "/api/v1/criteria/?categori=social",
        "/api/v1/audit-events/?who=me",
        "/api/v1/organizations/?name=Gård",
    ],
)
def test_every_list_refuses_what_it_does_not_take(api, path):
    officer, _ = api("officer")
    assert officer.get(path).status_code == 400


def test_a_detail_read_and_an_action_refuse_unknown_parameters_too(api):
    officer, _ = api("officer")
    tender = create_tender(officer)
    assert officer.get(f"/api/v1/tenders/{tender['id']}/?expand=lots").status_code == 400
    assert officer.post(f"/api/v1/tenders/{tender['id']}/publish/?force=1").status_code == 400
    assert officer.get(f"/api/v1/tenders/{tender['id']}/?lang=en").status_code == 200


def test_every_operation_documents_the_400():
    document = openapi_document()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if isinstance(operation, dict) and "400" not in operation.get("responses", {})
    ]
    assert missing == []
