"""The demo card-delivery service on a loopback port, and the demo action wired to it (as `make run` does)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command

from integrations import demo_service


@contextmanager
def demo_service_running(*, slow_s: float = 2.0) -> Iterator[str]:
    server = demo_service.serve(host="127.0.0.1", port=0, slow_s=slow_s)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def demo_settings(settings) -> None:
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ACTION_SECRETS = {"KESTREL_CARDS_TOKEN": demo_service.DEMO_TOKEN}
    settings.ACTION_TIMEOUT_S = 0.5
    settings.CHAT_PIPELINE_PROVIDER = "tests.integrations.pipelines.action_pipeline"


def demo_action_load(service_url: str) -> None:
    call_command("load_demo_actions", service_url=service_url, stdout=io.StringIO())
