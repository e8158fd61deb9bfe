"""Celery: Redis broker when REDIS_URL is set, else a filesystem spool that needs no server."""

from chatbot.queues import Queue
from chatbot.settings.paths import VAR_DIR
from chatbot.settings.env import env_int, env_str

_redis_url = env_str("REDIS_URL")

if _redis_url:
    CELERY_BROKER_URL = _redis_url
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 6 * 3600}
else:
    _spool = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    # Producer and consumer must read and write the same folder.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_spool / "queue"),
        "data_folder_out": str(_spool / "queue"),
        "processed_folder": str(_spool / "processed"),
        # Exchange bindings; kombu's default is a "control" folder in the working directory.
        "control_folder": str(_spool / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_spool / _folder).mkdir(parents=True, exist_ok=True)

# Run state lives in TrainingRun rows, so no result backend is needed.
CELERY_TASK_IGNORE_RESULT = True
# JSON only: tasks take ids, never pickled objects.
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged after it finishes, so a killed worker's task is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One long task at a time per worker process; do not hoard messages.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard and soft limits for any task (training sets its own where longer).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 6 * 3600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 6 * 3600 - 60)

# A worker that starts before Redis keeps retrying instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = Queue.DEFAULT.value
# Long jobs go to their own queue so that a GPU worker can take them alone.
CELERY_TASK_ROUTES = {"training.tasks.*": {"queue": Queue.TRAINING.value}}
# Workers log through Django's LOGGING, so the PII filter applies to them too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic jobs run by `celery beat`.
CELERY_BEAT_SCHEDULE = {
    "purge-expired-pii": {"task": "conversations.tasks.purge_expired_pii", "schedule": 3600.0},
    # Webhook deliveries whose queued message was lost (broker down when sent) go out again.
    "requeue-stale-webhooks": {"task": "integrations.tasks.webhook_requeue_stale", "schedule": 300.0},
}
