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
