"""Production: refuses to start without a secret key and allowed hosts."""

import base64

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

if not PII_VAULT_KEYS:  # noqa: F405
    raise RuntimeError("Environment variable PII_VAULT_KEYS must hold at least one Fernet key in production (docs/privacy.md).")
for _key in PII_VAULT_KEYS:  # noqa: F405
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid = False
    if not _valid:
        raise RuntimeError("Every key in PII_VAULT_KEYS must be a Fernet key: 32 random bytes, URL-safe base64 (docs/privacy.md).")
