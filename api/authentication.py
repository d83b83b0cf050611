"""Token authentication: knox's hashed tokens, checked without side effects on reads."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

# Both say the same: `Token` (knox's and DRF's word) and `Bearer` (RFC 6750, what most HTTP
# client libraries and API gateways send).
SCHEMES = (b"token", b"bearer")


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's TokenAuthentication, minus its clean-up on every request, and with
    ``Authorization: Bearer <token>`` accepted beside ``Token <token>``.

    knox reads every token of the user on each request and deletes the expired ones, so a GET
    would write. Here an expired token is simply refused (401); the expired rows are removed by
    the hourly upkeep (``procurement.services.tokens.purge_expired_tokens``).
    """

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in SCHEMES:
            return None  # another scheme: the session, or nothing
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: give the scheme and the token, e.g. Bearer abc.")
            )
        return self.authenticate_credentials(auth[1])

    def _cleanup_token(self, auth_token) -> bool:
        return auth_token.expiry is not None and auth_token.expiry <= timezone.now()


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document names the token schemes (either will do)."""

    target_class = "api.authentication.ExpiringTokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        return [{"tokenAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    "`Token <token>` from `POST /api/v1/auth/token/`; it expires at the "
                    "`expires_at` given with it and is revoked by `POST /api/v1/auth/logout/`. "
                    "Integration tokens (`/api/v1/integration-tokens/`) are sent the same way."
                ),
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": "The same tokens as `Authorization: Bearer <token>` (RFC 6750).",
            },
        ]
