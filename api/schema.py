"""Shared pieces of the OpenAPI document: problem responses per status."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.serializers.common import ProblemSerializer

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


READ = (401, 404)
WRITE = (400, 401, 403, 404)
# Lists: 400 for an invalid filter value, 404 for a page beyond the end.
LIST = (400, 401, 404)

# The page parameters of list actions and views that drf-spectacular does not see as lists.
PAGE = [
    OpenApiParameter(
        "page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="A page number (from 1)."
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
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
            "are unchanged. Any other value means en."
        ),
        "schema": {"type": "string", "enum": ["sv", "en"]},
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
