from django.db import transaction
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api.views.audit import AuditEventViewSet
from api.views.auth import LogoutAllView, LogoutView, TokenView
from api.views.bids import BidViewSet
from api.views.contracts import (
    CheckViewSet,
    ContractViewSet,
    DeviationViewSet,
    TenderContractsView,
)
from api.views.criteria import CriterionViewSet, TenderCriterionViewSet
from api.views.evaluations import (
    AwardView,
    BidEvaluationView,
    ConsensusView,
    DeclarationsView,
    DeclarationView,
    EvaluationViewSet,
    MeasureView,
    ScoresView,
    SimulationsView,
    SimulationView,
    TenderEvaluationsView,
)
from api.views.ocds import PublicRecordView, PublicReleasesView
from api.views.organizations import OrganizationViewSet
from api.views.reports import (
    FollowUpReportView,
    FollowUpTargetViewSet,
    PublicFollowUpView,
    PublishFollowUpView,
)
from api.views.tenders import LotViewSet, TenderDocumentViewSet, TenderViewSet
from api.views.tokens import IntegrationTokenViewSet
from api.views.webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = DefaultRouter(trailing_slash=True)
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("tenders", TenderViewSet, basename="tender")
router.register(r"tenders/(?P<tender_pk>[^/.]+)/lots", LotViewSet, basename="tender-lot")
router.register(
    r"tenders/(?P<tender_pk>[^/.]+)/documents", TenderDocumentViewSet, basename="tender-document"
)
router.register(
    r"tenders/(?P<tender_pk>[^/.]+)/criteria", TenderCriterionViewSet, basename="tender-criterion"
)
router.register("criteria", CriterionViewSet, basename="criterion")
router.register("bids", BidViewSet, basename="bid")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("follow-up-targets", FollowUpTargetViewSet, basename="follow-up-target")
router.register("contracts", ContractViewSet, basename="contract")
router.register("checks", CheckViewSet, basename="check")
router.register("deviations", DeviationViewSet, basename="deviation")
router.register("integration-tokens", IntegrationTokenViewSet, basename="integration-token")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")
router.register(
    r"webhooks/(?P<webhook_pk>[^/.]+)/deliveries",
    WebhookDeliveryViewSet,
    basename="webhook-delivery",
)

urlpatterns = [
    # Failed-login counters live in the cache (possibly the database): outside the request's
    # transaction, so a refused login still counts.
    path("auth/token/", transaction.non_atomic_requests(TokenView.as_view()), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", LogoutAllView.as_view(), name="auth-logout-all"),
    path(
        "tenders/<uuid:pk>/evaluations/", TenderEvaluationsView.as_view(), name="tender-evaluations"
    ),
    path(
        "tenders/<uuid:pk>/conflict-declarations/",
        DeclarationsView.as_view(),
        name="tender-declarations",
    ),
    path(
        "tenders/<uuid:pk>/conflict-declarations/<uuid:declaration>/",
        DeclarationView.as_view(),
        name="tender-declaration-detail",
    ),
    path(
        "tenders/<uuid:pk>/conflict-declarations/<uuid:declaration>/measure/",
        MeasureView.as_view(),
        name="tender-declaration-measure",
    ),
    path("tenders/<uuid:pk>/scores/", ScoresView.as_view(), name="tender-scores"),
    path("tenders/<uuid:pk>/consensus/", ConsensusView.as_view(), name="tender-consensus"),
    path("tenders/<uuid:pk>/award/", AwardView.as_view(), name="tender-award"),
    path("tenders/<uuid:pk>/contracts/", TenderContractsView.as_view(), name="tender-contracts"),
    path("tenders/<uuid:pk>/simulations/", SimulationsView.as_view(), name="tender-simulations"),
    path(
        "tenders/<uuid:pk>/simulations/<uuid:simulation>/",
        SimulationView.as_view(),
        name="tender-simulation-detail",
    ),
    path("bids/<uuid:pk>/evaluation/", BidEvaluationView.as_view(), name="bid-evaluation"),
    path("reports/follow-up/", FollowUpReportView.as_view(), name="follow-up"),
    path("reports/follow-up/publish/", PublishFollowUpView.as_view(), name="follow-up-publish"),
    path(
        "public/organizations/<uuid:organization>/follow-up/<int:year>/",
        PublicFollowUpView.as_view(),
        name="public-follow-up",
    ),
    path("public/ocds/releases/", PublicReleasesView.as_view(), name="public-ocds-releases"),
    path("public/ocds/records/<str:ocid>/", PublicRecordView.as_view(), name="public-ocds-record"),
    path("", include(router.urls)),
]
