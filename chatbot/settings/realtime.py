"""Channels layer: Redis when REDIS_URL is set, else in-process (single web process)."""

from chatbot.settings.env import env_str

_redis_url = env_str("REDIS_URL")

if _redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Each socket waits on Redis with a 5 s BZPOPMIN; redis-py's own 5 s default read timeout would race it
            # and fail idle sockets, so reads get longer than the block (a restarted Redis still fails at once).
            "CONFIG": {"hosts": [{"address": _redis_url, "socket_timeout": 15}], "prefix": env_str("CHANNELS_PREFIX", "chatbot")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
