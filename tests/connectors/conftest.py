"""Fixtures for the connectors: the deterministic bot of tests/conversations, Celery tasks run in the test's
process, a real SMTP server on loopback (aiosmtpd) and a loopback HTTP server that tests give routes to."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from chatbot.celery import app as celery_app
from tests.conversations.conftest import bot, pipeline  # noqa: F401 - fixtures shared with the conversations tests
from training.retrieval import triggers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_index_rebuilds(monkeypatch):
    # The bot fixture's article would queue a real index rebuild on the broker once a transactional test commits.
    monkeypatch.setattr(triggers, "index_rebuild_queue", lambda: None)


@pytest.fixture(autouse=True)
def _tasks_in_process():
    # The replies' tasks (SMTP, Chatwoot) run where the test can see them, instead of a broker nobody consumes.
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = False, False


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list = field(default_factory=list)  # (mail_from, rcpt_tos, raw bytes)

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's handler hook
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, ready_timeout=60)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    controller.stop()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


Handler = Callable[[Request], tuple[int, dict[str, str], bytes]]


@dataclass
class LoopbackServer:
    url: str
    handler: Handler
    requests: list[Request] = field(default_factory=list)


@pytest.fixture
def loopback(settings) -> Iterator[Callable[[Handler], LoopbackServer]]:
    """``loopback(handler)``: a real HTTP server on 127.0.0.1, allow-listed for outbound calls."""
    servers: list[http.server.ThreadingHTTPServer] = []
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.OUTBOUND_TIMEOUT_S = 3

    def start(handler: Handler) -> LoopbackServer:
        port = free_port()
        state = LoopbackServer(url=f"http://127.0.0.1:{port}", handler=handler)

        class _Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                state.requests.append(request)
                status, headers, body = state.handler(request)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
