"""Real daphne processes on loopback for the browser test and the benchmark.

Each run gets its own database: a SQLite file in a temporary folder, or, when DATABASE_URL
points at PostgreSQL, a fresh database beside it (dropped afterwards). With REDIS_URL the
processes share a Redis channel layer under a prefix of their own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "tests.live.server_settings"
AGENT_USERNAME, AGENT_PASSWORD = "agent", "e2e-password-123"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    """The environment shared by every daphne of one run."""

    env: dict[str, str]
    log_dir: Path
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)  # by base URL

    def manage(self, *args: str) -> None:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr

    def start(self, name: str, port: int | None = None) -> str:
        """Start one daphne and return its base URL once it answers."""
        port = port or free_port()
        log = open(self.log_dir / f"daphne-{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "chatbot.asgi:application"],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        self.servers[url] = process
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, f"daphne exited; see {log.name}"
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/demo/", timeout=2) as response:
                    if response.status == 200:
                        return url
            time.sleep(0.2)
        raise TimeoutError(f"daphne did not answer on {url}; see {log.name}")

    def kill(self, url: str) -> None:
        """Kill the daphne serving ``url``, as a crash would (to test reconnects); ``start(name, port)`` brings it back."""
        process = self.servers.pop(url)
        process.kill()
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.servers.values():
            process.terminate()
        for process in self.servers.values():
            try:
                process.wait(timeout=5)  # daphne waits for open sockets; do not wait for it long
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _postgres_database(url: str) -> tuple[str, str]:
    """A fresh database next to the one DATABASE_URL names: (its URL, its name)."""
    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'chatbot'}_live_{uuid.uuid4().hex[:8]}"
    return urlunparse(parsed._replace(path=f"/{name}")), name


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql)


def redis_forget(url: str, prefix: str) -> None:
    """Delete the channel-layer keys under ``prefix`` (groups would otherwise linger for a day)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextlib.contextmanager
def stack(tmp_dir: Path, log_dir: Path, **extra_env: str) -> Iterator[Stack]:
    """Migrated database + agent login; start daphnes with ``stack.start(name)``."""
    keep = ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update({"DJANGO_SETTINGS_MODULE": SETTINGS, "CHATBOT_VAR_DIR": str(tmp_dir), "PYTHONUNBUFFERED": "1",
                "PII_ANONYMIZE": "false", "LOG_LEVEL": "WARNING", **extra_env})
    database_url, pg_name = os.environ.get("DATABASE_URL"), None
    if database_url and database_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], pg_name = _postgres_database(database_url)
        _postgres_admin(database_url, f'CREATE DATABASE "{pg_name}"')
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
        env["CHANNELS_PREFIX"] = f"live-e2e-{uuid.uuid4().hex[:8]}"
    log_dir.mkdir(parents=True, exist_ok=True)
    running = Stack(env=env, log_dir=log_dir)
    try:
        running.manage("migrate", "--noinput", "-v", "0")
        running.manage("shell", "-c", _CREATE_AGENT)
        yield running
    finally:
        running.stop()
        if "CHANNELS_PREFIX" in env:
            redis_forget(env["REDIS_URL"], env["CHANNELS_PREFIX"])
        if pg_name and database_url:
            _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


_CREATE_AGENT = f"""
from django.contrib.auth.models import Group, User
from conversations import roles
from conversations.models import Intent
roles.roles_sync()
user = User.objects.create_user({AGENT_USERNAME!r}, password={AGENT_PASSWORD!r}, first_name="Alice")
user.groups.set([Group.objects.get(name=roles.AGENTS)])
Intent.objects.get_or_create(name="card_arrival")
"""
