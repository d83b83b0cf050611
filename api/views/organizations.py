from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.permissions import RolePermission
from api.schema import LIST, READ, WRITE, problems
from api.serializers.organizations import MemberSerializer, OrganizationSerializer
from procurement import selectors
from procurement.policy import Action
from procurement.services import organizations as org_services
from procurement.services.opening import set_opening_quorum


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        description="Members see their own organisation; bidders also the buyers of published tenders; superusers all.",
        responses={200: OrganizationSerializer(many=True), **problems(*LIST)},
    ),
    retrieve=extend_schema(
        summary="Read an organisation",
        description="Your own organisation; the platform operator reads all. Another organisation is 404.",
        responses={200: OrganizationSerializer, **problems(*READ)},
    ),
    create=extend_schema(
        summary="Create an organisation (platform operator)",
        description="Superusers create buyer and supplier organisations. `sme_class` is derived from the supplier facts.",
        responses={201: OrganizationSerializer, **problems(400, 401, 403)},
    ),
    partial_update=extend_schema(
        summary="Update an organisation's facts",
        description="Superusers, or the organisation's admin (buyers) or bidder (suppliers, their own facts). `opening_quorum` only by an admin, audited.",
        responses={200: OrganizationSerializer, **problems(*WRITE)},
    ),
)
class OrganizationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = OrganizationSerializer
    permission_classes = [RolePermission]
    write_actions = {
        "create": Action.ORGANIZATION_CREATE,
        "partial_update": Action.ORGANIZATION_CHANGE,
        "members": Action.MEMBER_ADD,
    }
    filterset_fields = ["kind", "country", "non_profit"]
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.organizations_for(self.request.user)

    def create(self, request):
        serializer = OrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        quorum = data.pop("opening_quorum", None)
        org = org_services.create_organization(actor=request.user, **data)
        if quorum is not None and quorum != org.opening_quorum:
            org = set_opening_quorum(organization=org, actor=request.user, quorum=quorum)
        return Response(OrganizationSerializer(org).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        org = self.get_object()
        serializer = OrganizationSerializer(org, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        quorum = data.pop("opening_quorum", None)
        org = org_services.update_organization(organization=org, actor=request.user, changes=data)
        if quorum is not None and quorum != org.opening_quorum:
            org = set_opening_quorum(organization=org, actor=request.user, quorum=quorum)
        return Response(OrganizationSerializer(org).data)

    @extend_schema(
        methods=["GET"],
        summary="List the organisation's members",
        description="Accounts of the organisation with their roles. Organisation admins and the platform operator.",
        responses={200: MemberSerializer(many=True), **problems(*LIST)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a member",
        description="Superusers add members to any organisation; a buyer's admin to their own. Passwords are checked by Django's validators.",
        request=MemberSerializer,
        responses={201: MemberSerializer, **problems(*WRITE)},
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        org = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.members_for(request.user, org))
            return self.get_paginated_response(MemberSerializer(page, many=True).data)
        serializer = MemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = org_services.add_member(
            organization=org, actor=request.user, **serializer.validated_data
        )
        return Response(MemberSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="organizations_member_retrieve",
        summary="Read a member",
        description="One account of the organisation with its role (the Location of its creation). Members of the organisation and the platform operator.",
        parameters=[
            OpenApiParameter(
                "member_pk", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The user's id"
            )
        ],
        responses={200: MemberSerializer, **problems(*READ)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"members/(?P<member_pk>[^/.]+)",
        url_name="member-detail",
        filter_backends=[],
    )
    def member(self, request, pk=None, member_pk=None):
        org = self.get_object()
        user = get_object_or_404(selectors.members_for(request.user, org), pk=member_pk)
        return Response(MemberSerializer(user).data)

    def get_permissions(self):
        # Reading the member list is a GET on an action with write roles: allow every member
        # (the selector limits it to the organisation).
        if self.action == "members" and self.request.method == "GET":
            return [IsAuthenticated()]
        return super().get_permissions()
