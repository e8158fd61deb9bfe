"""Channels layer: Redis when REDIS_URL is set, else in-process (single web process)."""

from chatbot.settings.env import env_str


def redis_channel_layer(url: str, *, prefix: str) -> dict:
    """The Redis layer as deployed; tests that need a prefix of their own build theirs here too.

    Each socket waits on Redis with a 5 s BZPOPMIN, and redis-py 8 gives every read a 5 s socket timeout by
    default: the two race, and a socket whose reply lands just after 5 s (a loaded machine) loses its layer
    connection and is closed. Reads get longer than the block; a restarted Redis still fails at once.
    """
    return {"BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 15}], "prefix": prefix}}


_redis_url = env_str("REDIS_URL")

if _redis_url:
    CHANNEL_LAYERS = {"default": redis_channel_layer(_redis_url, prefix=env_str("CHANNELS_PREFIX", "chatbot"))}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
