"""docker-compose.yml must run what the code reads: services, commands, environment, dependencies."""

import importlib
import json
import secrets
import shutil
import subprocess
from urllib.parse import urlparse

import pytest
import yaml

from chatbot.queues import Queue
from tests.chatbot.subprocess_django import ROOT, django_json

APP_SERVICES = ["web", "worker", "gpu-worker", "beat"]
# Read by Django itself rather than by our settings helpers.
FRAMEWORK_VARS = {"DJANGO_SETTINGS_MODULE"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def production_vars(tmp_path_factory) -> set[str]:
    code = "from chatbot.settings.env import READ_VARS\nprint(json.dumps(sorted(READ_VARS)))"
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "DJANGO_ALLOWED_HOSTS": "chat.example.com", "PII_VAULT_KEYS": "x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE="}
    return set(django_json(code, env=env, var_dir=tmp_path_factory.mktemp("var"), settings="chatbot.settings.production"))


def _queues(command: list[str]) -> set[str]:
    return set(command[command.index("-Q") + 1].split(","))


def test_the_stack_has_every_service(compose):
    assert set(compose["services"]) == {*APP_SERVICES, "postgres", "redis"}
    assert (ROOT / "Dockerfile").is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_read_only_variables_the_settings_know(compose, production_vars, name):
    env = compose["services"][name]["environment"]
    unknown = set(env) - production_vars - FRAMEWORK_VARS
    assert not unknown, f"{name} sets variables no setting reads: {unknown}"
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= set(env)
    module = env["DJANGO_SETTINGS_MODULE"]
    assert module == "chatbot.settings.production"
    assert importlib.util.find_spec(module) is not None


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_point_at_the_compose_database_and_redis(compose, name):
    service, postgres = compose["services"][name], compose["services"]["postgres"]
    db = urlparse(service["environment"]["DATABASE_URL"])
    assert (db.scheme, db.hostname, db.port) == ("postgres", "postgres", 5432)
    assert db.username == postgres["environment"]["POSTGRES_USER"]
    assert db.path.lstrip("/") == postgres["environment"]["POSTGRES_DB"]
    assert urlparse(service["environment"]["REDIS_URL"]).hostname == "redis"
    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_web_serves_the_asgi_application(compose):
    from django.conf import settings

    command = " ".join(compose["services"]["web"]["command"])
    target = settings.ASGI_APPLICATION.replace(".application", ":application")
    assert "daphne" in command and target in command
    assert "migrate" in command


def test_workers_consume_the_declared_queues(compose):
    from chatbot.celery import app

    worker, gpu = compose["services"]["worker"]["command"], compose["services"]["gpu-worker"]["command"]
    for command in (worker, gpu, compose["services"]["beat"]["command"]):
        assert command[:3] == ["celery", "-A", app.main]
    assert _queues(worker) == {Queue.DEFAULT.value}
    assert _queues(gpu) == {Queue.TRAINING.value}
    routed = {route["queue"] for route in app.conf.task_routes.values()} | {app.conf.task_default_queue}
    assert routed == _queues(worker) | _queues(gpu), "every queue a task can be sent to has a consumer"


def test_gpu_worker_reserves_a_gpu(compose):
    devices = compose["services"]["gpu-worker"]["deploy"]["resources"]["reservations"]["devices"]
    assert any("gpu" in d["capabilities"] for d in devices)


def test_docker_compose_config_validates():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed on this machine")
    result = subprocess.run([docker, "compose", "config", "--quiet"], cwd=ROOT, capture_output=True, text=True,
                            env={"DJANGO_SECRET_KEY": "x" * 60, "PII_VAULT_KEYS": "x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE=", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    assert result.returncode == 0, result.stderr
