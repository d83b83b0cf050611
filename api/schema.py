"""Shared pieces of the OpenAPI document: problem responses per status."""

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.idempotency import EXEMPT_PATHS as IDEMPOTENCY_EXEMPT_PATHS
from api.ocds_schema import OCDS_COMPONENTS
from api.serializers.common import ProblemSerializer, StrictInputMixin
from api.serializers.criteria import RULE_COMPONENTS

_DESCRIPTIONS = {
    400: "Invalid input: problem details with `errors` [{field (JSON Pointer), code, message}]",
    401: "No or invalid credentials",
    403: "Your role may not do this",
    404: "Not found, or not visible to you (objects of other organisations are never revealed)",
    409: "Wrong state for this action; `current_status` names the state",
    412: "Stale If-Match: someone changed the object since you read it",
    413: "The file or request is larger than the limit",
    415: "The file type is not allowed (judged by content and name)",
    429: "Too many requests",
}


def problems(*codes: int) -> dict:
    return {
        (code, "application/problem+json"): OpenApiResponse(
            ProblemSerializer, description=_DESCRIPTIONS[code]
        )
        for code in codes
    }


# 400: a query parameter the operation does not take (api.query), or an invalid lang.
READ = (400, 401, 404)
WRITE = (400, 401, 403, 404)
# Lists: 400 for an invalid filter value, 404 for a page beyond the end.
LIST = (400, 401, 404)

# The page parameters of list actions and views that drf-spectacular does not see as lists.
PAGE = [
    OpenApiParameter(
        "page",
        {"type": "integer", "minimum": 1},
        OpenApiParameter.QUERY,
        description="A page number (from 1).",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": 500},
        OpenApiParameter.QUERY,
        description="Results per page (default 50, at most 500).",
    ),
]


# The language rule (api.language), documented once: components, referenced from every
# operation of the API (an operation's own ``lang``, such as the criteria library's filter,
# stays: there it also chooses the language) and from every response.
LANGUAGE_PARAMETERS = {
    "Lang": {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": (
            "Language of the texts the API writes (problem `title`/`detail`, error `message`s, "
            'explanations); wins over Accept-Language. Texts that carry both (`{"sv", "en"}`) '
            "are unchanged. sv or en (also as sv-SE and the like); any other value means en, "
            "never an error (docs/adr/0010)."
        ),
        "schema": {"type": "string", "examples": ["sv", "en"]},
    },
    "AcceptLanguage": {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": (
            "Used when `lang` is not given, e.g. `sv-SE,sv;q=0.9`; a language other than sv or "
            "en means en. A language cookie does not change API responses."
        ),
        "schema": {"type": "string"},
    },
}
CONTENT_LANGUAGE_HEADER = {
    "description": "The language of the texts in this response: sv or en.",
    "schema": {"type": "string", "enum": ["sv", "en"]},
}
_OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def add_language(result, generator, request, public):
    """drf-spectacular postprocessing hook: the language parameters and Content-Language."""
    components = result.setdefault("components", {})
    components.setdefault("parameters", {}).update(LANGUAGE_PARAMETERS)
    components.setdefault("headers", {})["ContentLanguage"] = CONTENT_LANGUAGE_HEADER
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method in _OPERATIONS:
            operation = item.get(method)
            if not operation:
                continue
            parameters = operation.setdefault("parameters", [])
            names = {(p.get("name"), p.get("in")) for p in parameters}
            if ("lang", "query") not in names:
                parameters.append({"$ref": "#/components/parameters/Lang"})
            parameters.append({"$ref": "#/components/parameters/AcceptLanguage"})
            for response in operation.get("responses", {}).values():
                response.setdefault("headers", {})["Content-Language"] = {
                    "$ref": "#/components/headers/ContentLanguage"
                }
    return result


