"""Integration tokens: named, long-lived tokens that an organisation's admin creates for a
system acting as one of its members, lists and revokes (ADR 0009). Login tokens are not here:
they come from ``POST /auth/token/`` and go with logout."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from api.permissions import RolePermission
from api.schema import LIST, READ, WRITE, problems
from api.serializers.tokens import (
    IntegrationTokenCreatedSerializer,
    IntegrationTokenInputSerializer,
    IntegrationTokenSerializer,
)
from procurement import selectors
from procurement.errors import InvalidInput, field_error
from procurement.models import ApiToken
from procurement.policy import Action
from procurement.services import tokens


@extend_schema_view(
    list=extend_schema(
        summary="List integration tokens",
        description="The organisation's integration tokens (names, members, expiry; never the tokens themselves). Organisation admins and the platform operator.",
        responses={200: IntegrationTokenSerializer(many=True), **problems(*LIST, 403)},
    ),
    retrieve=extend_schema(
        summary="Read an integration token",
        description="Its name, member and expiry; never the token itself.",
        responses={200: IntegrationTokenSerializer, **problems(*READ, 403)},
    ),
    destroy=extend_schema(
        summary="Revoke an integration token",
        description="It answers 401 from now on. Audited.",
        responses={204: None, **problems(*WRITE)},
    ),
)
class IntegrationTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = IntegrationTokenSerializer
    permission_classes = [RolePermission]
    read_actions = {"list": Action.TOKENS_MANAGE, "retrieve": Action.TOKENS_MANAGE}
    write_actions = {"create": Action.TOKENS_MANAGE, "destroy": Action.TOKENS_MANAGE}
    http_method_names = ["get", "post", "delete", "head", "options"]
    queryset = ApiToken.objects.none()
    lookup_value_regex = "[^/.]+"
    filter_backends: list = []  # newest first; nothing to filter or order by

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.integration_tokens_for(self.request.user)

    def get_object(self):
        found = [
            token
            for token in self.get_queryset().filter(digest__startswith=self.kwargs["pk"])
            if token.public_id == self.kwargs["pk"]
        ]
        if len(found) != 1:
            raise Http404
        return found[0]

    @extend_schema(
        summary="Create an integration token",
        description=(
            "A named token for a system that acts as one of the organisation's members (its role "
            "decides what the system may do). The token is in the answer this once, never again; "
            "`expires_in_days` 1-3650 or null for none (default 365). Audited. "
            "Idempotency-Key is not kept here: an answer holding a token is never stored."
        ),
        request=IntegrationTokenInputSerializer,
        responses={201: IntegrationTokenCreatedSerializer, **problems(*WRITE)},
    )
    def create(self, request):
        serializer = IntegrationTokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = selectors.token_members_for(request.user).filter(pk=data["user"]).first()
        if member is None:
            raise InvalidInput(
                _("The integration token cannot be created."),
                errors=[field_error("/user", "not_found", _("No member of yours has this id."))],
            )
        token, raw = tokens.issue_integration_token(
            actor=request.user,
            user=member,
            name=data["name"],
            expires_in_days=data.get("expires_in_days"),
        )
        body = IntegrationTokenCreatedSerializer({**_as_dict(token), "token": raw}).data
        return Response(body, status=status.HTTP_201_CREATED)  # Location: api.locations

    def destroy(self, request, pk=None):
        tokens.revoke_integration_token(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _as_dict(token: ApiToken) -> dict:
    return {
        "public_id": token.public_id,
        "name": token.name,
        "user": token.user,
        "created_by": token.created_by,
        "created": token.created,
        "expiry": token.expiry,
    }
