"""Webhooks: the organisation's endpoints, their delivery log, pings and redeliveries
(API.md, "Second wave"). Admins and officers of the organisation; the rules and the audit
are webhooks.services'."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.response import Response

from api.etags import etag_for, expected_version
from api.permissions import RolePermission
from api.schema import LIST, READ, WRITE, problems
from api.serializers.webhooks import (
    DeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)
from procurement.policy import Action
from webhooks import selectors, services
from webhooks.models import Delivery, WebhookEndpoint

MANAGE = Action.WEBHOOKS_MANAGE
WEBHOOK_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The webhook endpoint's id"
)


@extend_schema(parameters=[WEBHOOK_ID])
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookEndpointSerializer
    permission_classes = [RolePermission]
    read_actions = {"list": MANAGE, "retrieve": MANAGE}
    write_actions = {
        "create": MANAGE,
        "partial_update": MANAGE,
        "destroy": MANAGE,
        "ping": MANAGE,
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = WebhookEndpoint.objects.none()
    filterset_fields = ["active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return selectors.endpoints_for(self.request.user)

    @extend_schema(
        summary="The organisation's webhook endpoints",
        description="Admins and officers of the organisation. The secret is never shown here.",
        responses={200: WebhookEndpointSerializer(many=True), **problems(*LIST, 403)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Read a webhook endpoint",
        description="Returns an `ETag`; send it as `If-Match` with PATCH.",
        responses={200: WebhookEndpointSerializer, **problems(*READ, 403)},
    )
    def retrieve(self, request, *args, **kwargs):
        endpoint = self.get_object()
        response = Response(WebhookEndpointSerializer(endpoint).data)
        response["ETag"] = etag_for(endpoint)
        return response

    @extend_schema(
        summary="Add a webhook endpoint",
        description=(
            "`events`: tender.published, tender.amended, tender.opened, evaluation.completed, "
            "tender.awarded, tender.cancelled, contract.signed, contract.check_requested, "
            "contract.check_overdue, contract.deviation_opened, contract.deviation_closed. "
            "The answer holds the signing `secret` "
            "(`whsec_<base64>`) once: keep it, it is never shown again. Deliveries are signed "
            "as Standard Webhooks do (`webhook-id`, `webhook-timestamp`, `webhook-signature`). "
            "The URL must be https and a public address (400 otherwise) unless the server "
            "allows http or private addresses. The endpoint hears of events after its "
            "creation only. Audited."
        ),
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **problems(*WRITE)},
        examples=[
            OpenApiExample(
                "The region's case system",
                value={
                    "url": "https://diarie.region.example/anbud/hooks",
                    "events": ["tender.published", "tender.opened", "tender.awarded"],
                    "active": True,
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.create_endpoint(
            actor=request.user,
            organization=request.user.organization,
            **serializer.validated_data,
        )
        body = WebhookEndpointCreatedSerializer(created.endpoint).data
        body["secret"] = created.secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a webhook endpoint",
        description=(
            "`url`, `events`, `active`. Turning an endpoint on again (`active: true`, e.g. "
            "after Anbud disabled it) starts its count of failures afresh. Send the ETag you "
            "read as `If-Match` (412 when stale). Audited."
        ),
        request=WebhookEndpointSerializer(partial=True),
        responses={200: WebhookEndpointSerializer, **problems(*WRITE, 412)},
    )
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        version = expected_version(request, endpoint)
        serializer = WebhookEndpointSerializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        endpoint = services.update_endpoint(
            endpoint=endpoint,
            actor=request.user,
            changes=dict(serializer.validated_data),
            expected_version=version,
        )
        response = Response(WebhookEndpointSerializer(endpoint).data)
        response["ETag"] = etag_for(endpoint)
        return response

    @extend_schema(
        summary="Remove a webhook endpoint",
        description="With its delivery log; nothing more is sent to it. Audited.",
        responses={204: None, **problems(*WRITE)},
    )
    def destroy(self, request, pk=None):
        services.delete_endpoint(endpoint=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Send a test message",
        description=(
            "A `webhook.ping` delivery, sent once right after this request (also to an "
            "endpoint that is not active, to try it before turning it on). Its outcome is in "
            "the delivery log. Audited."
        ),
        request=None,
        responses={202: DeliverySerializer, **problems(*WRITE)},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = services.ping_endpoint(endpoint=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "webhook_pk",
            OpenApiTypes.UUID,
            OpenApiParameter.PATH,
            description="The webhook endpoint's id",
        ),
        OpenApiParameter(
            "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The delivery's id"
        ),
    ]
)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DeliverySerializer
    permission_classes = [RolePermission]
    read_actions = {"list": MANAGE, "retrieve": MANAGE}
    write_actions = {"redeliver": MANAGE}
    http_method_names = ["get", "post", "head", "options"]
    queryset = Delivery.objects.none()
    filterset_fields = ["status", "event"]

    def get_endpoint(self) -> WebhookEndpoint:
        if not hasattr(self, "_endpoint"):
            user: Any = self.request.user  # signed in: RolePermission ran first
            self._endpoint = get_object_or_404(
                selectors.endpoints_for(user), pk=self.kwargs["webhook_pk"]
            )
        return self._endpoint

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delivery.objects.none()
        return selectors.deliveries_for(self.request.user).filter(endpoint=self.get_endpoint())

    @extend_schema(
        summary="The endpoint's delivery log",
        description=(
            "Newest first: `event`, `status` (pending, delivered, failed), `attempts`, "
            "`response_status`, `last_attempt_at` and `next_attempt_at`. A message is tried "
            "at once, then after 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 14 h (±10 %)."
        ),
        responses={200: DeliverySerializer(many=True), **problems(*LIST, 403)},
    )
    def list(self, request, *args, **kwargs):
        self.get_endpoint()
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Read a delivery",
        description=(
            "One entry of the log: the event, its `message_id` (the `webhook-id` header, the "
            "same on every retry), `status`, `attempts`, the last `response_status` or "
            "`error`, `last_attempt_at` and `next_attempt_at`. The payload is not repeated: it "
            "is what the receiver got."
        ),
        responses={200: DeliverySerializer, **problems(*READ, 403)},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Deliver a message again",
        description=(
            "The same message (same `webhook-id` and body, a fresh signature) once more, as "
            "a new entry of the log, sent right after this request: one attempt. 409 while "
            "the message is still pending. Audited."
        ),
        request=None,
        responses={202: DeliverySerializer, **problems(*WRITE, 409)},
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_pk=None, pk=None):
        copy = services.redeliver(delivery=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)
