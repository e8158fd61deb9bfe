"""Settings for a daphne started by the browser test or the benchmark: the test settings, serving
static files straight from the apps (no collectstatic step)."""

from chatbot.settings.test import *  # noqa: F401,F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
