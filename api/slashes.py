"""The trailing slash: an API address without its slash is redirected without losing the method.

Django's ``CommonMiddleware`` answers 301 to a path that only exists with a slash. Clients
follow a 301 (and a 302) of a POST with a GET, so ``POST /api/v1/tenders`` used to end as
``GET /api/v1/tenders/`` and a 200 with the list: the tender was never created and the client
could not tell. Under /api/ a write is redirected with 308 instead (RFC 9110, 15.4.9: the
method and body are kept), with problem details that name the right address for a client that
does not follow redirects; a read keeps its 301. Elsewhere (the admin) nothing changes.
"""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware
from django.utils.translation import gettext as _

from api.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE

_API = "/api/"
_READS = frozenset({"GET", "HEAD"})


class ApiSlashMiddleware(CommonMiddleware):
    def get_full_path_with_slash(self, request):
        if not request.path.startswith(_API) or request.method in _READS:
            return super().get_full_path_with_slash(request)
        # No RuntimeError with DEBUG: a 308 keeps the method and the body.
        return request.get_full_path(force_append_slash=True)

    def process_response(self, request, response):
        if (
            response.status_code == 404
            and request.path.startswith(_API)
            and request.method not in _READS
            and self.should_redirect_with_slash(request)
        ):
            location = self.get_full_path_with_slash(request)
            response = HttpResponsePermanentRedirect(location, preserve_request=True)
            response["Content-Type"] = PROBLEM_CONTENT_TYPE
            response.content = JsonResponse(
                {
                    "type": PROBLEM_TYPE_BASE + "trailing-slash",
                    "title": _("Permanent redirect"),
                    "status": 308,
                    "detail": _(
                        "This address ends with a slash: %(location)s. Send the request there "
                        "(the redirect keeps the method and the body)."
                    )
                    % {"location": location},
                    "code": "trailing_slash",
                    "location": location,
                }
            ).content
        return super().process_response(request, response)
