"""Production: refuses to start without a secret key and allowed hosts."""

from chatbot.settings.base import *  # noqa: F401,F403
from chatbot.settings.env import env_bool, env_int, env_list, env_required

SECRET_KEY = env_required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise RuntimeError("Environment variable DJANGO_ALLOWED_HOSTS must list the served host names in production.")
if SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
    raise RuntimeError("DJANGO_SECRET_KEY must be a random string of at least 50 characters.")
DEBUG = False

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
