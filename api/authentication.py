"""Token authentication: knox's hashed tokens, checked without side effects on reads."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's TokenAuthentication, minus its clean-up on every request.

    knox reads every token of the user on each request and deletes the expired ones, so a GET
    would write. Here an expired token is simply refused (401); the expired rows are removed by
    the hourly upkeep (``procurement.services.tokens.purge_expired_tokens``).
    """

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry <= timezone.now()


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document names the token scheme (as DRF's own token scheme did)."""

    target_class = "api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <token>` from `POST /api/v1/auth/token/`; it expires at the "
                "`expires_at` given with it and is revoked by `POST /api/v1/auth/logout/`."
            ),
        }
