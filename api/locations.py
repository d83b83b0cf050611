"""Location on 201: where the created object can be read (RFC 9110, 15.3.2).

A create answers 201 with the object; when the collection has a detail route for it
(POST /api/v1/tenders/ -> /api/v1/tenders/{id}/), the answer also says where it lives. Views
that create elsewhere (an evaluation under /evaluations/) set their own Location first.
"""

from django.urls import Resolver404, resolve


class CreatedLocationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method != "POST"
            or response.status_code != 201
            or response.has_header("Location")
            or not request.path.startswith("/api/v1/")
        ):
            return response
        data = getattr(response, "data", None)
        created = data.get("id") if isinstance(data, dict) else None
        if not created:
            return response
        candidate = f"{request.path.rstrip('/')}/{created}/"
        try:
            match = resolve(candidate)
        except Resolver404:
            return response
        if match.url_name and match.url_name.endswith("-detail"):
            response["Location"] = candidate
        return response