_PATH_PARAM = re.compile(r"\{([^}]+)\}")


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links from each create (201) to the
    operations on what it created (``$response.body#/id``), so that a client or a stateful
    fuzzer can walk from POST /tenders/ to /tenders/{id}/publish/ and the rest."""
    paths = result.get("paths", {})
    for route, item in paths.items():
        created = (item.get("post") or {}).get("responses", {}).get("201")
        if not created:
            continue
        source_params = set(_PATH_PARAM.findall(route))
        links = {}
        for target, target_item in paths.items():
            rest = target[len(route) :] if target.startswith(route) else ""
            head = _PATH_PARAM.match(rest)
            if not head or head.start() != 0:
                continue
            new_param = head.group(1)
            for method in _OPERATIONS:
                operation = target_item.get(method)
                if not operation or "operationId" not in operation:
                    continue
                parameters = {}
                for name in _PATH_PARAM.findall(target):
                    if name == new_param:
                        parameters[name] = "$response.body#/id"
                    elif name in source_params:
                        parameters[name] = f"$request.path.{name}"
                if len(parameters) < len(_PATH_PARAM.findall(target)):
                    continue  # needs an id this create does not give
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                }
        if links:
            created["links"] = dict(sorted(links.items()))
    return result


def _null_type(schema: dict) -> None:
    """One schema object, written the OpenAPI 3.1 way: ``type`` lists each type once and
    ``null`` is a type, never the 3.0 ``nullable`` keyword; ``oneOf: [{}, {type: null}]`` (any
    value or null) is just ``{}``."""
    nullable = schema.pop("nullable", False)
    if schema.get("default") == "" and (schema.get("format") or schema.get("minLength")):
        del schema["default"]  # an empty default would not validate against its own schema
    kind = schema.get("type")
    if isinstance(kind, list):
        schema["type"] = list(dict.fromkeys(kind))
    if nullable:
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
        elif isinstance(kind, list):
            schema["type"] = list(dict.fromkeys([*kind, "null"]))
        elif "$ref" in schema or "allOf" in schema:
            ref = {key: schema.pop(key) for key in ("$ref", "allOf") if key in schema}
            schema["oneOf"] = [ref, {"type": "null"}]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    for key in ("oneOf", "anyOf"):
        options = schema.get(key)
        if isinstance(options, list):
            unique = []
            for option in options:
                if option not in unique:
                    unique.append(option)
            schema[key] = options = unique
        if (
            isinstance(options, list)
            and len(options) == 2
            and {} in options
            and {"type": "null"} in options
        ):
            del schema[key]


def _walk(node) -> None:
    if isinstance(node, dict):
        _null_type(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def openapi_31(result, generator, request, public):
    """Postprocessing: nullability in the 3.1 way across the whole document (see _null_type),
    and only the path parameters that are in the path."""

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"] = dict(
        sorted({**schemas, **RULE_COMPONENTS, **OCDS_COMPONENTS}.items())
    )
    _walk(result["components"]["schemas"])
    _walk(result.get("paths", {}))
    # A path parameter declared for a whole viewset (the detail's id) is not in the list's
    # path: every path parameter of an operation must be in its path.
    for route, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p
                    for p in operation["parameters"]
                    if p.get("in") != "path" or "{" + p.get("name", "") + "}" in route
                ]
    return result


HTTP_HEADERS = {
    "ETag": {
        "description": "The representation's tag: send it back as If-None-Match (304 when "
        "unchanged) or, on tenders, bids and criteria, as If-Match with a change (412 when stale).",
        "schema": {"type": "string", "example": '"3f2a9c1e-4-9b1c2d3e4f5a6b7c"'},
    },
    "Location": {
        "description": "Where the created object can be read.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "IdempotentReplayed": {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same Idempotency-Key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "AcceptedLocation": {
        "description": "The evaluation started: read it for `status` (`queued`, `running`, "
        "`done`, `failed`) and `progress` (0-100).",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "PollRetryAfter": {
        "description": "While the evaluation is queued or running: seconds to wait before "
        "reading the Location.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
HTTP_PARAMETERS = {
    "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "A key of your choice (1-255 visible ASCII characters, e.g. a UUID) that "
        "makes a retry safe: the same request with the same key within 24 hours gets the first "
        "answer again (with `Idempotent-Replayed: true`) and changes nothing; the key with "
        "another path or body is a 422, while the first request is still running a 409. Keys "
        "belong to the token (or the signed-in user). Answers 5xx, 401, 408 and 429 are not "
        "kept: retry them with the same key.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The ETag you read; the change is refused with 412 when the object has "
        "changed since. A weak tag (W/) never matches.",
        "schema": {"type": "string"},
    },
    "IfNoneMatch": {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "The ETag you have; 304 without a body when it is still current.",
        "schema": {"type": "string"},
    },
}
# Long work answered 202 with the Location of a resource that reports its status and progress.
ACCEPTED_WITH_LOCATION = (
    "/api/v1/tenders/{id}/evaluations/",
    "/api/v1/evaluations/{id}/lottery/",
)
# The updates that honour If-Match (api.etags.expected_version).
IF_MATCH_PATHS = (
    "/api/v1/tenders/{id}/",
    "/api/v1/bids/{id}/",
    "/api/v1/criteria/{id}/",
    "/api/v1/tenders/{tender_pk}/criteria/{id}/",
    "/api/v1/webhooks/{id}/",
    "/api/v1/contracts/{id}/commitments/{commitment_pk}/",
    "/api/v1/deviations/{id}/",
)


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "headers": {"Content-Language": {"$ref": "#/components/headers/ContentLanguage"}},
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def _add_idempotency(parameters: list, responses: dict) -> None:
    parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    for code, response in responses.items():
        if code.startswith(("2", "4")) and code not in ("401", "408", "429"):
            response.setdefault("headers", {})["Idempotent-Replayed"] = {
                "$ref": "#/components/headers/IdempotentReplayed"
            }
    responses.setdefault(
        "409",
        _problem_response(
            "A request with the same Idempotency-Key is still being processed (Retry-After)"
        ),
    )
    responses.setdefault("409", {}).setdefault("headers", {})["Retry-After"] = {
        "$ref": "#/components/headers/RetryAfter"
    }
    responses["422"] = _problem_response("The Idempotency-Key was used with another path or body")
    responses.setdefault("400", _problem_response(_DESCRIPTIONS[400]))


def add_http_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook: the conditional-request and Location headers the
    API sends and honours (api.conditional, api.etags, api.locations, api.errors)."""
    components = result.setdefault("components", {})
    components.setdefault("headers", {}).update(HTTP_HEADERS)
    components.setdefault("parameters", {}).update(HTTP_PARAMETERS)
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method in _OPERATIONS:
            operation = item.get(method)
            if not operation:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.setdefault("parameters", [])
            ok = responses.get("200")
            if method == "get" and ok and "application/json" in ok.get("content", {}):
                ok.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
                parameters.append({"$ref": "#/components/parameters/IfNoneMatch"})
                responses.setdefault(
                    "304",
                    {
                        "description": "Not modified: the representation is the one you have",
                        "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
                    },
                )
            if method == "patch" and path in IF_MATCH_PATHS:
                parameters.append({"$ref": "#/components/parameters/IfMatch"})
                if ok:
                    ok.setdefault("headers", {})["ETag"] = {"$ref": "#/components/headers/ETag"}
            if method == "post" and not path.startswith(IDEMPOTENCY_EXEMPT_PATHS):
                _add_idempotency(parameters, responses)
            created = responses.get("201")
            if method == "post" and created:
                created.setdefault("headers", {})["Location"] = {
                    "$ref": "#/components/headers/Location"
                }
            accepted = responses.get("202")
            if method == "post" and accepted and path in ACCEPTED_WITH_LOCATION:
                accepted.setdefault("headers", {}).update(
                    {
                        "Location": {"$ref": "#/components/headers/AcceptedLocation"},
                        "Retry-After": {"$ref": "#/components/headers/PollRetryAfter"},
                    }
                )
            if method == "get":
                # Every read takes query parameters (lang at least); the server (config/server.py) refuses a request target over 4094 bytes before the API sees it.
                responses.setdefault(
                    "414",
                    {
                        "description": "URI too long: the server reads request lines up to 4094 bytes"
                    },
                )
            for code in ("429", "503"):
                if code in responses:
                    responses[code].setdefault("headers", {})["Retry-After"] = {
                        "$ref": "#/components/headers/RetryAfter"
                    }
    return result


# drf-spectacular's pattern for a decimal string, ``^-?\d{0,N}(?:\.\d{0,M})?$``, also matches
# "", "-" and ".", which the server refuses: at least one digit is required.
_LOOSE_DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")

# The top-level tags, in the order a reader meets them; any other tag gets a plain line.
TAGS = {
    "auth": "Login tokens: get one for a username and password, revoke it or all of yours.",
    "integration-tokens": "Named tokens an organisation admin creates for its systems.",
    "organizations": "Buyers and suppliers, their facts and their members.",
    "tenders": "Tenders and their lots, documents, criteria, lifecycle (publish, amend, open, "
    "cancel, copy), conflict declarations, scores, consensus, evaluations and award.",
    "criteria": "The criteria library: your organisation's criteria and the shared ones.",
    "bids": "Bids, their documents, submission and withdrawal; sealed until the opening.",
    "evaluations": "Evaluation runs: status, results, verification, lottery and evidence.",
    "audit-events": "The hash-chained audit trail: search, export and verify.",
    "reports": "The policy follow-up report and its published years.",
    "follow-up-targets": "The organisation's own follow-up targets.",
    "public": "Without a token: published follow-up reports and OCDS open data.",
    "webhooks": "Webhook endpoints and their deliveries.",
    "contracts": "Contract follow-up: contracts signed per awarded lot, their commitments, "
    "checks (answered by the supplier, reviewed by the buyer) and deviations.",
}


def _strict_request_components(generator) -> set[str]:
    """Names of the request bodies whose serializer refuses unknown fields (StrictInputMixin)."""
    names = set()
    for component in generator.registry._components.values():
        if component.type != "schemas" or not component.name.endswith("Request"):
            continue
        obj = component.object
        cls = obj if isinstance(obj, type) else type(obj)
        if issubclass(cls, StrictInputMixin):
            names.add(component.name)
    return names


def _tighten(node) -> None:
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            loose = _LOOSE_DECIMAL.match(pattern)
            if loose:
                whole, places = loose.groups()
                node["pattern"] = (
                    rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
                    if whole != "0"
                    else rf"^-?0?\.\d{{1,{places}}}$"
                )
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)


def schema_agrees_with_server(result, generator, request, public):
    """drf-spectacular postprocessing hook: the document says what the server does.

    Decimal strings need a digit; request bodies that refuse unknown fields say
    ``additionalProperties: false``; the top-level tags are listed with what they hold.
    """
    _tighten(result.get("components", {}).get("schemas", {}))
    _tighten(result.get("paths", {}))
    schemas = result.get("components", {}).get("schemas", {})
    for name in _strict_request_components(generator):
        schema = schemas.get(name)
        if schema and schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
    used = sorted(
        {
            tag
            for item in result.get("paths", {}).values()
            for operation in item.values()
            if isinstance(operation, dict)
            for tag in operation.get("tags", [])
        }
    )
    order = list(TAGS)
    result["tags"] = [
        {"name": tag, "description": TAGS.get(tag, f"Operations on {tag.replace('-', ' ')}.")}
        for tag in sorted(used, key=lambda t: (order.index(t) if t in order else len(order), t))
    ]
    return result
