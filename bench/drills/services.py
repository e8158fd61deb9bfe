"""Private Redis and PostgreSQL servers for the fault drills, on ports of their own, in a temporary folder.

The drills stop and restart these, never the shared servers that other jobs use.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.live.server import free_port


def http_json(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of one API call; error statuses are returned, not raised."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Conversation {token}"} if token else {})
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def _wait(check, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up in {timeout:.0f} s")
        time.sleep(0.1)


@dataclass
class PrivateRedis:
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")])
        _wait(self._answers, 10, "redis-server")

    def _answers(self) -> bool:
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"

    def kill(self) -> None:
        """As a crash would: SIGKILL, nothing saved (it keeps nothing on disk anyway)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        raise RuntimeError("redis-server is not installed")
    redis = PrivateRedis(free_port(), folder)
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


@dataclass
class PrivatePostgres:
    """A throw-away cluster run as the 'postgres' system user (initdb refuses root), trust auth on loopback."""

    port: int
    data: Path
    bin_dir: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin_dir / args[0]), *args[1:]], check=True,
                       capture_output=True, timeout=120)

    def init(self) -> None:
        self.data.mkdir(parents=True)
        user = pwd.getpwnam("postgres")
        os.chown(self.data, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "server.log"), "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data} -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@contextlib.contextmanager
def private_postgres(folder: Path) -> Iterator[PrivatePostgres]:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    user = pwd.getpwnam("postgres")
    os.chown(folder, user.pw_uid, user.pw_gid)
    server = PrivatePostgres(free_port(), folder / "data", bins[-1].parent)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop("immediate")
