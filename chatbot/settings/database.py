"""DATABASE_URL selects PostgreSQL; with nothing set a SQLite file under VAR_DIR."""

import dj_database_url

from chatbot.settings.paths import VAR_DIR
from chatbot.settings.env import env_int, env_str

_url = env_str("DATABASE_URL")
# A database that does not answer fails a request (503) after this long instead of holding a worker
# thread for the kernel's TCP timeout (minutes); a URL's own ?connect_timeout= wins.
DATABASE_CONNECT_TIMEOUT_S = env_int("DATABASE_CONNECT_TIMEOUT_S", 5)

if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT_S)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # SQLite is shared by the web process and the worker: wait for locks instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
