"""Channels layer: Redis when REDIS_URL is set, else in-process (single web process)."""

from chatbot.settings.env import env_str

_redis_url = env_str("REDIS_URL")

if _redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_redis_url], "prefix": env_str("CHANNELS_PREFIX", "chatbot")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
