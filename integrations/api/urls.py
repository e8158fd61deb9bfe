from rest_framework.routers import SimpleRouter

from integrations.api import actions, webhooks

router = SimpleRouter()
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("bot-actions", actions.BotActionViewSet, basename="bot-action")

urlpatterns = router.urls
