"""CPU per customer message spent on PII in the served pipeline: the message's anonymization plus the
scrubbing of its streamed reply, through the services' own code (conversations/services/messages.py).

A fresh database (SQLite in a temporary folder, or a fresh PostgreSQL database beside DATABASE_URL)
gets the demo data; each customer message (the demo questions and messages carrying an e-mail, a
phone number, a name, an address) is stored in a conversation of its own with ``anonymize_text``,
and a reply as the extractive tier streams it (the best-matching demo article's sentences, cited,
one sentence per chunk; ``--chunking words`` streams word by word as a generative responder does,
with a customer's value planted in it, so the scrubber works as it does on generated text) goes
through ``_collect``, the scrubber the served path uses. CPU is the thread's own CPU time
(``time.thread_time``); figures are medians over --repeats passes over all messages.

    nice -n 10 .venv/bin/python bench/pii/served_cpu.py --out bench/results/pii_served_cpu.json
    nice -n 10 .venv/bin/python bench/pii/served_cpu.py --profile 25   # + where the CPU goes (cProfile)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CUSTOMER_TEXTS = [
    "When will my new card arrive?", "How do I activate my card?", "Do you charge for bank transfers?",
    "How do I change my PIN?", "How do I close my Kestrel account?", "What is the interest rate on savings?",
    "How do I set up a direct debit?", "Why was my card declined?", "How do I send money abroad?",
    "I lost my card, what should I do?",
    "Can I change the address on my account? My email is jo.smith@example.com",
    "Please call me back on 07700 900123, it is about my card",
    "Hi, I'm Sarah Connolly and I moved to 14 Elm Road, Leeds LS6 2AB last week. How do I update my address?",
    "My card ending 4821 was declined in Manchester yesterday, why?",
]
# A customer's value that a generative responder might echo back: the scrubber must catch it mid-stream.
ECHO = " I have noted your number 07700 900123 and will let Sarah know."
_WORD = re.compile(r"\w+")


@dataclass
class Stages:
    message_ms: float
    reply_ms: float

    @property
    def total_ms(self) -> float:
        return self.message_ms + self.reply_ms


def _setup(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatbot.settings.local")
    os.environ["CHATBOT_VAR_DIR"] = str(tmp)
    os.environ["PII_ANONYMIZE"] = "true"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from conversations.demo import demo_data_load

    demo_data_load()


def _replies(texts: list[str]) -> dict[str, list[str]]:
    """For each message: the best-overlapping published article's first three statements, cited [1]."""
    from conversations.models import KnowledgeArticle
    from training.ml.answers.text import cite, split_sentences

    articles = list(KnowledgeArticle.objects.filter(published=True).values_list("title", "body"))
    out = {}
    for text in texts:
        words = {w.lower() for w in _WORD.findall(text) if len(w) > 3}
        title, body = max(articles, key=lambda a: len(words & {w.lower() for w in _WORD.findall(a[0] + " " + a[1])}))
        sentences = [s for s in split_sentences(body) if not s.endswith("?") and len(s.split()) >= 4][:3]
        out[text] = [("" if i == 0 else " ") + cite(s, 1) for i, s in enumerate(sentences)]
    return out


def _chunks(pieces: list[str], chunking: str) -> list[str]:
    if chunking == "sentences":
        return pieces
    text = "".join(pieces) + ECHO
    return re.findall(r"\s*\S+", text)


def _one(text: str, pieces: list[str], chunking: str) -> Stages:
    from types import SimpleNamespace

    from conversations.models import Conversation, Message
    from conversations.privacy import anonymize_text
    from conversations.services.messages import _collect

    conversation = Conversation.objects.create(channel="widget")
    started = time.thread_time()
    stored = anonymize_text(text, conversation=conversation)
    message_cpu = time.thread_time() - started
    Message.objects.create(conversation=conversation, role=Message.Role.CUSTOMER, text=stored)
    started = time.thread_time()
    _collect(SimpleNamespace(chunks=iter(_chunks(pieces, chunking))), None, conversation)
    return Stages(message_cpu * 1000, (time.thread_time() - started) * 1000)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunking", choices=["sentences", "words", "both"], default="both")
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions by cumulative CPU")
    parser.add_argument("--label", default="", help="a name for this run in the JSON (e.g. before/after)")
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        _setup(Path(tmp))
        from conversations.pii_engine import anonymizer

        anonymizer()  # loaded once, as a warm web process has it
        replies = _replies(CUSTOMER_TEXTS)
        for text in CUSTOMER_TEXTS[:3]:  # warm: caches of the allow list and the published corpus
            _one(text, replies[text], "words")
        result: dict = {"label": args.label, "repeats": args.repeats, "messages": len(CUSTOMER_TEXTS),
                        "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "cpu": _cpu_name(),
                        "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite", "chunking": {}}
        modes = ["sentences", "words"] if args.chunking == "both" else [args.chunking]
        profiler = cProfile.Profile() if args.profile else None
        for mode in modes:
            passes = []
            for _ in range(args.repeats):
                if profiler:
                    profiler.enable()
                stages = [_one(text, replies[text], mode) for text in CUSTOMER_TEXTS]
                if profiler:
                    profiler.disable()
                passes.append(stages)
            med = lambda f, passes=passes: round(statistics.median(f(p) for p in passes), 2)  # noqa: E731
            result["chunking"][mode] = {
                "cpu_ms_per_message_p50": med(lambda p: statistics.median(s.total_ms for s in p)),
                "cpu_ms_per_message_p95": med(lambda p: _percentile([s.total_ms for s in p], 0.95)),
                "message_anonymize_ms_p50": med(lambda p: statistics.median(s.message_ms for s in p)),
                "reply_scrub_ms_p50": med(lambda p: statistics.median(s.reply_ms for s in p)),
            }
            print(f"{mode:>9}: {result['chunking'][mode]}", file=sys.stderr, flush=True)
        result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        if profiler:
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(args.profile)
            print(stream.getvalue(), file=sys.stderr)
    print(json.dumps(result))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _cpu_name() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        return ""


if __name__ == "__main__":
    raise SystemExit(main())
