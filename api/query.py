"""A query parameter the API does not know is a 400 that names it.

Which parameters an operation takes is what the committed OpenAPI document (``openapi.yaml``,
generated from the views and kept in sync by a test) says it takes: the filters, ``ordering``,
``search``, the pagination, ``lang``, and each operation's own. So the server refuses exactly
what the contract does not offer, and a misspelt or unsupported filter (``?updated_sinse=``,
``?organisation=``) no longer answers 200 with everything, unfiltered.
"""

import functools
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from api.errors import PROBLEM_CONTENT_TYPE, problem

OPENAPI = Path(settings.BASE_DIR) / "openapi.yaml"
_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)|<(?:\w+:)?\w+>|\{\w+\}")
_API = "/api/v1/"


def _shape(path: str) -> str:
    """A path with each of its parameters as ``{}``: Django's routes and OpenAPI's paths agree
    on this shape."""
    path = path.removeprefix("^").removesuffix("$")
    return "/" + _GROUP.sub("{}", path).lstrip("/")


@functools.cache
def _known() -> dict[tuple[str, str], frozenset[str]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with OPENAPI.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
    shared = document.get("components", {}).get("parameters", {})
    known: dict[tuple[str, str], frozenset[str]] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            names = set()
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = shared.get(parameter["$ref"].rsplit("/", 1)[-1], {})
                if parameter.get("in") == "query":
                    names.add(parameter["name"])
            known[(method.upper(), _shape(path))] = frozenset(names)
    return known


class KnownQueryParametersMiddleware:
    """Refuses (400) a request to the API whose query names a parameter its operation does
    not take. Operations the document does not describe (HEAD, OPTIONS, the browsable API's
    own pages) are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.GET or not request.path.startswith(_API):
            return None
        match = request.resolver_match
        method = "GET" if request.method == "HEAD" else request.method
        allowed = _known().get((method, _shape(match.route))) if match else None
        if allowed is None:
            return None
        unknown = sorted(name for name in request.GET if name not in allowed)
        if not unknown:
            return None
        message = _("Unknown query parameter; this operation takes: %(known)s.") % {
            "known": ", ".join(sorted(allowed)) or "-"
        }
        body = problem(
            400,
            _("The query names parameters this operation does not take: %(names)s.")
            % {"names": ", ".join(unknown)},
            code="invalid",
            errors=[
                {"field": f"/{name}", "code": "unknown", "message": message} for name in unknown
            ],
        )
        return JsonResponse(body, status=400, content_type=PROBLEM_CONTENT_TYPE)
