"""The cache holds the rate-limit counters (API throttles, socket messages per conversation).

With REDIS_URL every web process counts in the same Redis, so a limit holds across processes;
without it each process counts on its own (the embedded single-process default).
"""

from chatbot.settings.env import env_str

_redis_url = env_str("REDIS_URL")

if _redis_url:
    # The broker and the channel layer share this database: the prefix keeps the cache's keys apart.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url, "KEY_PREFIX": "chatbot-cache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "chatbot"}}
