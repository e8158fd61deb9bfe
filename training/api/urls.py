from django.urls import path
from rest_framework.routers import SimpleRouter

from training.api import audit_views, insights, search, views

router = SimpleRouter()
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")
router.register("model-versions", views.ModelVersionViewSet, basename="model-version")

urlpatterns = router.urls + [path("search/", search.KnowledgeSearch.as_view(), name="knowledge-search")]
urlpatterns += [
    path("model-versions/<int:pk>/audit/", audit_views.ModelVersionAuditView.as_view(), name="model-version-audit"),
    path("model-versions/<int:pk>/audit/page/", audit_views.ModelVersionAuditPageView.as_view(), name="model-version-audit-page"),
]
urlpatterns += [
    path("reports/unanswered/", insights.UnansweredReportView.as_view(), name="unanswered-report"),
    path("reports/unanswered/csv/", insights.UnansweredReportCsv.as_view(), name="unanswered-report-csv"),
]
