from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api.views.auth import TokenView
from api.views.bids import BidViewSet
from api.views.criteria import CriterionViewSet, TenderCriterionViewSet
from api.views.organizations import OrganizationViewSet
from api.views.tenders import LotViewSet, TenderDocumentViewSet, TenderViewSet

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

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("", include(router.urls)),
]
