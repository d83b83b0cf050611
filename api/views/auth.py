from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import problems
from audit.services import record, record_deferred
from procurement.errors import DomainError


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class InvalidCredentials(DomainError):
    status = 400
    title = "Invalid credentials"
    default_code = "invalid_credentials"


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        description=(
            "Returns the user's token; send it as `Authorization: Token <token>`. Failed attempts "
            "are recorded in the audit trail and throttled."
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
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            record_deferred(
                action="auth.login_failed",
                object_type="user",
                data={"username": data.validated_data["username"][:150]},
                system="auth",
            )
            raise InvalidCredentials("The username or password is wrong.")
        with transaction.atomic():
            token, created = Token.objects.get_or_create(user=user)
            record(
                action="auth.token_issued",
                actor=user,
                object_type="token",
                object_id=user.pk,
                data={"new": created},
            )
        return Response({"token": token.key})
