from django.contrib import admin
from django.contrib.auth.views import LoginView, LogoutView
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from api.views.health import healthz, readyz
from workbench.followup import public_report
from workbench.sites import LimitedLoginForm

api_auth = [
    path(
        "login/",
        LoginView.as_view(
            template_name="rest_framework/login.html", authentication_form=LimitedLoginForm
        ),
        name="login",
    ),
    path("logout/", LogoutView.as_view(), name="logout"),
]

urlpatterns = [
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
    path("admin/", admin.site.urls),
    # The admin's language switch (set_language: a cookie; the API ignores it).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    # A published follow-up report for everyone, to read and print (its JSON is in the API).
    path("follow-up/<uuid:organization>/<int:year>/", public_report, name="follow-up-page"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The browsable API's login and logout (DRF's own names), the login with the same limits
    # on failed logins as the token endpoint and the admin.
    path("api-auth/", include((api_auth, "rest_framework"))),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]

handler400 = "api.errors.json_400"
handler404 = "api.errors.json_404"
handler500 = "api.errors.json_500"
