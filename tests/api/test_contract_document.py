"""What an integrator reads in openapi.yaml: every operation is described, JSON bodies are
JSON only, path parameters are in their paths, and creates link to what they created."""

import re

from tests.api.helpers import openapi_document

DOCUMENT = openapi_document()
METHODS = ("get", "post", "put", "patch", "delete")


def operations():
    for path, item in DOCUMENT["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_has_a_tag_a_summary_a_description_and_problem_errors():
    for path, method, operation in operations():
        where = f"{method.upper()} {path}"
        assert operation.get("tags") and operation.get("summary"), where
        assert operation.get("description"), where
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")) and code != "414":  # 414: the server, before the API
                assert "application/problem+json" in response.get("content", {}), (where, code)


def test_bodies_are_json_except_the_three_uploads():
    uploads = []
    for path, _method, operation in operations():
        media = set(operation.get("requestBody", {}).get("content", {}))
        assert media in (set(), {"application/json"}, {"multipart/form-data"}), (path, media)
        if media == {"multipart/form-data"}:
            uploads.append(path)
    assert sorted(uploads) == [
        "/api/v1/bids/{id}/documents/",
        "/api/v1/checks/{id}/documents/",
        "/api/v1/tenders/{tender_pk}/documents/",
    ]


def test_every_path_parameter_is_in_its_path():
    for path, method, operation in operations():
        declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), (method, path)


def test_a_create_links_to_the_operations_on_what_it_created():
    links = DOCUMENT["paths"]["/api/v1/tenders/"]["post"]["responses"]["201"]["links"]
    assert links["tenders_publish_create"]["parameters"] == {"id": "$response.body#/id"}
    nested = DOCUMENT["paths"]["/api/v1/tenders/{tender_pk}/criteria/"]["post"]["responses"]
    assert nested["201"]["links"]["tenders_criteria_partial_update"]["parameters"] == {
        "tender_pk": "$request.path.tender_pk",
        "id": "$response.body#/id",
    }


def test_conditional_request_headers_are_declared():
    tender = DOCUMENT["paths"]["/api/v1/tenders/{id}/"]
    refs = {p.get("$ref") for p in tender["patch"]["parameters"]}
    assert "#/components/parameters/IfMatch" in refs
    assert "#/components/parameters/IfNoneMatch" in {
        p.get("$ref") for p in tender["get"]["parameters"]
    }
    assert "ETag" in tender["get"]["responses"]["200"]["headers"]
    assert (
        "Location" in DOCUMENT["paths"]["/api/v1/tenders/"]["post"]["responses"]["201"]["headers"]
    )
