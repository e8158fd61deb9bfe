"""What integrations add to one customer message on the served path (message service, keyword pipeline, PII off):

  baseline        no action step, no webhook endpoint
  actions_idle    the action step present, the intent without an action (two lookups)
  webhooks        no action step; one endpoint subscribed to the message events: two deliveries recorded per
                  message (not sent: the worker's side is `delivery`)
  action_call     the intent has an action: one call to the demo card service on loopback, template filled
  delivery        one webhook attempt by the task's service (sign, POST to a loopback receiver, record)

Median and p90 over --n messages each, after --warmup, in a fresh SQLite database under a temporary folder.

    nice -n 10 .venv/bin/python bench/integrations/overhead.py --n 200 --out bench/results/integrations_overhead.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["CHATBOT_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-integrations-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.test")
os.environ["LIVE_TOKEN_DELAY_S"] = "0"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from conversations import services  # noqa: E402
from conversations.models import Intent  # noqa: E402
from integrations import demo_service, dispatch  # noqa: E402
from integrations.actions.runtime import provider  # noqa: E402
from integrations.models import BotAction, WebhookDelivery, WebhookEndpoint  # noqa: E402
from integrations.webhooks.services import webhook_delivery_attempt, webhook_endpoint_create  # noqa: E402
from tests.live.pipelines import streaming_pipeline  # noqa: E402

_PIPELINE: dict = {}
# CHAT_PIPELINE_PROVIDER names this module: let it find this run's pipeline, not a second import of the file.
sys.modules.setdefault("bench.integrations.overhead", sys.modules[__name__])


def bench_pipeline():  # noqa: ANN201 - CHAT_PIPELINE_PROVIDER
    return _PIPELINE["current"]


class _Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(server) -> str:  # noqa: ANN001
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(samples), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 2)}


def _messages(n: int, warmup: int, text: str, *, new_conversation_each: bool = False) -> list[float]:
    samples = []
    conversation = services.conversation_create()
    for i in range(warmup + n):
        if new_conversation_each:
            conversation = services.conversation_create()
        started = time.perf_counter()
        services.customer_message_receive(conversation=conversation, text=text)
        if i >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Intent.objects.get_or_create(name="card_arrival")
    cards = demo_service.serve(port=0)
    cards_url = _serve(cards)
    sink_url = _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Sink))
    dispatch.task_send = lambda *a, **k: None  # deliveries recorded; sent in the `delivery` case
    results = {}
    with override_settings(PII_ANONYMIZE=False, CHAT_PIPELINE_PROVIDER="bench.integrations.overhead.bench_pipeline",
                           OUTBOUND_ALLOWED_NETWORKS=["127.0.0.1/32"], ACTION_SECRETS={"KESTREL_CARDS_TOKEN": demo_service.DEMO_TOKEN}):
        _PIPELINE["current"] = streaming_pipeline()
        results["baseline"] = _summary(_messages(args.n, args.warmup, "where is my card?"))
        with_actions = dataclasses.replace(streaming_pipeline(), actions=provider())
        _PIPELINE["current"] = with_actions
        results["actions_idle"] = _summary(_messages(args.n, args.warmup, "where is my card?"))
        _PIPELINE["current"] = streaming_pipeline()
        webhook_endpoint_create(name="bench", url=f"{sink_url}/hook", user=None, events=["message.customer", "message.bot"])
        results["webhooks"] = _summary(_messages(args.n, args.warmup, "where is my card?"))
        WebhookEndpoint.objects.update(is_active=False)
        _PIPELINE["current"] = with_actions
        call_command("load_demo_actions", service_url=cards_url, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        # The reference in the message itself: one call per message, no question asked first.
        results["action_call"] = _summary(_messages(args.n, args.warmup, "my card order 12345678 has not come",
                                                    new_conversation_each=True))
        assert BotAction.objects.get().calls.filter(outcome="answered").count() == args.n + args.warmup
        WebhookEndpoint.objects.update(is_active=True)
        pending = list(WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True)[: args.n + args.warmup])
        samples = []
        for i, pk in enumerate(pending):
            started = time.perf_counter()
            webhook_delivery_attempt(delivery_id=pk)
            if i >= args.warmup:
                samples.append(time.perf_counter() - started)
        results["delivery"] = _summary(samples)
    out = {"command": " ".join(["nice -n 10 .venv/bin/python", *sys.argv]), "database": settings.DATABASES["default"]["ENGINE"],
           "load_avg_1m_at_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(), "results": results,
           "added_median_ms": {k: round(results[k]["median_ms"] - results["baseline"]["median_ms"], 2)
                               for k in ("actions_idle", "webhooks", "action_call")}}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
