from django.urls import include, path
from rest_framework.routers import DefaultRouter

from conversations.api import views

router = DefaultRouter()
router.register("intents", views.IntentViewSet, basename="intent")
router.register("examples", views.TrainingExampleViewSet, basename="example")
router.register("articles", views.KnowledgeArticleViewSet, basename="article")

urlpatterns = [
    path("conversations/", views.ConversationListCreate.as_view(), name="conversation-list"),
    path("conversations/<uuid:public_id>/", views.ConversationDetail.as_view(), name="conversation-detail"),
    path("conversations/<uuid:public_id>/messages/", views.ConversationMessages.as_view(), name="conversation-messages"),
    path("conversations/<uuid:public_id>/close/", views.ConversationClose.as_view(), name="conversation-close"),
    path("conversations/<uuid:public_id>/forget/", views.ConversationForget.as_view(), name="conversation-forget"),
    path("conversations/<uuid:public_id>/rate/", views.ConversationRate.as_view(), name="conversation-rate"),
    path("examples/import/", views.TrainingExampleImport.as_view(), name="example-import"),
    path("", include("conversations.api.copilot")),
    path("", include("conversations.api.workspace")),
    path("", include(router.urls)),
]
