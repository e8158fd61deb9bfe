"""Settings of the processes a drill starts: the live-test settings, plus a Redis visibility timeout and
restore sweep short enough that a task whose worker died is delivered again within the drill.

In production the visibility timeout (chatbot/settings/broker.py, 6 h) must exceed the longest task:
a task still running when it expires is delivered to a second worker while the first goes on.
"""

import os

from tests.live.server_settings import *  # noqa: F401,F403

if os.environ.get("DRILL_VISIBILITY_TIMEOUT_S"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": float(os.environ["DRILL_VISIBILITY_TIMEOUT_S"]),
        "unacked_restore_interval": 2,  # sweep for expired unacknowledged tasks every 2 s...
        "unacked_restore_throttle": 1,  # ...on every sweep (kombu's defaults add up to ~100 s)
    }
