"""Settings shared by every environment. Values come from the environment."""

from pathlib import Path

from chatbot.settings.env import env_bool, env_int, env_list, env_str
from chatbot.settings.paths import BASE_DIR, VAR_DIR

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and Redoc served from our own static files (/api/docs/ and /api/redoc/ work offline).
    "drf_spectacular_sidecar",
    "channels",
    "conversations",
    "training",
    "integrations",
    "connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for the public conversation API (CHAT_ALLOWED_ORIGINS): answers preflights before sessions and CSRF see them.
    "conversations.cors.PublicApiCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "chatbot.urls"
ASGI_APPLICATION = "chatbot.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "admin:login"

# Product limits, documented in docs/api.md.
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 2000)
CHAT_IMPORT_MAX_ROWS = env_int("CHAT_IMPORT_MAX_ROWS", 10_000)
MODEL_DIR = Path(env_str("CHATBOT_MODEL_DIR", str(VAR_DIR / "models")))

from chatbot.settings.answers import *  # noqa: E402,F401,F403
from chatbot.settings.api import *  # noqa: E402,F401,F403
from chatbot.settings.broker import *  # noqa: E402,F401,F403
from chatbot.settings.cache import *  # noqa: E402,F401,F403
from chatbot.settings.database import *  # noqa: E402,F401,F403
from chatbot.settings.logging import *  # noqa: E402,F401,F403
from chatbot.settings.realtime import *  # noqa: E402,F401,F403

CHAT_PIPELINE_PROVIDER = env_str("CHAT_PIPELINE_PROVIDER", "training.serving.pipeline.pipeline_components")
# Web processes load the PII engine and the active models in the background as they start.
CHAT_WARM_UP_ON_START = env_bool("CHAT_WARM_UP_ON_START", True)
from chatbot.settings.audit import *  # noqa: E402,F401,F403
from chatbot.settings.chat import *  # noqa: E402,F401,F403
from chatbot.settings.evaluation import *  # noqa: E402,F401,F403
from chatbot.settings.privacy import *  # noqa: E402,F401,F403
from chatbot.settings.responder import *  # noqa: E402,F401,F403
from chatbot.settings.retrieval import *  # noqa: E402,F401,F403
from chatbot.settings.integrations import *  # noqa: E402,F401,F403
from chatbot.settings.connectors import *  # noqa: E402,F401,F403
from chatbot.settings.copilot import *  # noqa: E402,F401,F403
