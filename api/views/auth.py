from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import problems
from api.serializers.common import StrictSerializer
from audit import context
from procurement import usernames
from procurement.errors import DomainError
from procurement.models import ApiToken
from procurement.services import logins, tokens


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenResponseSerializer(StrictSerializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`")
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="After this the token answers 401; log in again"
    )


class InvalidCredentials(DomainError):
    status = 400
    title = gettext_lazy("Invalid credentials")
    default_code = "invalid_credentials"


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenView(APIView):
    """Exchange a username and password for a new API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Each call issues a new token for this client, valid until `expires_at` "
            "(`ANBUD_TOKEN_TTL_SECONDS`, 10 hours by default); send it as "
            "`Authorization: Token <token>`. Tokens are stored hashed, revoked by logout, "
            "logout-all and a password change. Failed attempts are limited per username and per "
            "client address with a growing back-off (429 with `Retry-After`), shared by every "
            "worker; a right password is never slowed down unless that back-off is running."
        ),
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, **problems(400, 429)},
        examples=[
            OpenApiExample(
                "Demo officer",
                value={"username": "officer1", "password": "anbud-demo-2026"},
                request_only=True,
            )
        ],
        tags=["auth"],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = usernames.normalized(data.validated_data["username"])
        client = context.current().client_address
        try:
            attempt = logins.begin(username, client)
        except logins.LoginWaiting as waiting:
            raise Throttled(
                wait=waiting.wait,
                detail=_("Too many failed logins for this username or from this address."),
            ) from None
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None or not user.is_active:
            attempt.failed()
            raise InvalidCredentials(_("The username or password is wrong."))
        attempt.succeeded()
        token, raw = tokens.issue_login_token(user=user, client_address=client)
        return Response({"token": raw, "expires_at": token.expiry}, headers=NO_STORE)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke the token used",
        description="The token in the `Authorization` header answers 401 from now on.",
        request=None,
        responses={204: OpenApiResponse(description="Revoked"), **problems(400, 401)},
        tags=["auth"],
    )
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.revoke_token(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_all",
        summary="Revoke every token of the user",
        description=(
            "Every API token of the calling user, on every client, integration tokens "
            "included, answers 401 from now on."
        ),
        request=None,
        responses={204: OpenApiResponse(description="Revoked"), **problems(400, 401)},
        tags=["auth"],
    )
    def post(self, request):
        tokens.revoke_all_tokens(user=request.user, actor=request.user, reason="logout_all")
        return Response(status=status.HTTP_204_NO_CONTENT)
