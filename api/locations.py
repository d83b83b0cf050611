"""Location on 201: where the created object can be read (RFC 9110, 15.3.2).

A create answers 201 with the object; when the collection has a detail route for it
(POST /api/v1/tenders/ -> /api/v1/tenders/{id}/), the answer also says where it lives. Views
that create elsewhere (an evaluation under /evaluations/) set their own Location first.
"""

from django.urls import Resolver404, resolve


def created_location(request, response) -> str | None:
    """The detail route of what a POST created (201 with an ``id``), or None."""
    if (
        request.method != "POST"
        or response.status_code != 201
        or not request.path.startswith("/api/v1/")
    ):
        return None
    data = getattr(response, "data", None)
    created = data.get("id") if isinstance(data, dict) else None
    if not created:
        return None
    candidate = f"{request.path.rstrip('/')}/{created}/"
    try:
        match = resolve(candidate)
    except Resolver404:
        return None
    if match.url_name and match.url_name.endswith("-detail"):
        return candidate
    return None


class CreatedLocationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Location"):
            return response
        location = created_location(request, response)
        if location:
            response["Location"] = location
        return response
