"""Development defaults: the embedded stack (SQLite, in-process layer, filesystem broker)."""

from chatbot.settings.base import *  # noqa: F401,F403
from chatbot.settings.env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
