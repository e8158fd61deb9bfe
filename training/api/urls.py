from rest_framework.routers import SimpleRouter

from training.api import views

router = SimpleRouter()
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")
router.register("model-versions", views.ModelVersionViewSet, basename="model-version")

urlpatterns = router.urls
