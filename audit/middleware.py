import re
import uuid

from audit import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Give every request an id (or keep a sane X-Request-ID) and remember the client address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        via = "admin" if request.path.startswith("/admin/") else "api"
        token = context.set_current(
            context.RequestContext(
                request_id=request_id,
                client_address=request.META.get("REMOTE_ADDR", ""),
                via=via,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
