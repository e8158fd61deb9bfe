"""What the connectors cost (PII off, the keyword pipeline of the live tests, a fresh SQLite database):

  baseline       one customer message of an API conversation (customer_message_receive)
  email_inbound  one inbound mail continuing its thread (email_receive: thread lookup, the same write, the reply's
                 send task queued on the filesystem broker)
  email_send     the worker's side: one reply sent by SMTP to an aiosmtpd server on loopback, threading headers built
  kb_import_*    --articles Markdown files: first import, the same again (unchanged), all changed; index rebuilds
                 queued by each (counted, not run)
  kb_one_by_one  the same articles created one by one through the model (the admin/API door, a signal per article),
                 in one transaction: the rebuild callbacks it queues

Median and p90 over --n messages after --warmup; imports median of --repeats fresh runs.

    nice -n 10 .venv/bin/python bench/connectors/channel_and_import.py --n 100 --out bench/results/connectors_channel_and_import.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["CHATBOT_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-connectors-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.test")
os.environ["LIVE_TOKEN_DELAY_S"] = "0"

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from connectors.email.inbound import email_receive  # noqa: E402
from connectors.email.parsing import InboundEmail  # noqa: E402
from connectors.email.sending import email_reply_send  # noqa: E402
from connectors.kb.service import article_import_create, article_import_execute, source_entries  # noqa: E402
from connectors.models import EmailMessageRef  # noqa: E402
from conversations import services  # noqa: E402
from conversations.models import KnowledgeArticle, Message  # noqa: E402
from tests.live.pipelines import streaming_pipeline  # noqa: E402
from training.retrieval import triggers  # noqa: E402

_PIPELINE: dict = {}
sys.modules.setdefault("bench.connectors.channel_and_import", sys.modules[__name__])
REBUILDS: list[int] = []


def bench_pipeline():  # noqa: ANN201 - CHAT_PIPELINE_PROVIDER
    return _PIPELINE["current"]


class _Sink:
    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        return "250 OK"


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(samples), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 2)}


def _baseline(n: int, warmup: int) -> list[float]:
    conversation, samples = services.conversation_create(), []
    for i in range(warmup + n):
        started = time.perf_counter()
        services.customer_message_receive(conversation=conversation, text=f"where is my card? ({i})")
        if i >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def _inbound(n: int, warmup: int) -> list[float]:
    samples, previous = [], []
    for i in range(warmup + n):
        mail = InboundEmail(sender="olga.petrova@example.org", subject="My card", text=f"where is my card? ({i})",
                            message_id=f"<bench{i}@mail.example.org>", in_reply_to=previous[-1:], references=previous[-5:],
                            provider="mailgun")
        started = time.perf_counter()
        email_receive(mail=mail)
        if i >= warmup:
            samples.append(time.perf_counter() - started)
        previous.append(mail.message_id)
    return samples


def _send(n: int, warmup: int) -> list[float]:
    replies = list(Message.objects.filter(role=Message.Role.BOT, conversation__channel="email").order_by("id")[: warmup + n])
    samples = []
    for i, reply in enumerate(replies):
        EmailMessageRef.objects.filter(message=reply).delete()
        started = time.perf_counter()
        email_reply_send(message=reply)
        if i >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def _write_articles(folder: Path, count: int, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"article-{i:04d}.md").write_text(f"# Topic {i}\n\nAnswer {i}, {version}: cards arrive in 3-5 working days.\n")


def _import(folder: Path) -> tuple[float, int]:
    before = len(REBUILDS)
    started = time.perf_counter()
    record = article_import_execute(record=article_import_create(entries=source_entries(paths_or_urls=[str(folder)]), user=None))
    assert record.status == "succeeded"
    return time.perf_counter() - started, len(REBUILDS) - before


def _one_by_one(count: int, tag: str) -> tuple[float, int]:
    before = len(REBUILDS)
    started = time.perf_counter()
    with transaction.atomic():
        for i in range(count):
            KnowledgeArticle.objects.create(slug=f"{tag}-{i}", title=f"Topic {i}", body=f"Answer {i}: cards arrive in 3-5 working days.")
    return time.perf_counter() - started, len(REBUILDS) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    triggers.index_rebuild_queue = lambda: REBUILDS.append(1)  # counted, not run
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    controller = Controller(_Sink(), hostname="127.0.0.1", port=smtp_port, ready_timeout=60)
    controller.start()
    results: dict = {}
    with override_settings(PII_ANONYMIZE=False, CHAT_PIPELINE_PROVIDER="bench.connectors.channel_and_import.bench_pipeline",
                           EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                           EMAIL_PORT=smtp_port, RETRIEVAL_REBUILD_ON_CHANGE=True):
        _PIPELINE["current"] = streaming_pipeline()
        results["baseline"] = _summary(_baseline(args.n, args.warmup))
        results["email_inbound"] = _summary(_inbound(args.n, args.warmup))
        results["email_send"] = _summary(_send(args.n, args.warmup))
        runs: dict[str, list[tuple[float, int]]] = {"kb_import_new": [], "kb_import_unchanged": [], "kb_import_changed": [], "kb_one_by_one": []}
        for r in range(args.repeats):
            folder = Path(tempfile.mkdtemp(prefix="bench-kb-")) / f"run{r}"
            _write_articles(folder, args.articles, "v1")
            runs["kb_import_new"].append(_import(folder))
            runs["kb_import_unchanged"].append(_import(folder))
            _write_articles(folder, args.articles, "v2")
            runs["kb_import_changed"].append(_import(folder))
            runs["kb_one_by_one"].append(_one_by_one(args.articles, f"r{r}"))
        for name, samples in runs.items():
            results[name] = {"articles": args.articles, "repeats": args.repeats,
                             "median_s": round(statistics.median(s for s, _ in samples), 3),
                             "rebuilds_queued": sorted({q for _, q in samples})}
    controller.stop()
    out = {"command": " ".join(["nice -n 10 .venv/bin/python", *sys.argv]), "database": settings.DATABASES["default"]["ENGINE"],
           "load_avg_1m_at_end": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(), "results": results,
           "email_inbound_added_median_ms": round(results["email_inbound"]["median_ms"] - results["baseline"]["median_ms"], 2)}
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
