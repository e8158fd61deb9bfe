"""DATABASE_URL selects PostgreSQL; with nothing set a SQLite file under VAR_DIR."""

import dj_database_url

from chatbot.settings.paths import VAR_DIR
from chatbot.settings.env import env_int, env_str

_url = env_str("DATABASE_URL")

if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # SQLite is shared by the web process and the worker: wait for locks instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
