"""Conditional GET for the API: an ETag that changes whenever the body does, and 304.

Detail answers already carry ``"<id>-<version>"`` for If-Match on updates; the version alone
does not say everything a reader sees (``bids_received`` grows, a tender closes at its deadline,
roles see different fields). So every 200 GET of the API gets the hash of its body appended
(``"<id>-<version>-<hash>"``, or ``"<hash>"`` for lists), ``Cache-Control: private, no-cache``
(each client revalidates; nothing is kept in shared caches) and ``Vary: Authorization`` (beside
``Vary: Accept-Language`` from api.language). The hash covers the body and its
``Content-Language``. A client that sends the tag back as If-None-Match gets 304 without a body,
with the same ETag, Cache-Control, Vary and Content-Language.
"""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.cache import patch_vary_headers


def _matches(if_none_match: str, tag: str) -> bool:
    wanted = {item.strip().removeprefix("W/") for item in if_none_match.split(",")}
    return "*" in wanted or tag in wanted


class ConditionalApiGetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method not in ("GET", "HEAD")
            or not request.path.startswith("/api/v1/")
            or response.status_code != 200
            or response.streaming
            or response.has_header("Cache-Control")  # exports and tokens say no-store
        ):
            return response
        # The language is part of the representation: a Swedish and an English answer never
        # share a tag, even where no text in the body differs (Content-Language does).
        language = response.get("Content-Language", "").encode("ascii", "replace")
        digest = hashlib.blake2b(response.content + b"\0" + language, digest_size=8).hexdigest()
        version_tag = response.get("ETag", "")
        tag = f'{version_tag[:-1]}-{digest}"' if version_tag.endswith('"') else f'"{digest}"'
        response["ETag"] = tag
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ["Authorization"])
        if _matches(request.headers.get("If-None-Match", ""), tag):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary", "Content-Language"):
                if response.has_header(header):
                    not_modified[header] = response[header]
            return not_modified
        return response
