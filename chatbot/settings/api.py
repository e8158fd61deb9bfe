"""Django REST Framework and the OpenAPI schema."""

from chatbot.settings.env import env_str

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "conversations.api.auth.ConversationTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "public_create": env_str("THROTTLE_PUBLIC_CREATE", "30/min"),
        "public_message": env_str("THROTTLE_PUBLIC_MESSAGE", "60/min"),
    },
    "EXCEPTION_HANDLER": "conversations.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chatbot platform API",
    "DESCRIPTION": "Conversations, messages, knowledge base and intents. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "TrainingRunStatusEnum": "training.models.TrainingRun.Status",
        "ModelKindEnum": "training.models.ModelKind",
        "TrainableKindEnum": ["intent"],
    },
}
