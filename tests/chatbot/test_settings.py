"""Settings come from the environment: embedded defaults, PostgreSQL/Redis, production refusals."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.chatbot.subprocess_django import ROOT, django_json, run_django

VAULT_KEY = "x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE="  # a valid Fernet key for settings tests only

DESCRIBE = (
    "from django.conf import settings\n"
    "from chatbot.celery import app\n"
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], 'db_name': str(settings.DATABASES['default']['NAME']),"
    " 'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], 'broker': app.conf.broker_url,"
    " 'routes': settings.CELERY_TASK_ROUTES, 'serializer': app.conf.task_serializer, 'acks_late': app.conf.task_acks_late}))"
)


def test_nothing_set_gives_the_embedded_stack(tmp_path):
    info = django_json(DESCRIBE, env={}, var_dir=tmp_path)
    assert info["db"] == "django.db.backends.sqlite3"
    assert info["db_name"] == str(tmp_path / "db.sqlite3")
    assert info["layer"] == "channels.layers.InMemoryChannelLayer"
    assert info["broker"] == "filesystem://"
    assert (tmp_path / "broker" / "queue").is_dir()
    assert info["serializer"] == "json" and info["acks_late"] is True
    assert info["routes"] == {"training.tasks.*": {"queue": "training"}}


def test_database_url_and_redis_url_select_postgres_and_redis(tmp_path):
    env = {"DATABASE_URL": "postgres://someone@db.internal:5432/chat", "REDIS_URL": "redis://cache.internal:6379/3"}
    info = django_json(DESCRIBE, env=env, var_dir=tmp_path)
    assert info["db"] == "django.db.backends.postgresql"
    assert info["db_name"] == "chat"
    assert info["layer"] == "channels_redis.core.RedisChannelLayer"
    assert info["broker"] == "redis://cache.internal:6379/3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "chat.example.com"}, "DJANGO_SECRET_KEY must be set"),
        ({"DJANGO_SECRET_KEY": secrets.token_urlsafe(60)}, "DJANGO_ALLOWED_HOSTS must list"),
        ({"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "chat.example.com"}, "at least 50 characters"),
        ({"DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": "chat.example.com"}, "PII_VAULT_KEYS must hold"),
        ({"DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": "chat.example.com", "PII_VAULT_KEYS": "not-a-key"},
         "must be a Fernet key"),
    ],
)
def test_production_refuses_to_start_without_secret_and_hosts(tmp_path, env, message):
    result = run_django("print('started')", env=env, var_dir=tmp_path, settings="chatbot.settings.production")
    assert result.returncode != 0
    assert message in result.stderr


def test_production_check_deploy_is_clean(tmp_path):
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    env.update({
        "DJANGO_SETTINGS_MODULE": "chatbot.settings.production", "CHATBOT_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": "chat.example.com", "PII_VAULT_KEYS": VAULT_KEY,
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_embedded_defaults_migrate_and_serve_health(tmp_path):
    """A fresh machine with nothing set: migrate SQLite, then the health endpoint sees every part working."""
    code = (
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.test import Client\n"
        "r = Client().get('/api/v1/health/')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    info = django_json(code, env={}, var_dir=tmp_path)
    assert info["status"] == 200, info
    checks = info["body"]["checks"]
    assert checks["database"]["vendor"] == "sqlite"
    assert checks["broker"]["transport"] == "filesystem"
    assert checks["channel_layer"]["backend"] == "InMemoryChannelLayer"
    assert checks["models"]["active"] == {}
