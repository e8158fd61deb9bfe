"""Django REST Framework and the OpenAPI schema."""

from chatbot.settings.env import env_int, env_str

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
    "DEFAULT_SCHEMA_CLASS": "conversations.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "public_create": env_str("THROTTLE_PUBLIC_CREATE", "30/min"),
        "public_message": env_str("THROTTLE_PUBLIC_MESSAGE", "60/min"),
    },
    # Reverse proxies in front of the web server: throttles then take the client's address from that
    # many X-Forwarded-For hops. 0 uses the peer address only, so a client cannot pick its own.
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "conversations.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Chatbot platform API",
    "DESCRIPTION": "Conversations, messages, knowledge base and intents. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files, never from a public CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "TrainingRunStatusEnum": "training.models.TrainingRun.Status",
        "ModelKindEnum": "training.kinds.kind_choices",
        "TrainableKindEnum": ["intent"],
        # Every channel a conversation can be in, and the two a caller may start one in (the connectors set the others).
        "ConversationChannelEnum": "conversations.models.Conversation.Channel",
        "StartChannelEnum": ["widget", "api"],
        "WebhookEventEnum": "integrations.models.WebhookEvent",
    },
}
