from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from chatbot.health import HealthView

urlpatterns = [
    path("admin/reports/unanswered/", include("training.admin.insights")),
    path("admin/", admin.site.urls),
    path("api/v1/health/", HealthView.as_view(), name="health"),
    path("api/v1/", include("conversations.api.urls")),
    path("api/v1/", include("training.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/v1/connectors/", include("connectors.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc from our own static files, with no font or logo from a CDN (templates/api_docs/redoc.html).
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"), name="redoc"),
    path("", include("conversations.urls")),
]

handler404 = "conversations.api.errors.page_not_found"
