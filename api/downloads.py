"""Downloads: the file's own media type, or application/octet-stream when that is what the
client asks for, and never a 406 for an Accept header that names the file's type.

The OpenAPI document lists ``application/octet-stream`` first and then every media type a
download can have (``procurement.uploads.ALLOWED``), so that a generated client reads any
download as bytes and the document still says which types the server sends.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation

from procurement.uploads import ALLOWED

OCTET_STREAM = "application/octet-stream"
DOCUMENT_MEDIA_TYPES = tuple(sorted({media_type for media_type, _family in ALLOWED.values()}))


class DownloadNegotiation(DefaultContentNegotiation):
    """DRF's negotiation picks the renderer for JSON answers (the problem details of a 404);
    a file is not rendered, so an Accept of ``application/pdf`` is no reason for a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def as_requested(request, response, media_type: str):
    """The response as ``application/octet-stream`` when the client prefers that to the
    file's own type (``Accept: application/octet-stream``)."""
    if request.get_preferred_type([media_type, OCTET_STREAM]) == OCTET_STREAM:
        response["Content-Type"] = OCTET_STREAM
    return response


def download_responses(description: str, media_types: tuple[str, ...]) -> dict:
    """The 200 of a download: bytes, as octet-stream (when asked for) or their own type."""
    return {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for media_type in (OCTET_STREAM, *media_types)
    }
